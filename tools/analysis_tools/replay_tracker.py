"""Replay the tracker over a detection cache and evaluate it.

    python tools/analysis_tools/replay_tracker.py CACHE_DIR CONFIG
        [--gt-root GT] [--cfg-options model.tracker.KEY=VALUE ...]
        [--out-dir DIR] [--json FILE]

CACHE_DIR is a folder written by ``tools/test.py CONFIG CKPT
--save-detections CACHE_DIR``: what the network gave each frame. Only the
tracker of CONFIG runs (with any ``--cfg-options``), and the config's own
metric evaluates it, so with the unchanged config the numbers equal those
of the ``tools/test.py`` run that wrote the cache, in seconds. A cache that
does not fit the config (embedding width, classes) or the ground truth
(sequence names, frame counts) is refused with a message naming the file.
"""
import argparse
import json
import sys
from typing import List, Optional

import mmmtl  # noqa: F401  (registers mmmtl's components)
from mmmtl.apis import replay_tracker
from mmmtl.utils import (
    add_cfg_options,
    atomic_open,
    check_output_dir,
    check_outputs,
    load_config,
    quiet_third_party_warnings,
    tool_parser,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'Replay the tracker over a detection cache')
    parser.add_argument('cache_dir', help='detection cache folder')
    parser.add_argument('config', help='config whose tracker and metric run')
    parser.add_argument(
        '--gt-root',
        help='ground truth (<SEQ>/gt/gt.txt, <SEQ>/seqinfo.ini); default: '
        'the one the cache was written against, else the config\'s '
        'test_evaluator.gt_root')
    add_cfg_options(parser)
    parser.add_argument(
        '--out-dir', help='keep the result files (TrackEval layout) here')
    parser.add_argument('--json', help='write the metrics as JSON here')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    input_dirs = [args.cache_dir] + ([args.gt_root] if args.gt_root else [])
    try:
        check_outputs([args.json], [args.config])
        if args.out_dir:
            check_output_dir(args.out_dir, input_dirs, '--out-dir')
        if args.json:
            check_output_dir(args.json, input_dirs, '--json')
    except ValueError as e:
        print(f'replay_tracker: error: {e}', file=sys.stderr)
        return 2
    try:
        result = replay_tracker(
            cfg, args.cache_dir, gt_root=args.gt_root,
            outfile_prefix=args.out_dir)
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f'replay_tracker: error: {e}', file=sys.stderr)
        return 2
    for key, value in result.metrics.items():
        print(f'{key}: {value:g}')
    print(f'{result.num_frames} frames; tracker {result.tracker_seconds:.2f}'
          f' s, replay and evaluation {result.total_seconds:.2f} s')
    if args.json:
        with atomic_open(args.json) as f:
            json.dump(result.metrics, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
