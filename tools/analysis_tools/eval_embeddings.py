"""How well the Re-ID embeddings of a detection cache tell people apart.

    python tools/analysis_tools/eval_embeddings.py CACHE_DIR
        [--gt-root GT] [--seqs SEQ ...] [--score-thr 0.3] [--iou-thr 0.5]
        [--max-gap 30] [--json FILE]

CACHE_DIR is a folder written by ``tools/test.py CONFIG CKPT
--save-detections CACHE_DIR``. Each detection scoring at least
``--score-thr`` is matched to a ground-truth person of its frame (IoU at
least ``--iou-thr``); every pair of matched detections 1 to ``--max-gap``
frames apart is a same-person or an other-person pair. Printed per
sequence and pooled: the matched embeddings and people, ROC AUC, the
sensitivity index d' (what the adaptive tracker's
``appearance_separation`` compares) and TAR at FAR 0.001, 0.01 and 0.1
(JDE's and FairMOT's embedding measure, on the detector's own boxes).
No model runs; a sequence takes well under a second.
"""
import argparse
import json
import sys
from typing import List, Optional

from mmmtl.evaluation import cache_embedding_quality
from mmmtl.utils import (
    atomic_open,
    check_output_dir,
    positive_int,
    probability,
    quiet_third_party_warnings,
    tool_parser,
    unit_interval,
)

#: False accept rates of the table.
FARS = (1e-3, 1e-2, 1e-1)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'How well the embeddings of a detection cache separate '
        'people')
    parser.add_argument('cache_dir', help='detection cache folder')
    parser.add_argument(
        '--gt-root',
        help='ground truth (<SEQ>/gt/gt.txt); default: the one the cache '
        'was written against')
    parser.add_argument('--seqs', nargs='+', help='only these sequences')
    parser.add_argument(
        '--score-thr', type=probability, default=0.,
        help='least score of a detection taken (default: 0, all; the '
        "tracker's obj_score_thr takes what it associates)")
    parser.add_argument(
        '--iou-thr', type=unit_interval, default=0.5,
        help='least IoU of a detection with its person (default: 0.5)')
    parser.add_argument(
        '--max-gap', type=positive_int, default=30,
        help='largest frame distance of a pair (default: 30, FairMOT\'s '
        'track_buffer)')
    parser.add_argument('--json', help='write the figures as JSON here')
    return parser.parse_args(argv)


def format_rows(rows: dict) -> str:
    """The table of :func:`main`: one line per sequence summary."""
    heads = (['Sequence', 'Embeds', 'IDs', 'AUC', "d'"] +
             [f'TAR@{far:g}' for far in FARS])
    width = max(len(heads[0]), *(len(name) for name in rows))
    lines = [f'{heads[0]:<{width}}' + ''.join(f'{h:>11}' for h in heads[1:])]
    for name, s in rows.items():
        d_prime = s["d'"]
        cells = [f"{s['embeddings']:>11d}", f"{s['identities']:>11d}",
                 f"{s['AUC']:>11.4f}", f'{d_prime:>11.2f}']
        cells += [f"{s[f'TAR@FAR={far:g}']:>11.3f}" for far in FARS]
        lines.append(f'{name:<{width}}' + ''.join(cells))
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    inputs = [args.cache_dir] + ([args.gt_root] if args.gt_root else [])
    try:
        if args.json:
            check_output_dir(args.json, inputs, '--json')
        quality = cache_embedding_quality(
            args.cache_dir, args.gt_root, args.seqs,
            score_thr=args.score_thr, iou_thr=args.iou_thr,
            max_gap=args.max_gap)
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f'eval_embeddings: error: {e}', file=sys.stderr)
        return 2
    rows = {name: q.summary(FARS) for name, q in quality.items()}
    print(format_rows(rows))
    if args.json:
        with atomic_open(args.json) as f:
            json.dump(dict(score_thr=args.score_thr, iou_thr=args.iou_thr,
                           max_gap=args.max_gap, sequences=rows), f,
                      indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
