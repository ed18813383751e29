"""Run a MOT model over a whole video, frame by frame."""
import time
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmdet.apis import inference_mot
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.utils import ProgressBar
from mmengine.visualization import Visualizer

from mmmtl.utils.checkpoint import load_checkpoint_checked

from .video_io import FrameSource, MOTTxtWriter, VideoSink


def init_track_model(config: Union[str, Config],
                     checkpoint: Optional[str] = None,
                     device: str = 'cpu',
                     cfg_options: Optional[dict] = None,
                     allow_partial: bool = False,
                     random_weights: bool = False) -> nn.Module:
    """Build a MOT model from its config and load its checkpoint strictly.

    mmdet's :func:`~mmdet.apis.init_track_model` loads with
    ``strict=False``: a checkpoint of another model only logs "missing
    keys" and the model runs with random weights. Here a checkpoint that
    does not fit is an error that names the first mismatched keys, and so
    is building a model without a checkpoint. The checkpoint is loaded
    through mmmtl's safe loaders (local path, URL or zoo name, always with
    ``weights_only=True``).

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint path, URL or zoo name.
            Defaults to None.
        device (str): Device of the model. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides. Defaults to None.
        allow_partial (bool): Load a checkpoint that fits only in part,
            with a warning listing what does not fit (fine-tuning).
            Defaults to False.
        random_weights (bool): Allow a model without checkpoint (smoke
            tests). Defaults to False.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` and
        ``dataset_meta`` set.

    Raises:
        ValueError: No checkpoint and ``random_weights`` is False, or both.
        CheckpointMismatchError: The checkpoint does not fit the model.
    """
    if checkpoint is None and not random_weights:
        raise ValueError(
            'no checkpoint given: the model would run with random weights '
            '(pass random_weights=True, or --random-weights, for a smoke '
            'test)')
    if checkpoint is not None and random_weights:
        raise ValueError('a checkpoint and random_weights exclude each other')
    if isinstance(config, str):
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError('config must be a filename or Config object, '
                        f'but got {type(config)}')
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    model = MODELS.build(config.model)
    model.dataset_meta = {'classes': None}
    if checkpoint is not None:
        ckpt = load_checkpoint_checked(
            model, checkpoint, map_location='cpu', strict=not allow_partial)
        meta = ckpt.get('meta', {}).get('dataset_meta')
        if meta:
            meta = dict(meta)
            if 'CLASSES' in meta:
                meta['classes'] = meta.pop('CLASSES')
            model.dataset_meta = meta
    else:
        warnings.warn('the model has random weights (random_weights=True)')
    model.cfg = config
    model.to(device)
    model.eval()
    return model


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

    Each frame goes through mmdet's :func:`~mmdet.apis.inference_mot`
    (the model's test pipeline and ``test_step``; tracks are reset at
    frame 0), so boxes come back in the input's own pixel coordinates.
    Tracks scoring at most ``score_thr`` or with non-finite boxes are
    neither drawn nor written.
    The sinks are not closed here: open them with ``with`` so a source
    that ends early (a dropped stream) or an error still leaves a finished
    video and a flushed txt file.

    Args:
        model (nn.Module): MOT model from mmdet's ``init_track_model``.
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
    """
    stats = TrackVideoStats()
    bar = ProgressBar(source.num_frames or 0) if progress else None
    video_len = source.num_frames or -1
    running_fps = 0.0
    start = time.perf_counter()
    for frame_id, frame in enumerate(source):
        tic = time.perf_counter()
        sample = inference_mot(model, frame, frame_id, video_len)[0]
        toc = time.perf_counter() - tic
        stats.model_time += toc
        running_fps = (1 / max(toc, 1e-9) if frame_id == 0 else
                       0.9 * running_fps + 0.1 / max(toc, 1e-9))
        tracks = sample.pred_track_instances.cpu()
        # Untrained models can emit non-finite boxes; neither drawable
        # nor valid MOT results.
        keep = (tracks.scores > score_thr) & torch.isfinite(
            tracks.bboxes).all(dim=1)
        tracks = tracks[keep]
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
