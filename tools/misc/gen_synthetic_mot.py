r"""Write synthetic pedestrian sequences in the MOTChallenge layout.

Example::

    python tools/misc/gen_synthetic_mot.py data/synthetic \
        --num-seqs 3 --frames 150 --size 320 192 --seed 0 --split train
    python tools/misc/gen_synthetic_mot.py data/synthetic \
        --num-seqs 2 --frames 150 --size 320 192 --seed 1 --split test

Give held-out splits another seed: identity numbers restart at 1 in every
call, and the people are new (their colours may by chance resemble people
of another call).

Benchmark-shaped data (MOTChallenge layout with the benchmark's sequence
names, frame rates and scaled sizes, MOT17's three detector copies with
their own det/det.txt, distractors, occluders, zero-marked rows, moving
cameras, MOT20's crowds; see mmmtl/datasets/benchmark_profiles.py)::

    python tools/misc/gen_synthetic_mot.py data/MOT17 --profile mot17
    python tools/misc/gen_synthetic_mot.py data/MOT20 --profile mot20 \
        --frames 50 --scale 0.25 --seqs MOT20-01 MOT20-04
    python tools/misc/gen_synthetic_mot.py data/MOT17 --profile mot17 \
        --num-seqs 2 --frames 24   # the first two training sequences
    python tools/misc/gen_synthetic_mot.py --profile mot17 --list

DanceTrack- and SportsMOT-shaped data (train, val and test folders; look-
alike dancers turning and crossing on a stage, or fast players in two
kits)::

    python tools/misc/gen_synthetic_mot.py data/DanceTrack \
        --profile dancetrack --seqs dancetrack0001 dancetrack0004
    python tools/misc/gen_synthetic_mot.py data/SportsMOT \
        --profile sportsmot --seqs v_-6Os86HzwCs_c001 v_00HRwkvvjtQ_c001
"""
import argparse
import sys
import time
from typing import List, Optional

from mmmtl.datasets import (
    get_profile,
    profile_summary,
    write_benchmark,
    write_mot_split,
)
from mmmtl.utils import (
    bounded_float,
    bounded_int,
    nonnegative_int,
    quiet_third_party_warnings,
)

#: Sizes the scene generator can draw (it needs at least 32x32 pixels).
SIZE = bounded_int(32, 8192, name='image side')
#: Scales from the real benchmark sizes: 0.05 gives 96x54 from 1920x1080.
SCALE = bounded_float(0.05, 4.0, name='scale')
COUNT = bounded_int(1, 100000, name='count')
PEOPLE_SCALE = bounded_float(0.0, 10.0, low_open=True, name='people scale')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate synthetic MOT sequences (MOTChallenge layout)')
    parser.add_argument('out', nargs='?',
                        help='output root; writes OUT/<split>/<SEQ>')
    parser.add_argument(
        '--profile',
        choices=['mot16', 'mot17', 'mot20', 'custom', 'dancetrack',
                 'sportsmot'],
        help='write a benchmark-shaped dataset (train and test splits) '
        'instead of --num-seqs generic sequences')
    parser.add_argument('--list', action='store_true',
                        help='print the profile\'s sequences and exit')
    parser.add_argument('--scale', type=SCALE, default=None,
                        help='profile: factor from the real image sizes, in '
                        '[0.05, 4] (default 1/6: 1920x1080 -> 320x180)')
    parser.add_argument('--seqs', nargs='+', default=None,
                        help='profile: sequences to write (default all)')
    parser.add_argument('--people-scale', type=PEOPLE_SCALE, default=1.0,
                        help='profile: factor on the people in view, in '
                        '(0, 10]')
    parser.add_argument('--num-seqs', type=COUNT, default=None,
                        help='sequences, >= 1 (default 3); with --profile '
                        'and no --seqs: the first N training sequences only')
    parser.add_argument('--frames', type=COUNT, default=None,
                        help='frames per sequence, >= 1 (default 150; with '
                        '--profile 30)')
    parser.add_argument('--size', type=SIZE, nargs=2, default=(320, 192),
                        metavar=('WIDTH', 'HEIGHT'),
                        help='image size, each side in [32, 8192]')
    parser.add_argument('--seed', type=nonnegative_int, default=0)
    parser.add_argument('--split', default='train')
    parser.add_argument('--num-targets', type=bounded_int(1, 1000),
                        default=8,
                        help='typical number of people in view, in [1, 1000]')
    parser.add_argument('--frame-rate', type=bounded_int(1, 1000),
                        default=30, help='frames per second, in [1, 1000]')
    parser.add_argument('--no-camera-noise', action='store_true',
                        help='no camera shake, flicker or pixel noise')
    parser.add_argument('--jpeg-quality', type=bounded_int(1, 100),
                        default=95, help='JPEG quality, in [1, 100]')
    parser.add_argument('--workers', type=bounded_int(1, 256), default=2,
                        help='threads encoding JPEGs')
    parser.add_argument('--name-prefix', default=None,
                        help='sequence name prefix (default SYN<seed>)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='delete sequence folders that hold another run (other frames '
        'or another seqinfo.ini) before writing; without it they are an '
        'error')
    args = parser.parse_args(argv)
    if args.list and not args.profile:
        parser.error('--list needs --profile')
    if not args.list and args.out is None:
        parser.error('give the output root')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    if args.list:
        print('\n'.join(profile_summary(args.profile, args.scale)))
        return 0
    start = time.perf_counter()
    try:
        if args.profile:
            return _write_profile(args, start)
        return _write_generic(args, start)
    except (FileExistsError, ValueError, KeyError) as e:
        # a folder of another run, or a bad sequence name: one line
        print(f'error: {e}', file=sys.stderr)
        return 2


def _write_profile(args: argparse.Namespace, start: float) -> int:
    if args.num_seqs is not None and args.seqs is None:
        train = [s.name for s in get_profile(args.profile).sequences
                 if s.split == 'train']
        args.seqs = train[:args.num_seqs]
    seq_dirs = write_benchmark(
        args.out, args.profile, seed=args.seed, scale=args.scale,
        frames=args.frames, sequences=args.seqs,
        people_scale=args.people_scale,
        camera_noise=not args.no_camera_noise,
        jpeg_quality=args.jpeg_quality, workers=args.workers,
        overwrite=args.overwrite)
    for seq_dir in seq_dirs:
        print(seq_dir)
    print(f'{len(seq_dirs)} sequence folders in '
          f'{time.perf_counter() - start:.1f} s')
    return 0


def _write_generic(args: argparse.Namespace, start: float) -> int:
    # None is "not given"; 0 never reaches here (the parser refuses it)
    frames = 150 if args.frames is None else args.frames
    num_seqs = 3 if args.num_seqs is None else args.num_seqs
    seq_dirs = write_mot_split(
        args.out,
        num_seqs=num_seqs,
        num_frames=frames,
        size=args.size,
        seed=args.seed,
        split=args.split,
        num_targets=args.num_targets,
        frame_rate=args.frame_rate,
        camera_noise=not args.no_camera_noise,
        jpeg_quality=args.jpeg_quality,
        workers=args.workers,
        name_prefix=args.name_prefix,
        overwrite=args.overwrite)
    elapsed = time.perf_counter() - start
    total = num_seqs * frames
    for seq_dir in seq_dirs:
        print(seq_dir)
    print(f'{total} frames in {elapsed:.1f} s '
          f'({total / max(elapsed, 1e-9):.0f} frames/s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
