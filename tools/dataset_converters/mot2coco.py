"""Convert MOT16/17/20 (or synthetic sequences) to CocoVID json files.

mmdet's ``tools/dataset_converters/mot2coco.py`` plus Re-ID identities:
every annotation gets ``reid_id`` (unique and contiguous across the videos
of a split, -1 for boxes that are not training pedestrians) and each file
``num_identities``. See :func:`mmmtl.datasets.converters.
convert_mot_to_coco` and docs/dataset_prepare.md.

Example::

    python tools/dataset_converters/mot2coco.py -i data/MOT17 \\
        -o data/MOT17/annotations --split-train
"""
import argparse
import os.path as osp
import sys

from mmmtl.datasets import convert_mot_to_coco
from mmmtl.formats import MOT_CLASSES
from mmmtl.utils import check_output_dir, quiet_third_party_warnings


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert MOTChallenge-layout data to CocoVID json '
        'files with Re-ID identities.')
    parser.add_argument(
        '-i', '--input', required=True,
        help='dataset root holding train/ and/or test/')
    parser.add_argument(
        '-o', '--output', required=True,
        help='output folder, e.g. <input>/annotations')
    parser.add_argument(
        '--split-train', action='store_true',
        help='also write half-train and half-val subsets of train')
    parser.add_argument(
        '--mot17-detector', default='FRCNN',
        choices=['DPM', 'FRCNN', 'SDP', 'all'],
        help='which of the three identical copies of a MOT17 training '
        'video to keep in the training subsets (default: FRCNN)')
    parser.add_argument(
        '--classes', nargs='+', default=['pedestrian'],
        choices=list(MOT_CLASSES), metavar='CLASS',
        help='classes whose boxes get Re-ID identities, for a multi-class '
        'data set, e.g. --classes pedestrian car (default: pedestrian)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    splits = [
        osp.join(args.input, s) for s in ('train', 'val', 'test')
        if osp.isdir(osp.join(args.input, s))
    ]
    try:
        # the json files go beside the sequences, never among them
        check_output_dir(args.output, splits, '--output',
                         may_hold_inputs=True)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    summary = convert_mot_to_coco(
        args.input,
        args.output,
        split_train=args.split_train,
        mot17_detector=(None if args.mot17_detector == 'all' else
                        args.mot17_detector),
        reid_classes=[MOT_CLASSES.index(c) + 1 for c in args.classes])
    for subset, info in summary.items():
        print(f'{subset}: {info["num_videos"]} videos, '
              f'{info["num_images"]} images, {info["num_annotations"]} '
              f'boxes, {info["num_identities"]} identities -> '
              f'{info["file"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
