"""Run a MOT model over a video, frame by frame."""
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmdet.apis.inference import build_test_pipeline
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.dataset import default_collate
from mmengine.utils import ProgressBar
from mmengine.visualization import Visualizer

from mmmtl.engine.hooks.nonfinite_check_hook import (
    HeadOutputWatch,
    check_frame_outputs,
)

from .video_io import FrameSource, MOTTxtWriter, VideoSink


@dataclass
class TrackVideoStats:
    """Summary of :func:`track_video`.

    Attributes:
        num_frames (int): Frames processed.
        elapsed (float): Wall time of the whole loop in seconds.
        model_time (float): Seconds spent in the model (detection and
            tracking).
        video_size (tuple[int, int], optional): ``(width, height)`` of a
            written video as a reader sees it (codecs may round odd sizes
            down); set by :func:`~mmmtl.apis.track_to_files`.
    """
    num_frames: int = 0
    elapsed: float = 0.0
    model_time: float = 0.0
    video_size: Optional[Tuple[int, int]] = None

    @property
    def fps(self) -> float:
        """Frames per second of the whole loop (reading to writing)."""
        return self.num_frames / max(self.elapsed, 1e-9)

    @property
    def model_fps(self) -> float:
        """Frames per second of the model alone."""
        return self.num_frames / max(self.model_time, 1e-9)


def prepare_frame(model: nn.Module,
                  frame: np.ndarray,
                  frame_id: int,
                  video_len: int = -1,
                  pipeline: Optional[Callable] = None,
                  frame_rate: Optional[float] = None) -> Dict[str, Any]:
    """Run one frame through the model's test pipeline, as a batch.

    The data of mmdet's :func:`~mmdet.apis.inference_mot`: the config's
    ``Resize`` and ``PackTrackInputs``, collated into a batch of one video
    of one frame. A ``frame_rate`` goes in as a dataset frame's does, so
    the test pipeline's ``PackTrackInputs(meta_keys=('frame_rate', ))``
    puts it in the frame's metainfo for the tracker.

    Args:
        model (nn.Module): MOT model with ``cfg``.
        frame (np.ndarray): (H, W, 3) BGR image.
        frame_id (int): 0-based index in the video (0 resets the tracks).
        video_len (int): Frames of the video, -1 when unknown.
            Defaults to -1.
        pipeline (callable, optional): The test pipeline, built once by
            the caller with ``build_test_pipeline(model.cfg)``; built here
            when None. Defaults to None.
        frame_rate (float, optional): Frames per second of the video.
            Defaults to None (the tracker's own).

    Returns:
        dict: ``inputs`` and ``data_samples`` for ``model.test_step``.
    """
    if pipeline is None:
        pipeline = build_test_pipeline(model.cfg)
    results = dict(
        img=[frame.astype(np.float32)],
        frame_id=[frame_id],
        ori_shape=[frame.shape[:2]],
        img_id=[frame_id + 1],
        ori_video_length=[video_len])
    if frame_rate:
        results['frame_rate'] = [float(frame_rate)]
    return default_collate([pipeline(results)])


@torch.no_grad()
def track_frame(model: nn.Module, data: Dict[str, Any]) -> TrackDataSample:
    """Detect and track the objects of one prepared frame.

    Whatever the backend of the detector (:func:`init_mot_model`), this is
    the model's ``test_step``: normalisation, detection, tracking.

    Args:
        model (nn.Module): MOT model.
        data (dict): Output of :func:`prepare_frame`.

    Returns:
        TrackDataSample: The video sample; ``[0]`` is the frame, with
        ``pred_track_instances`` (``bboxes`` (N, 4), ``scores`` (N, ),
        ``labels`` (N, ), ``instances_id`` (N, )) in the input's pixels.
    """
    return model.test_step(data)[0]


@torch.no_grad()
def detect_frame(model: nn.Module, data: Dict[str, Any]) -> DetDataSample:
    """Detections with embeddings of one prepared frame, no tracking.

    The detector part of ``test_step`` (normalisation, network, decoding,
    NMS), for profiling a backend's detector apart from the tracker.

    Args:
        model (nn.Module): MOT model with a ``detector``.
        data (dict): Output of :func:`prepare_frame`.

    Returns:
        DetDataSample: The frame with ``pred_instances`` (``bboxes``
        (N, 4), ``scores`` (N, ), ``labels`` (N, ), ``embeds`` (N, D)) in
        the input's pixels.
    """
    data = model.data_preprocessor(data, False)
    frame = data['data_samples'][0][0]
    return model.detector.predict(
        data['inputs'][:, 0].contiguous(), [frame], rescale=True)[0]


def _draw_fps(image: np.ndarray, fps: float) -> None:
    """Write ``fps`` in the top-left corner of a BGR image, in place."""
    scale = max(image.shape[0] / 720, 0.4)
    org = (int(10 * scale), int(30 * scale))
    text = f'{fps:.1f} FPS'
    thick = max(1, int(round(2 * scale)))
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale,
                (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), thick, cv2.LINE_AA)


