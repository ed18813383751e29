"""Tune the tracker's keys on a detection cache with Optuna.

    python tools/analysis_tools/tune_tracker.py VAL_CACHE CONFIG
        [--report-cache TEST_CACHE] [--metric HOTA] [--trials 50]
        [--seed 0] [--space SPACE.json] [--storage sqlite:///trials.db]
        [--study NAME] [--out trials.json] [--cfg-options ...]

Each trial replays CONFIG's tracker over VAL_CACHE (written by
``tools/test.py ... --save-detections``) and evaluates it with the
config's metric. The search space is the default one of the tracker's
preset (``mmmtl.models.trackers.TRACKER_SEARCH_SPACES``) or a JSON file
mapping keys to ``[kind, low, high]`` (kind ``float``, ``log_float``,
``int``) or ``["categorical", [choices]]``. With ``--storage`` the trials
are kept in SQLite and a rerun resumes the study. With ``--report-cache``
(another split: it may share no sequence with VAL_CACHE) the best keys are
reported there beside the config's own. The best keys are printed as a
config snippet; ``--out`` writes every trial as JSON.
"""
import argparse
import sys
from typing import List, Optional

import mmmtl  # noqa: F401  (registers mmmtl's components)
from mmmtl.apis import (
    config_snippet,
    load_search_space,
    tune_tracker,
    write_trials,
)
from mmmtl.utils import (
    add_cfg_options,
    check_output_dir,
    check_outputs,
    load_config,
    nonnegative_int,
    positive_int,
    quiet_third_party_warnings,
    tool_parser,
)

METRICS = ('HOTA', 'IDF1', 'MOTA', 'AssA', 'DetA')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'Tune the tracker on a detection cache')
    parser.add_argument('val_cache', help='detection cache to tune on')
    parser.add_argument('config', help='config whose tracker is tuned')
    parser.add_argument(
        '--report-cache',
        help='detection cache of a held-out split to report on')
    parser.add_argument('--metric', choices=METRICS, default='HOTA')
    parser.add_argument('--trials', type=positive_int, default=50,
                        help='total trials of the study (default: 50)')
    parser.add_argument('--seed', type=nonnegative_int, default=0,
                        help='sampler seed (default: 0)')
    parser.add_argument('--space', help='search space JSON file')
    parser.add_argument(
        '--storage',
        help='Optuna storage, e.g. sqlite:///trials.db (resumable)')
    parser.add_argument('--study', default='tracker',
                        help='study name in the storage')
    parser.add_argument('--val-gt-root', help='ground truth of VAL_CACHE')
    parser.add_argument('--report-gt-root',
                        help='ground truth of --report-cache')
    parser.add_argument('--out', help='write the trials as JSON')
    add_cfg_options(
        parser, 'override config keys (the start point of the search)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    input_dirs = [d for d in (args.val_cache, args.report_cache,
                              args.val_gt_root, args.report_gt_root) if d]
    try:
        if args.out:
            check_outputs([args.out], [args.config] +
                          ([args.space] if args.space else []))
            check_output_dir(args.out, input_dirs, '--out')
        space = load_search_space(args.space) if args.space else None
        result = tune_tracker(
            cfg,
            args.val_cache,
            metric=args.metric,
            n_trials=args.trials,
            seed=args.seed,
            space=space,
            storage=args.storage,
            study_name=args.study,
            val_gt_root=args.val_gt_root,
            report_cache=args.report_cache,
            report_gt_root=args.report_gt_root)
    except (ValueError, FileNotFoundError, KeyError, ImportError) as e:
        print(f'tune_tracker: error: {e}', file=sys.stderr)
        return 2
    print(f'{len(result.trials)} trials; {args.metric} on {args.val_cache}: '
          f'config {result.default_value:.2f}, best {result.best_value:.2f}')
    if result.report:
        print(f'on {args.report_cache}:')
        for name in ('HOTA', 'IDF1', 'MOTA', 'IDS'):
            vals = [
                next((v for k, v in result.report[which].items()
                      if k.split('/')[-1] == name), float('nan'))
                for which in ('default', 'tuned')
            ]
            print(f'  {name:5s} config {vals[0]:8.2f}   tuned {vals[1]:8.2f}')
    print('best keys:\n' + config_snippet(result.best_params))
    if args.out:
        write_trials(args.out, result)
        print(f'trials: {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
