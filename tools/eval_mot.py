"""Evaluate MOTChallenge result files against ground truth.

Example::

    python tools/eval_mot.py --gt-root data/MOT17/train \\
        --results work_dirs/exp/results --benchmark MOT17 \\
        --backend both --csv metrics.csv --json metrics.json

``--gt-root`` holds ``<SEQ>/seqinfo.ini`` and ``<SEQ>/gt/gt.txt``;
``--results`` holds ``<SEQ>.txt``. Prints the table of MOTA, IDF1, HOTA,
MOTP, MT, ML, FP, FN and IDS per sequence and combined; malformed input
exits with status 2 and a message naming the file and line.

``--backend both`` also runs py-motmetrics on TrackEval's preprocessed
frames (same files, distractor removal and IoU; independent matching and
counting) and prints where the two differ. They may differ on the CLEAR
metrics (MOTA, FP, FN, IDS, MOTP) in sequences where a target's track
reappears after a gap: the official devkit and TrackEval prefer only the
track matched in the previous frame, py-motmetrics 1.4 re-links the target
to its last track. The motmetrics table's ``Relinks`` column counts such
frames. The exit status is 3 when a difference is not explained this way:
the identity metrics (IDF1, IDP, IDR) differ, or the CLEAR metrics differ
in a sequence without re-links.
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import pandas as pd

from mmmtl.evaluation import (
    ALL_METRICS,
    METRIC_BACKENDS,
    compare_backends,
    evaluate_mot,
    format_table,
    unexplained_disagreement,
)
from mmmtl.evaluation.offline_eval import evaluation_inputs
from mmmtl.evaluation.result_tables import sequences_without_targets
from mmmtl.formats import BENCHMARKS
from mmmtl.utils import (
    OutputClashError,
    atomic_open,
    check_outputs,
    quiet_third_party_warnings,
    tool_parser,
    unit_interval,
)
from mmmtl.visualization import show_errors


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'Official MOTChallenge evaluation (TrackEval) of '
        'result files, with an optional py-motmetrics cross-check.')
    parser.add_argument(
        '--gt-root', required=True,
        help='folder with <SEQ>/seqinfo.ini and <SEQ>/gt/gt.txt')
    parser.add_argument(
        '--results', required=True, help='folder with <SEQ>.txt files')
    parser.add_argument(
        '--seqs', nargs='+', default=None,
        help='sequences to evaluate (default: every sequence folder with '
        'ground truth; a sequence folder or result file without ground '
        'truth is then an error)')
    parser.add_argument(
        '--benchmark', default='MOT17', choices=BENCHMARKS,
        help='ground-truth conventions (distractor classes; MOT15 has no '
        'classes)')
    parser.add_argument(
        '--backend', default='trackeval', choices=METRIC_BACKENDS + ('both', ))
    parser.add_argument(
        '--gt-file', default='gt/gt.txt',
        help='ground-truth file inside each sequence folder')
    parser.add_argument(
        '--iou-thr', type=unit_interval, default=0.5,
        help='IoU threshold of CLEAR and Identity matching, in (0, 1]')
    parser.add_argument(
        '--csv', help='write all tables to this csv file (never an input)')
    parser.add_argument(
        '--json', help='write all tables to this json file (never an input)')
    parser.add_argument(
        '--all-columns', action='store_true',
        help='print DetA, AssA, IDP, IDR, Rcll, Prcn, Frag, GT_IDs too')
    parser.add_argument(
        '--verbose', action='store_true', help="print TrackEval's output")
    parser.add_argument(
        '--show-errors', metavar='DIR', default=None,
        help='also draw the misses, false positives and identity switches '
        "of TrackEval's matching into DIR (report.md, figures; see "
        'tools/analysis_tools/show_errors.py)')
    return parser.parse_args(argv)


def _to_json(tables: Dict[str, pd.DataFrame], benchmark: str,
             diff: Optional[pd.DataFrame],
             unexplained: Optional[pd.DataFrame]) -> dict:

    def clean(v: float) -> Optional[float]:
        return None if math.isnan(v) else float(v)

    out = dict(benchmark=benchmark, tables={})
    for backend, table in tables.items():
        out['tables'][backend] = {
            str(seq): {k: clean(row[k])
                       for k in ALL_METRICS}
            for seq, row in table.iterrows()
        }

    def cell(v):
        # 'NaN vs number' where one back-end has no value
        return v if isinstance(v, str) else float(v)

    def rows(frame: pd.DataFrame) -> dict:
        return {
            str(seq): {k: cell(v)
                       for k, v in row.items()
                       if isinstance(v, str) or not math.isnan(v)}
            for seq, row in frame.iterrows()
        }

    if diff is not None:
        out['disagreement'] = rows(diff)
        out['unexplained_disagreement'] = rows(unexplained)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    try:
        check_outputs([args.csv, args.json],
                      evaluation_inputs(args.gt_root, args.results,
                                        args.gt_file))
    except OutputClashError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
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
    diff = unexplained = None
    if len(tables) == 2:
        diff = compare_backends(tables)
        unexplained = unexplained_disagreement(tables)
        _report(tables, diff, unexplained)
    if args.show_errors:
        try:
            written = show_errors(
                args.gt_root, args.results, args.show_errors,
                seqs=args.seqs, benchmark=args.benchmark,
                iou_thr=args.iou_thr, gt_file=args.gt_file)
        except ValueError as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
        written.pop('table')
        print(f'\nerrors drawn for {len(written)} sequences: '
              f'{osp.join(args.show_errors, "report.md")}')
    # written under a temporary name, renamed when complete
    if args.csv:
        with atomic_open(args.csv) as f:
            pd.concat(tables, names=['backend']).to_csv(f)
    if args.json:
        with atomic_open(args.json) as f:
            json.dump(_to_json(tables, args.benchmark, diff, unexplained),
                      f, indent=2)
    return 3 if unexplained is not None and len(unexplained) else 0


def _report(tables: Dict[str, pd.DataFrame], diff: pd.DataFrame,
            unexplained: pd.DataFrame) -> None:
    """Print where the back-ends differ and whether that is explained."""
    empty = sequences_without_targets(tables)
    if empty:
        print('\nnothing to evaluate in ' + ', '.join(map(str, empty)) +
              ': no ground-truth target after distractor removal; their '
              'MOTA, IDF1, MOTP, IDP, IDR, Rcll and Prcn are undefined '
              '(TrackEval prints 0, motmetrics -) and not compared')
    if not len(diff):
        print('\ntrackeval and motmetrics agree on every count and score '
              'both compute (MOTA, IDF1, MOTP, MT, ML, FP, FN, IDS, Frag, '
              'IDP, IDR, Rcll, Prcn, GT_IDs)')
        return
    relinks = tables['motmetrics']['Relinks'].drop('OVERALL')
    print('\nmotmetrics - trackeval, where they differ:')
    print(diff.to_string())
    print('re-links after a gap (motmetrics only): ' + ', '.join(
        f'{seq} {int(n)}' for seq, n in relinks.items()))
    if len(unexplained):
        print('\nNOT explained by the re-link rule (a bug, or a crowded '
              'frame where TrackEval, maximising summed IoU, and '
              'motmetrics, maximising the number of matches, match '
              'differently):')
        print(unexplained.to_string())
    else:
        print('Every difference lies in a sequence where motmetrics '
              're-links targets to their tracks after a gap, which the '
              'official devkit and TrackEval do not; TrackEval is the '
              'reference.')


if __name__ == '__main__':
    sys.exit(main())
