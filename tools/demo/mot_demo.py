r"""Track people in a video and write an annotated video and MOT results.

Example::

    python tools/demo/mot_demo.py demo.mp4 CONFIG --checkpoint CKPT \
        --out outputs/demo_tracked.mp4 --out-txt outputs/demo.txt \
        --device cpu --tail 30 --show-fps
    # the detector network in onnxruntime (tools/deployment/export_onnx.py)
    python tools/demo/mot_demo.py demo.mp4 CONFIG --backend onnxruntime \
        --onnx model.onnx --out outputs/demo_tracked.mp4

INPUT is a video file, a folder of frames (or a MOTChallenge sequence
folder), a camera index (``0``) or a stream URL (``rtsp://...``).

An input that cannot be read (e.g. ``frameRate=0`` in ``seqinfo.ini``), a
checkpoint that does not fit the model or holds NaN/inf weights, a
``model.tracker`` key of the wrong type, a broken ONNX graph and NaN/inf
model outputs end the demo with one line ``error: ...`` naming the problem
and exit status 1; the frames tracked before are kept under the outputs'
partial names (``<name>.partial.<ext>``).
"""
import argparse
import sys
from typing import List, Optional, Sequence

from mmengine.registry import init_default_scope

from mmmtl.apis import (
    TrackerConfigError,
    VideoSourceError,
    add_model_args,
    check_outputs,
    init_mot_model,
    open_frame_source,
    parse_model_args,
    partial_path,
    track_to_files,
)
from mmmtl.apis.demo import (
    Terminated,
    check_writable,
    sigterm_as_interrupt,
)
from mmmtl.deploy import ONNXModelError
from mmmtl.engine.hooks.nonfinite_check_hook import NonFiniteOutputError
from mmmtl.utils import (
    CheckpointMismatchError,
    NonFiniteWeightsError,
    add_cfg_options,
    bounded_float,
    bounded_int,
    probability,
    quiet_third_party_warnings,
    tool_parser,
)

#: Errors of loading the model that end the demo with one line.
LOAD_ERRORS = (ONNXModelError, NonFiniteWeightsError,
               CheckpointMismatchError, TrackerConfigError)
#: Errors while tracking that end the demo with one line, the frames
#: tracked so far kept under the partial names.
TRACK_ERRORS = (ONNXModelError, NonFiniteOutputError, VideoSourceError)

#: Frame rates a video can have (the sources' own bound).
FPS = bounded_float(0.0, 1000.0, low_open=True, high_open=True,
                    name='frame rate')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'Multiple object tracking demo')
    parser.add_argument(
        'input',
        help='video file, folder of frames, camera index or stream URL')
    parser.add_argument('config', help='model config file')
    add_model_args(parser)
    parser.add_argument('--out', help='annotated output video (.mp4)')
    parser.add_argument('--out-txt', help='tracks in MOTChallenge format')
    parser.add_argument(
        '--score-thr',
        type=probability,
        default=0.3,
        help='tracks scoring at most this (in [0, 1]) are not drawn or '
        'written')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--tail',
        type=bounded_int(0, 100000),
        default=30,
        help='trajectory tail length in frames (0: none)')
    parser.add_argument(
        '--show-fps',
        action='store_true',
        help='print the model frames per second on the video')
    parser.add_argument(
        '--fps',
        type=FPS,
        default=None,
        help='frame rate in (0, 1000) when the input gives none (frame '
        'folders without seqinfo.ini, some cameras)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    if not (args.out or args.out_txt):
        parser.error('give --out and/or --out-txt')
    # an unreadable graph fails at load: exit 1 with the frames' context
    args.model_source = parse_model_args(parser, args, read_graph=False)
    return args


def _error(err: BaseException, kept: Sequence[str] = ()) -> int:
    """Print ``error: ...`` as one line on stderr; the exit status."""
    text = ' '.join(str(err).split())
    if kept:
        text += (f' (the frames tracked so far are kept in '
                 f'{" and ".join(kept)})')
    print(f'error: {text}', file=sys.stderr)
    return 1


def main(argv: Optional[List[str]] = None) -> int:
    quiet_third_party_warnings()
    args = parse_args(argv)
    # Open the input first: a bad input fails before the model loads.
    try:
        source = open_frame_source(args.input, fps=args.fps)
    except VideoSourceError as e:  # e.g. frameRate=0 in seqinfo.ini
        return _error(e)
    try:
        model_files = [
            p for p in (args.config, args.checkpoint, args.onnx) if p
        ]
        check_outputs([args.out, args.out_txt],
                      list(source.input_files) + model_files)
        # a read-only or missing folder fails now, not after the model
        check_writable([args.out, args.out_txt])
    except (ValueError, OSError) as e:
        source.close()
        print(f'error: {e}', file=sys.stderr)
        return 2
    init_default_scope('mmdet')
    try:
        model = init_mot_model(
            args.config,
            **args.model_source,
            device=args.device,
            cfg_options=args.cfg_options)
    except LOAD_ERRORS as e:  # a graph or checkpoint that cannot run
        source.close()
        return _error(e)

    print(f'input: {source}')
    try:
        # SIGTERM (timeout, kill, schedulers) finishes the files as Ctrl-C
        with sigterm_as_interrupt():
            stats = track_to_files(
                model,
                source,
                out_video=args.out,
                out_txt=args.out_txt,
                score_thr=args.score_thr,
                tail_length=args.tail,
                show_fps=args.show_fps,
                progress=not args.no_progress)
    except TRACK_ERRORS as e:  # NaN outputs, a graph fed another size
        return _error(
            e, [partial_path(p) for p in (args.out, args.out_txt) if p])
    except KeyboardInterrupt as e:
        kept = [partial_path(p) for p in (args.out, args.out_txt) if p]
        print(f'\n{e or "interrupted"}: the frames tracked so far are '
              f'kept in {" and ".join(kept)}', file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    print(f'{stats.num_frames} frames: {stats.fps:.2f} FPS overall, '
          f'{stats.model_fps:.2f} FPS model (detection + tracking)')
    if args.out:
        width, height = stats.video_size
        print(f'video: {args.out} ({width}x{height} at {source.fps:g} fps)')
    if args.out_txt:
        print(f'tracks: {args.out_txt}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
