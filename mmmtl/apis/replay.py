"""Run only the tracker over a detection cache, and evaluate it.

A detection cache (:mod:`mmmtl.formats.detection_cache`, written by
``tools/test.py --save-detections DIR``) holds what the network gave every
frame; replaying the tracker over it and evaluating with the config's own
metric gives the numbers of ``tools/test.py`` for any tracker setting in
seconds instead of minutes.
"""
import copy
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmdet.registry import METRICS, MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmmtl.formats import (
    SequenceDetections,
    check_detection_cache,
    load_detection_cache,
)


@dataclass
class ReplayResult:
    """What :func:`replay_tracker` measured.

    Attributes:
        metrics (dict): The metric's output, keys as ``tools/test.py``
            prints them (e.g. ``'motchallenge-metric/HOTA'``).
        per_sequence (dict): Per metric back-end, the table with one row
            per sequence and ``OVERALL`` (when the metric provides it).
        num_frames (int): Frames replayed.
        tracker_seconds (float): Time spent in the tracker.
        total_seconds (float): Replay and evaluation.
    """
    metrics: Dict[str, float]
    per_sequence: Dict = field(default_factory=dict)
    num_frames: int = 0
    tracker_seconds: float = 0.
    total_seconds: float = 0.


def _embed_dim(cfg: Config) -> Optional[int]:
    head = cfg.get('model', {}).get('detector', {}).get('bbox_head', {})
    dim = head.get('embed_channels') if isinstance(head, dict) else None
    return int(dim) if dim is not None else None


def _classes(cfg: Config) -> Optional[List[str]]:
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    classes = dataset.get('metainfo', {}).get('classes')
    return list(classes) if classes else None


def load_checked_cache(cfg: Config,
                       cache_dir: str,
                       gt_root: Optional[str] = None,
                       seqs: Optional[Sequence[str]] = None
                       ) -> List[SequenceDetections]:
    """Read a detection cache and refuse it unless it fits the config and
    the ground truth.

    Args:
        cfg (Config): The model config (its Re-ID width and classes).
        cache_dir (str): Folder of ``<SEQ>.npz`` files.
        gt_root (str, optional): Ground truth (``<SEQ>/seqinfo.ini``);
            when given, its sequences and frame counts must match.
        seqs (Sequence[str], optional): Only these sequences.

    Returns:
        list[SequenceDetections]: The sequences, sorted by name.
    """
    sequences = load_detection_cache(cache_dir, seqs)
    check_detection_cache(
        sequences,
        cache_dir,
        embed_dim=_embed_dim(cfg),
        classes=_classes(cfg),
        gt_root=gt_root if seqs is None else None)
    return sequences


def _metric_cfg(cfg: Config, gt_root: Optional[str],
                outfile_prefix: Optional[str]) -> dict:
    evaluator = cfg.get('test_evaluator')
    if isinstance(evaluator, (list, tuple)):
        if len(evaluator) != 1:
            raise ValueError('replay evaluates with one metric; the config '
                             f'has {len(evaluator)} test evaluators')
        evaluator = evaluator[0]
    if not isinstance(evaluator, dict) or 'type' not in evaluator:
        raise ValueError('the config has no test_evaluator to replay with')
    metric = copy.deepcopy(
        evaluator.to_dict() if isinstance(evaluator, ConfigDict) else
        evaluator)
    if gt_root is not None:
        metric['gt_root'] = gt_root
    if metric.get('gt_root') is None:
        raise ValueError(
            'replay needs the ground truth as MOTChallenge files: set '
            'test_evaluator.gt_root in the config or pass gt_root')
    if outfile_prefix is not None:
        metric['outfile_prefix'] = outfile_prefix
    return metric


def replay_gt_root(cfg: Config, sequences: Sequence[SequenceDetections],
                   gt_root: Optional[str] = None) -> Optional[str]:
    """The ground truth to evaluate against: ``gt_root``, else the one the
    cache was written against (if it still exists), else the config's
    ``test_evaluator.gt_root``."""
    if gt_root is not None:
        return gt_root
    cached = {s.meta.get('gt_root') for s in sequences} - {None}
    if len(cached) == 1 and osp.isdir(next(iter(cached))):
        return cached.pop()
    evaluator = cfg.get('test_evaluator')
    if isinstance(evaluator, dict) and evaluator.get('gt_root'):
        return evaluator['gt_root']
    return None