def track_video(model: nn.Module,
                source: FrameSource,
                video_sink: Optional[VideoSink] = None,
                txt_writer: Optional[MOTTxtWriter] = None,
                visualizer: Optional[Visualizer] = None,
                score_thr: float = 0.3,
                show_fps: bool = False,
                progress: bool = True) -> TrackVideoStats:
    """Track the objects of a video frame by frame and write the results.

    Each frame goes through :func:`prepare_frame` and :func:`track_frame`
    (as mmdet's :func:`~mmdet.apis.inference_mot`: the model's test
    pipeline and ``test_step``; tracks are reset at frame 0), so boxes come
    back in the input's own pixel coordinates, whatever the detector's
    backend (:func:`init_mot_model`).
    Tracks scoring at most ``score_thr`` are neither drawn nor written. A
    frame whose model outputs (the head's score, box or embedding maps, or
    the tracks) hold NaN or inf stops the loop with a
    :class:`~mmmtl.engine.hooks.nonfinite_check_hook.NonFiniteOutputError`
    naming the output and the frame (what was written so far is kept by
    the sinks). Each frame carries the source's frame rate
    (``source.fps``) in its metainfo, as a dataset's frames do, so that
    the tracker's lost-track buffer covers the same time at 12.5 and 25 fps.
    The sinks are not closed here: open them with ``with`` so a source
    that ends early (a dropped stream) or an error still leaves a finished
    video and a flushed txt file.

    Args:
        model (nn.Module): MOT model from :func:`init_mot_model` (or
            mmdet's ``init_track_model``).
        source (FrameSource): Frames to track.
        video_sink (VideoSink, optional): Receives the annotated frames.
            Defaults to None.
        txt_writer (MOTTxtWriter, optional): Receives the tracks.
            Defaults to None.
        visualizer (Visualizer, optional): Track visualizer drawing the
            frames for ``video_sink`` (e.g. ``MMMTLTrackVisualizer``);
            without one the raw frames are written. Defaults to None.
        score_thr (float): Score threshold of the written tracks.
            Defaults to 0.3.
        show_fps (bool): Whether to print the running frames per second
            of the model on the written frames. Defaults to False.
        progress (bool): Whether to show a progress bar.
            Defaults to True.

    Returns:
        TrackVideoStats: Frame count and timings.

    Raises:
        NonFiniteOutputError: A frame's outputs hold NaN or inf.
    """
    with HeadOutputWatch(model) as watch:
        return _track_video(model, source, watch, video_sink, txt_writer,
                            visualizer, score_thr, show_fps, progress)


def _track_video(model: nn.Module, source: FrameSource,
                 watch: HeadOutputWatch, video_sink: Optional[VideoSink],
                 txt_writer: Optional[MOTTxtWriter],
                 visualizer: Optional[Visualizer], score_thr: float,
                 show_fps: bool, progress: bool) -> TrackVideoStats:
    """The loop of :func:`track_video`, with the head watched."""
    stats = TrackVideoStats()
    bar = ProgressBar(source.num_frames or 0) if progress else None
    video_len = source.num_frames or -1
    running_fps = 0.0
    pipeline = build_test_pipeline(model.cfg)
    start = time.perf_counter()
    for frame_id, frame in enumerate(source):
        tic = time.perf_counter()
        data = prepare_frame(model, frame, frame_id, video_len, pipeline,
                             source.fps)
        sample = track_frame(model, data)[0]
        toc = time.perf_counter() - tic
        stats.model_time += toc
        running_fps = (1 / max(toc, 1e-9) if frame_id == 0 else
                       0.9 * running_fps + 0.1 / max(toc, 1e-9))
        # NaN outputs would silently give no tracks or new identities
        check_frame_outputs(sample,
                            f'frame {frame_id + 1} of {source.name}', watch)
        tracks = sample.pred_track_instances.cpu()
        tracks = tracks[tracks.scores > score_thr]
        sample.pred_track_instances = tracks
        if txt_writer is not None:
            txt_writer.write(frame_id + 1, tracks.instances_id.numpy(),
                             tracks.bboxes.numpy(), tracks.scores.numpy())
        if video_sink is not None:
            drawn = frame
            if visualizer is not None:
                visualizer.add_datasample(
                    'mot',
                    frame[..., ::-1],
                    data_sample=sample,
                    draw_gt=False,
                    pred_score_thr=score_thr,
                    step=frame_id)
                drawn = np.ascontiguousarray(visualizer.get_image()[..., ::-1])
                if drawn.shape[:2] != frame.shape[:2]:
                    # The matplotlib canvas may round the size by a pixel.
                    drawn = cv2.resize(drawn,
                                       (frame.shape[1], frame.shape[0]))
            else:
                drawn = frame.copy()
            if show_fps:
                _draw_fps(drawn, running_fps)
            video_sink.write(drawn)
        stats.num_frames += 1
        if bar is not None:
            bar.update()
    stats.elapsed = time.perf_counter() - start
    if bar is not None:
        bar.file.write('\n')
        bar.file.flush()
    return stats
