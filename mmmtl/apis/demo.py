"""Track a video into an annotated video and a MOTChallenge result file."""
import contextlib
import os
import os.path as osp
import signal
import threading
import time
from contextlib import ExitStack
from typing import Iterator, Optional, Sequence

import torch.nn as nn
from mmdet.registry import VISUALIZERS
from mmengine.visualization import Visualizer

from .inference import TrackVideoStats, track_video
from .video_io import FrameSource, MOTTxtWriter, VideoSink, check_outputs

__all__ = [
    'Terminated', 'build_track_visualizer', 'check_writable',
    'sigterm_as_interrupt', 'track_to_files'
]


class Terminated(KeyboardInterrupt):
    """SIGTERM received: handled like Ctrl-C (outputs kept, see
    :func:`sigterm_as_interrupt`)."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C inside the block.

    ``timeout``, ``kill`` and job schedulers stop a process with SIGTERM,
    whose default action ends it at once: an mp4 whose index was never
    written cannot be decoded at all. Inside this block SIGTERM raises
    :class:`Terminated` (a ``KeyboardInterrupt``) in the main thread, so
    the sinks finish their files as on Ctrl-C. A signal that lands inside
    C code that reports its own error instead (matplotlib's Agg renderer
    turns it into ``ValueError: Invalid affine transformation matrix``)
    still ends the block as :class:`Terminated`, chained to that error.
    Outside the main thread (where signals cannot be handled) the block
    changes nothing.

    Yields:
        None
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def handler(signum: int, frame) -> None:
        received.append(signum)
        raise Terminated('terminated by SIGTERM')

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except Exception as e:
        if received:  # the interruption, reported as another error
            raise Terminated('terminated by SIGTERM') from e
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_writable(outputs: Sequence[Optional[str]]) -> None:
    """Make sure each output's folder exists and takes a new file.

    Called before the model loads, so that a read-only or missing folder
    costs nothing. A file is created and deleted beside each output.

    Args:
        outputs (Sequence[str | None]): Output files (None entries are
            ignored).

    Raises:
        PermissionError: Naming the output and the reason (read-only
            folder, a file where a folder should be, ...). A subclass of
            ``OSError``.
    """
    for path in outputs:
        if path is None:
            continue
        parent = osp.dirname(osp.abspath(path))
        probe = osp.join(parent, f'.{osp.basename(path)}.{os.getpid()}.probe')
        try:
            os.makedirs(parent, exist_ok=True)
            with open(probe, 'w'):
                pass
            os.remove(probe)
        except OSError as e:
            raise PermissionError(
                f'cannot write {path}: {e.strerror or e} ({parent})') from None


def build_track_visualizer(model: nn.Module,
                           tail_length: int = 30) -> Visualizer:
    """The model config's visualizer as an ``MMMTLTrackVisualizer``.

    Args:
        model (nn.Module): Model from :func:`~mmmtl.apis.init_mot_model`.
        tail_length (int): Trajectory tail length in frames (0: none).
            Defaults to 30.

    Returns:
        Visualizer: A new instance (names of instances are unique).
    """
    vis_cfg = dict(model.cfg.get('visualizer', {}))
    vis_cfg.update(
        type='MMMTLTrackVisualizer',
        name=f'mot_demo_{time.time_ns()}',
        vis_backends=None,
        save_dir=None,
        tail_length=tail_length)
    visualizer = VISUALIZERS.build(vis_cfg)
    visualizer.dataset_meta = model.dataset_meta
    return visualizer


def track_to_files(model: nn.Module,
                   source: FrameSource,
                   out_video: Optional[str] = None,
                   out_txt: Optional[str] = None,
                   score_thr: float = 0.3,
                   tail_length: int = 30,
                   show_fps: bool = False,
                   progress: bool = True) -> TrackVideoStats:
    """Track ``source`` and write the annotated video and/or the tracks.

    The video keeps the input's size and frame rate; the txt file is in
    the MOTChallenge result format and is flushed after every frame. An
    output that would overwrite an input is refused before anything is
    written; ``source`` is closed in every case. Outputs are written under
    their partial names and moved into place when tracking ends; an error
    keeps what was written under the partial names.

    Args:
        model (nn.Module): Model from :func:`~mmmtl.apis.init_mot_model`.
        source (FrameSource): Frames to track.
        out_video (str, optional): Annotated output video. Defaults to
            None.
        out_txt (str, optional): MOTChallenge result file. Defaults to
            None.
        score_thr (float): Tracks scoring at most this are neither drawn
            nor written. Defaults to 0.3.
        tail_length (int): Trajectory tail length in frames.
            Defaults to 30.
        show_fps (bool): Print the model's frames per second on the
            video. Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        TrackVideoStats: Frame count, timings and the size of the written
        video.

    Raises:
        ValueError: No output, or an output that would overwrite an input.
    """
    with ExitStack() as stack:
        stack.callback(source.close)
        if out_video is None and out_txt is None:
            raise ValueError('give out_video and/or out_txt')
        check_outputs([out_video, out_txt], source.input_files)
        sink = txt = visualizer = None
        if out_video is not None:
            visualizer = build_track_visualizer(model, tail_length)
            sink = stack.enter_context(
                VideoSink(out_video, source.fps,
                          (source.width, source.height)))
        if out_txt is not None:
            txt = stack.enter_context(MOTTxtWriter(out_txt))
        stats = track_video(
            model,
            source,
            video_sink=sink,
            txt_writer=txt,
            visualizer=visualizer,
            score_thr=score_thr,
            show_fps=show_fps,
            progress=progress)
    if sink is not None:  # closed: the file is in place
        stats.video_size = tuple(sink.written_size())
    return stats
