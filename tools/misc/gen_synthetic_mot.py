"""Write synthetic pedestrian sequences in the MOTChallenge layout.

Example::

    python tools/misc/gen_synthetic_mot.py data/synthetic \
        --num-seqs 3 --frames 150 --size 320 192 --seed 0 --split train
    python tools/misc/gen_synthetic_mot.py data/synthetic \
        --num-seqs 2 --frames 150 --size 320 192 --seed 1 --split test

Give held-out splits another seed: identity numbers restart at 1 in every
call, and the people are new (their colours may by chance resemble people
of another call).

A benchmark profile writes a training split shaped like MOT16, MOT17 or
MOT20 (sequence names, frame rates, aspect ratios, moving cameras, MOT17's
three detector copies with det/det.txt, distractors, occluders, zero-marked
rows, MOT20's crowds), scaled down::

    python tools/misc/gen_synthetic_mot.py data/MOT17 --profile mot17 \
        --num-seqs 2 --frames 24 --scale 0.1667
"""
import argparse
import time

from mmmtl.datasets import PROFILES, write_benchmark_profile, write_mot_split


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate synthetic MOT sequences (MOTChallenge layout)')
    parser.add_argument('out', help='output root; writes OUT/<split>/<SEQ>')
    parser.add_argument('--num-seqs', type=int, default=3)
    parser.add_argument('--frames', type=int, default=150,
                        help='frames per sequence')
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
    parser.add_argument('--profile', choices=PROFILES, default=None,
                        help='write a MOT16/17/20-shaped training split '
                        '(uses --num-seqs, --frames, --seed, --scale)')
    parser.add_argument('--scale', type=float, default=1 / 6,
                        help="with --profile: image size relative to the "
                        "benchmark's")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    if args.profile is not None:
        seq_dirs = write_benchmark_profile(
            args.out, args.profile, num_seqs=args.num_seqs,
            num_frames=args.frames, scale=args.scale, seed=args.seed,
            jpeg_quality=args.jpeg_quality)
    else:
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
    total = len(seq_dirs) * args.frames
    for seq_dir in seq_dirs:
        print(seq_dir)
    print(f'{total} frames in {elapsed:.1f} s '
          f'({total / max(elapsed, 1e-9):.0f} frames/s)')


if __name__ == '__main__':
    main()
