"""Draw where a tracker's misses, false positives and identity switches are.

Example::

    python tools/analysis_tools/show_errors.py data/MOT17/train \\
        work_dirs/exp/results/default-tracker --out errors/ \\
        --seqs MOT17-02-FRCNN MOT17-04-FRCNN

``GT_ROOT`` holds ``<SEQ>/seqinfo.ini``, ``<SEQ>/gt/gt.txt`` and the
images; ``RESULTS`` holds ``<SEQ>.txt``. The matching is TrackEval's own
(its CLEAR metric, recorded frame by frame), so the marks add up to the
official IDSW, FN and FP. Writes ``OUT/report.md`` (metric table and
index), ``OUT/<SEQ>_summary.png`` (events per frame; HOTA, DetA, AssA per
α) and ``OUT/<SEQ>/<frame>.png`` for the frames with identity switches
(``--video``: ``OUT/<SEQ>/errors.mp4`` of every frame). Malformed input
exits with status 2 and a message naming the file and line.
"""
import argparse
import sys
from typing import List, Optional

from mmmtl.evaluation import format_table
from mmmtl.formats import BENCHMARKS
from mmmtl.utils import nonnegative_int, unit_interval
from mmmtl.visualization import show_errors


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw tracking errors (TrackEval matching) of '
        'MOTChallenge result files.')
    parser.add_argument(
        'gt_root', help='folder with <SEQ>/seqinfo.ini, <SEQ>/gt/gt.txt '
        'and the images')
    parser.add_argument('results', help='folder with <SEQ>.txt files')
    parser.add_argument('--out', required=True,
                        help='output folder (report.md and figures)')
    parser.add_argument('--seqs', nargs='+', default=None,
                        help='sequences (default: all with ground truth)')
    parser.add_argument('--benchmark', default='MOT17', choices=BENCHMARKS)
    parser.add_argument('--gt-file', default='gt/gt.txt',
                        help='ground-truth file inside each sequence '
                        'folder')
    parser.add_argument('--iou-thr', type=unit_interval, default=0.5,
                        help='IoU threshold of the CLEAR matching')
    parser.add_argument('--max-frames', type=nonnegative_int, default=20,
                        help='frames drawn per sequence (those with '
                        'identity switches first)')
    parser.add_argument('--video', action='store_true',
                        help='also write a video of every frame')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        written = show_errors(
            args.gt_root, args.results, args.out, seqs=args.seqs,
            benchmark=args.benchmark, iou_thr=args.iou_thr,
            gt_file=args.gt_file, max_frames=args.max_frames,
            video=args.video)
    except (ValueError, FileNotFoundError) as e:  # incl. MOTFormatError
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(format_table(written.pop('table')))
    for name, w in written.items():
        c = w['marks']  # over every frame, drawn or not
        print(f'{name}: IDSW {c["IDSW"]}, FN {c["FN"]}, FP {c["FP"]}, '
              f'Frag {c["Frag"]} marked; {len(w["frames"])} frames drawn')
    print(f'report: {args.out}/report.md')
    return 0


if __name__ == '__main__':
    sys.exit(main())
