"""Write synthetic pedestrian sequences in the MOTChallenge layout.

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
"""
import argparse
import time

from mmmtl.datasets import (
    get_profile,
    profile_summary,
    write_benchmark,
    write_mot_split,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate synthetic MOT sequences (MOTChallenge layout)')
    parser.add_argument('out', nargs='?',
                        help='output root; writes OUT/<split>/<SEQ>')
    parser.add_argument(
        '--profile', choices=['mot16', 'mot17', 'mot20', 'custom'],
        help='write a benchmark-shaped dataset (train and test splits) '
        'instead of --num-seqs generic sequences')
    parser.add_argument('--list', action='store_true',
                        help='print the profile\'s sequences and exit')
    parser.add_argument('--scale', type=float, default=None,
                        help='profile: factor from the real image sizes '
                        '(default 1/6: 1920x1080 -> 320x180)')
    parser.add_argument('--seqs', nargs='+', default=None,
                        help='profile: sequences to write (default all)')
    parser.add_argument('--people-scale', type=float, default=1.0,
                        help='profile: factor on the people in view')
    parser.add_argument('--num-seqs', type=int, default=None,
                        help='sequences (default 3); with --profile and '
                        'no --seqs: the first N training sequences only')
    parser.add_argument('--frames', type=int, default=None,
                        help='frames per sequence (default 150; with '
                        '--profile 30)')
    parser.add_argument('--size', type=int, nargs=2, default=(320, 192),
                        metavar=('WIDTH', 'HEIGHT'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--split', default='train')
    parser.add_argument('--num-targets', type=int, default=8,
                        help='typical number of people in view')
    parser.add_argument('--frame-rate', type=int, default=30)
    parser.add_argument('--no-camera-noise', action='store_true',
                        help='no camera shake, flicker or pixel noise')
    parser.add_argument('--jpeg-quality', type=int, default=95)
    parser.add_argument('--workers', type=int, default=2,
                        help='threads encoding JPEGs')
    parser.add_argument('--name-prefix', default=None,
                        help='sequence name prefix (default SYN<seed>)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.list:
        if not args.profile:
            raise SystemExit('--list needs --profile')
        print('\n'.join(profile_summary(args.profile, args.scale)))
        return
    if args.out is None:
        raise SystemExit('give the output root')
    start = time.perf_counter()
    if args.profile:
        if args.num_seqs is not None and args.seqs is None:
            train = [s.name for s in get_profile(args.profile).sequences
                     if s.split == 'train']
            args.seqs = train[:args.num_seqs]
        seq_dirs = write_benchmark(
            args.out, args.profile, seed=args.seed, scale=args.scale,
            frames=args.frames, sequences=args.seqs,
            people_scale=args.people_scale,
            camera_noise=not args.no_camera_noise,
            jpeg_quality=args.jpeg_quality, workers=args.workers)
        for seq_dir in seq_dirs:
            print(seq_dir)
        print(f'{len(seq_dirs)} sequence folders in '
              f'{time.perf_counter() - start:.1f} s')
        return
    args.frames = args.frames or 150
    args.num_seqs = args.num_seqs or 3
    seq_dirs = write_mot_split(
        args.out,
        num_seqs=args.num_seqs,
        num_frames=args.frames,
        size=args.size,
        seed=args.seed,
        split=args.split,
        num_targets=args.num_targets,
        frame_rate=args.frame_rate,
        camera_noise=not args.no_camera_noise,
        jpeg_quality=args.jpeg_quality,
        workers=args.workers,
        name_prefix=args.name_prefix)
    elapsed = time.perf_counter() - start
    total = args.num_seqs * args.frames
    for seq_dir in seq_dirs:
        print(seq_dir)
    print(f'{total} frames in {elapsed:.1f} s '
          f'({total / max(elapsed, 1e-9):.0f} frames/s)')


if __name__ == '__main__':
    main()
