r"""Plot the loss-balancer weights of a training run (LWF paper, Fig. 3).

Example::

    python tools/analysis_tools/plot_loss_weights.py WORK_DIR --out w.png
    python tools/analysis_tools/plot_loss_weights.py \
        --json WORK_DIR/20250101_000000/vis_data/scalars.json --out w.png
"""
import argparse
import sys

from mmmtl.utils import (
    atomic_path,
    check_outputs,
    quiet_third_party_warnings,
)
from mmmtl.visualization import find_scalar_json, plot_loss_weights


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot the w_<task> weights (and raw_<task> losses) '
        'logged by a loss balancer over training iterations.')
    parser.add_argument(
        'work_dir', nargs='?', help='work_dir of the run; its newest '
        '<timestamp>/vis_data json log is read')
    parser.add_argument('--json', help='json log to read instead')
    parser.add_argument(
        '--out', default='loss_weights.png', help='output image')
    parser.add_argument(
        '--no-raw', action='store_true',
        help='leave out the panel of raw task losses')
    parser.add_argument('--title', help='figure title')
    args = parser.parse_args(argv)
    if args.work_dir is None and args.json is None:
        parser.error('give a WORK_DIR or --json')
    return args


def main(argv=None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    try:
        json_path = args.json or find_scalar_json(args.work_dir)
        check_outputs([args.out], [json_path])
        # drawn under a temporary name, moved into place when complete
        with atomic_path(args.out) as tmp:
            plot_loss_weights(
                json_path, tmp, show_raw=not args.no_raw, title=args.title)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'read {json_path}\nwrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