def _frame_image(path: str, use: bool) -> Optional[np.ndarray]:
    if not use:
        return None
    import cv2
    img = cv2.imread(path)
    if img is None:
        raise FileNotFoundError(
            f'{path}: frame referenced by the detection cache cannot be '
            'read (camera-motion compensation needs the frames)')
    return img


def replay_tracker(cfg: Config,
                   cache_dir: str,
                   gt_root: Optional[str] = None,
                   outfile_prefix: Optional[str] = None,
                   sequences: Optional[Sequence[SequenceDetections]] = None
                   ) -> ReplayResult:
    """Track the cached detections with ``cfg.model.tracker`` and evaluate
    with ``cfg.test_evaluator``.

    The tracker gets exactly what the network handed it in the test run
    (boxes, scores, labels and embeddings with the frame's ``frame_id``,
    ``frame_rate`` and ``scale_factor``), and the metric gets the frames
    the test loop gives it, so a cache written with float32 embeddings
    replays to ``tools/test.py``'s numbers exactly. A tracker with camera
    motion compensation reads the cached frame paths and estimates the
    motion on the original frames (the live run estimates it on the
    resized network input), so its numbers can differ slightly.

    Args:
        cfg (Config): The config; ``model.tracker`` and
            ``test_evaluator`` are used.
        cache_dir (str): The detection cache folder.
        gt_root (str, optional): Ground truth. Defaults to None (the one
            the cache was written against, else the config's
            ``test_evaluator.gt_root``).
        outfile_prefix (str, optional): Keep the result files there (the
            metric's ``outfile_prefix``). Defaults to None.
        sequences (Sequence[SequenceDetections], optional): Already
            loaded and checked sequences of ``cache_dir`` (tuning replays
            one cache many times). Defaults to None (read them).

    Returns:
        ReplayResult: Metrics and timings.
    """
    t0 = time.perf_counter()
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if sequences is None:
        probe = load_detection_cache(cache_dir)
        gt_root = replay_gt_root(cfg, probe, gt_root)
        sequences = load_checked_cache(cfg, cache_dir, gt_root)
    else:
        gt_root = replay_gt_root(cfg, sequences, gt_root)
    metric = METRICS.build(_metric_cfg(cfg, gt_root, outfile_prefix))
    metric.dataset_meta = dict(classes=tuple(
        _classes(cfg) or sequences[0].meta.get('classes') or ()))
    tracker_cfg = copy.deepcopy(cfg.model.tracker)
    tracker = MODELS.build(tracker_cfg)
    use_frames = bool(getattr(tracker, 'with_gmc', False))
    tracker_s, num_frames = 0., 0
    for seq in sequences:
        meta = seq.meta
        paths = meta.get('img_paths') or [''] * seq.num_frames
        scale = meta.get('scale_factor')
        for t in range(seq.num_frames):
            bboxes, scores, labels, embeds = seq.frame(t)
            frame_meta = dict(
                frame_id=t,
                img_path=paths[t],
                ori_video_length=seq.num_frames)
            if meta.get('frame_rate') is not None:
                frame_meta['frame_rate'] = meta['frame_rate']
            if scale is not None:
                frame_meta['scale_factor'] = tuple(scale)
            sample = DetDataSample(metainfo=frame_meta)
            sample.pred_instances = InstanceData(
                bboxes=torch.from_numpy(bboxes),
                scores=torch.from_numpy(scores),
                labels=torch.from_numpy(labels),
                embeds=torch.from_numpy(embeds.astype(np.float32)))
            img = _frame_image(paths[t], use_frames)
            ts = time.perf_counter()
            tracks = tracker.track(data_sample=sample, img=img)
            tracker_s += time.perf_counter() - ts
            out = DetDataSample(metainfo=frame_meta)
            out.pred_track_instances = tracks
            metric.process_image([out], seq.num_frames)
            num_frames += 1
    metrics = metric.evaluate(len(sequences))
    return ReplayResult(
        metrics={k: float(v)
                 for k, v in metrics.items()},
        per_sequence=dict(getattr(metric, 'last_tables', {}) or {}),
        num_frames=num_frames,
        tracker_seconds=tracker_s,
        total_seconds=time.perf_counter() - t0)

