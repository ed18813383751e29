"""The trackers as the benchmarks run them: mmdet's (the settings of
mmdet's ByteTrack and OC-SORT configs), JDETracker's presets and, where
installed, boxmot's and Roboflow ``trackers``' (``build_runners``), each
behind one call per sequence. Shared by ``bench_tracker.py``,
``bench_tracker_quality.py`` and ``bench_switch_causes.py``."""
import time
from typing import Callable, Dict, Optional

import numpy as np
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmmtl.models.trackers import BOTSORT_GMC

MMDET_BYTE = dict(
    type='ByteTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thrs=dict(high=0.6, low=0.1),
    init_track_thr=0.7,
    weight_iou_with_det_scores=True,
    match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
    num_frames_retain=30)
MMDET_OCSORT = dict(
    type='OCSORTTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thr=0.3,
    init_track_thr=0.7,
    weight_iou_with_det_scores=True,
    match_iou_thr=0.3,
    num_tentatives=3,
    vel_consist_weight=0.2,
    vel_delta_t=3,
    num_frames_retain=30)


# ----------------------------------------------------------- trackers --
def _sample(f: int, boxes, scores, embeds, frame_rate) -> DetDataSample:
    s = DetDataSample(metainfo=dict(frame_id=f, frame_rate=frame_rate))
    s.pred_instances = InstanceData(
        bboxes=torch.from_numpy(boxes), scores=torch.from_numpy(scores),
        labels=torch.zeros(len(scores), dtype=torch.long),
        embeds=torch.from_numpy(embeds))
    return s


def mmlab_runner(cfg: dict, with_frames: bool = False) -> Callable:
    """Runner of a tracker registered in mmdet (JDETracker or mmdet's)."""

    def run(seq: dict) -> tuple:
        tracker = MODELS.build(cfg)
        rows, times = [], []
        images = seq['images'] if with_frames else [None] * len(
            seq['frames'])
        for f, ((boxes, scores, embeds), img) in enumerate(
                zip(seq['frames'], images)):
            sample = _sample(f, boxes, scores, embeds, seq['frame_rate'])
            kwargs = dict(img=img) if with_frames and img is not None \
                else {}
            t0 = time.perf_counter()
            res = tracker.track(data_sample=sample, **kwargs)
            times.append(time.perf_counter() - t0)
            b = res.bboxes.numpy()
            for k, i in enumerate(res.instances_id.numpy()):
                rows.append((f + 1, i + 1, b[k, 0], b[k, 1], b[k, 2] - b[k, 0],
                             b[k, 3] - b[k, 1], 1.))
        return rows, times

    return run


def boxmot_runner(name: str) -> Optional[Callable]:
    """boxmot's ByteTrack / BotSort / DeepOcSort, None if missing.

    The embeddings go in through boxmot's ``Detections``; BotSort's and
    DeepOcSort's camera-motion compensation is off (they would run it on
    the blank frame otherwise).
    """
    try:
        import boxmot
        from boxmot.structures.detections import Detections
        from boxmot.structures.geometry import Boxes
    except Exception as e:  # noqa: BLE001 - any import failure skips it
        print(f'skipping boxmot {name}: {type(e).__name__}: {e}')
        return None
    cls = getattr(boxmot, name)

    def build(frame_rate):
        rate = int(round(frame_rate))
        if name == 'ByteTrack':
            return cls(frame_rate=rate)
        if name == 'BotSort':
            return cls(use_cmc=False, frame_rate=rate)
        return cls(cmc_off=True)

    def run(seq: dict) -> tuple:
        tracker = build(seq['frame_rate'])
        blank = np.zeros((seq['height'], seq['width'], 3), np.uint8)
        rows, times = [], []
        for f, (boxes, scores, embeds) in enumerate(seq['frames']):
            dets = Detections(
                geometry=Boxes(torch.from_numpy(boxes)),
                scores=torch.from_numpy(scores),
                class_ids=torch.zeros(len(scores), dtype=torch.int64),
                sample_id=str(f),
                embeddings=torch.from_numpy(embeds))
            t0 = time.perf_counter()
            out = tracker.update(dets, blank)
            times.append(time.perf_counter() - t0)
            b = out.geometry.values.numpy()
            for k, i in enumerate(out.track_ids.tolist()):
                rows.append((f + 1, i + 1, b[k, 0], b[k, 1],
                             b[k, 2] - b[k, 0], b[k, 3] - b[k, 1], 1.))
        return rows, times

    return run


def roboflow_runner(name: str) -> Optional[Callable]:
    """Roboflow ``trackers``' ByteTrack / SORT, None if missing."""
    try:
        import supervision as sv
        import trackers
        cls = dict(ByteTrack=trackers.ByteTrackTracker,
                   SORT=trackers.SORTTracker)[name]
    except Exception as e:  # noqa: BLE001
        print(f'skipping Roboflow trackers {name}: {type(e).__name__}: {e}')
        return None

    def run(seq: dict) -> tuple:
        tracker = cls(frame_rate=seq['frame_rate'])
        rows, times = [], []
        for f, (boxes, scores, _) in enumerate(seq['frames']):
            dets = sv.Detections(
                xyxy=boxes.astype(np.float64), confidence=scores,
                class_id=np.zeros(len(scores), int))
            t0 = time.perf_counter()
            out = tracker.update(dets)
            times.append(time.perf_counter() - t0)
            for b, i in zip(out.xyxy, out.tracker_id):
                if i is None or i < 0:
                    continue
                rows.append((f + 1, int(i) + 1, b[0], b[1], b[2] - b[0],
                             b[3] - b[1], 1.))
        return rows, times

    return run


def build_runners(gmc_on_pan: bool = True) -> Dict[str, Callable]:
    gmc = dict(type='CameraMotionEstimator')
    runners = {
        'JDETracker fairmot': mmlab_runner(dict(type='JDETracker')),
        # the quickstart config's thresholds (picked on its validation
        # split)
        'JDETracker fairmot 0.3/0.6': mmlab_runner(
            dict(type='JDETracker', obj_score_thr=0.3, init_track_thr=0.6)),
        'JDETracker robust': mmlab_runner(
            dict(type='JDETracker', preset='robust')),
        'JDETracker adaptive': mmlab_runner(
            dict(type='JDETracker', preset='adaptive')),
        'JDETracker robust + GMC': mmlab_runner(
            dict(type='JDETracker', preset='robust', gmc=gmc),
            with_frames=True),
        # the estimator as it was: BoT-SORT's settings, half size
        'JDETracker robust + GMC (BoT-SORT settings)': mmlab_runner(
            dict(type='JDETracker', preset='robust', gmc=BOTSORT_GMC),
            with_frames=True),
        'mmdet ByteTracker': mmlab_runner(MMDET_BYTE),
        'mmdet OCSORTTracker': mmlab_runner(MMDET_OCSORT),
    }
    for name in ('ByteTrack', 'BotSort', 'DeepOcSort'):
        r = boxmot_runner(name)
        if r is not None:
            runners[f'boxmot {name}'] = r
    for name in ('ByteTrack', 'SORT'):
        r = roboflow_runner(name)
        if r is not None:
            runners[f'trackers {name}'] = r
    return runners
