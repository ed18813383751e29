"""Evaluate MOTChallenge result files against ground truth.

Example::

    python tools/eval_mot.py --gt-root data/MOT17/train \\
        --results work_dirs/exp/results --benchmark MOT17 \\
        --backend both --csv metrics.csv --json metrics.json

``--gt-root`` holds ``<SEQ>/seqinfo.ini`` and ``<SEQ>/gt/gt.txt``;
``--results`` holds ``<SEQ>.txt``. Prints the table of MOTA, IDF1, HOTA,
MOTP, MT, ML, FP, FN and IDS per sequence and combined. With ``--backend
both`` the exit status is 3 when TrackEval and motmetrics disagree on
MOTA, IDF1, FP, FN or IDS; malformed input exits with status 2 and a
message naming the file and line.
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import pandas as pd

from mmmtl.evaluation.mot_io import BENCHMARKS
from mmmtl.evaluation.offline_eval import (
    ALL_METRICS,
    BACKENDS,
    compare_backends,
    evaluate_mot,
    format_table,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Official MOTChallenge evaluation (TrackEval) of '
        'result files, with an optional py-motmetrics cross-check.')
    parser.add_argument(
        '--gt-root', required=True,
        help='folder with <SEQ>/seqinfo.ini and <SEQ>/gt/gt.txt')
    parser.add_argument(
        '--results', required=True, help='folder with <SEQ>.txt files')
    parser.add_argument(
        '--seqs', nargs='+', default=None,
        help='sequences to evaluate (default: all with ground truth)')
    parser.add_argument(
        '--benchmark', default='MOT17', choices=BENCHMARKS,
        help='ground-truth conventions (distractor classes; MOT15 has no '
        'classes)')
    parser.add_argument(
        '--backend', default='trackeval', choices=BACKENDS + ('both', ))
    parser.add_argument(
        '--gt-file', default='gt/gt.txt',
        help='ground-truth file inside each sequence folder')
    parser.add_argument(
        '--iou-thr', type=float, default=0.5,
        help='IoU threshold of CLEAR and Identity matching')
    parser.add_argument('--csv', help='write all tables to this csv file')
    parser.add_argument('--json', help='write all tables to this json file')
    parser.add_argument(
        '--all-columns', action='store_true',
        help='print DetA, AssA, IDP, IDR, Rcll, Prcn, Frag, GT_IDs too')
    parser.add_argument(
        '--verbose', action='store_true', help="print TrackEval's output")
    return parser.parse_args(argv)


def _to_json(tables: Dict[str, pd.DataFrame], benchmark: str,
             diff: Optional[pd.DataFrame]) -> dict:

    def clean(v: float) -> Optional[float]:
        return None if math.isnan(v) else float(v)

    out = dict(benchmark=benchmark, tables={})
    for backend, table in tables.items():
        out['tables'][backend] = {
            str(seq): {k: clean(row[k])
                       for k in ALL_METRICS}
            for seq, row in table.iterrows()
        }
    if diff is not None:
        out['disagreement'] = {
            str(seq): {k: float(v)
                       for k, v in row.items() if not math.isnan(v)}
            for seq, row in diff.iterrows()
        }
    return out


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    for out in (args.csv, args.json):
        # before the evaluation, so that a bad path costs nothing
        if out:
            parent = osp.dirname(osp.abspath(out))
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as e:
                print(f'error: cannot write {out}: {e}', file=sys.stderr)
                return 2
    try:
        tables = evaluate_mot(
            args.gt_root, args.results, seqs=args.seqs, backend=args.backend,
            benchmark=args.benchmark, iou_thr=args.iou_thr,
            gt_file=args.gt_file, verbose=args.verbose)
    except (ValueError, FileNotFoundError) as e:  # incl. MOTFormatError
        print(f'error: {e}', file=sys.stderr)
        return 2
    columns = ALL_METRICS if args.all_columns else None
    for backend, table in tables.items():
        print(f'\n{backend} ({args.benchmark})')
        print(format_table(table, columns) if columns else
              format_table(table))
    diff = compare_backends(tables) if len(tables) == 2 else None
    if diff is not None:
        if len(diff):
            print('\nmotmetrics - trackeval, where they differ:')
            print(diff.to_string())
        else:
            print('\ntrackeval and motmetrics agree on MOTA, IDF1, FP, FN '
                  'and IDS')
    if args.csv:
        pd.concat(tables, names=['backend']).to_csv(args.csv)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(_to_json(tables, args.benchmark, diff), f, indent=2)
    return 3 if diff is not None and len(diff) else 0


if __name__ == '__main__':
    sys.exit(main())
