"""MOT16/17/20-shaped synthetic benchmarks.

:func:`write_benchmark_profile` writes the training split of a synthetic
benchmark in the folder layout and file formats of MOT16, MOT17 or MOT20,
so that the converter, the dataset configs and the evaluation can be run on
data shaped like the real benchmark before it is downloaded:

- the benchmark's training sequences (names, frame rates, aspect ratios
  and moving cameras of :data:`mmmtl.formats.BENCHMARK_SEQUENCES`), scaled
  down by ``scale`` for CPU speed (sizes rounded, aspect kept); a moving
  camera pans across a wider scene;
- for MOT17 the three copies of every video (``-DPM``, ``-FRCNN``,
  ``-SDP``) with the same frames and ground truth and their own
  ``det/det.txt``; MOT16 and MOT20 one copy with one ``det/det.txt``;
  detections are simulated from the ground truth with misses, box noise and
  false positives, each detector of another quality;
- ``gt/gt.txt`` with pedestrians, distractor people (the benchmark's
  distractor classes, e.g. static person 7; MOT20 adds non-MOT vehicle 6)
  and occluders (9-11), all with ``conf = 0`` like the real files, one
  zero-marked pedestrian track, and visibility; identities numbered from 1
  in every sequence, as in the real files;
- MOT20's crowds: several times as many people in view.

Small by default (two sequences of 24 frames), deterministic by seed.
"""
import os
import os.path as osp
import shutil
from typing import Dict, List, Sequence

import cv2
import numpy as np

from mmmtl.formats import (
    BENCHMARK_SEQUENCES,
    DISTRACTOR_CLASSES,
    MOT17_DETECTORS,
    SeqInfo,
    frame_file_name,
    write_mot_det,
    write_mot_gt,
    write_seqinfo,
)

from .synthetic import SyntheticMOTScene

PROFILES = ('mot16', 'mot17', 'mot20')

# miss rate, false positives per frame, box noise (fraction of the height),
# score mean and spread; DPM scores are raw SVM margins (can be negative)
_DETECTORS = dict(
    DPM=(0.35, 0.6, 0.08, 0.3, 0.8),
    FRCNN=(0.2, 0.25, 0.05, 0.9, 0.08),
    SDP=(0.12, 0.1, 0.04, 0.85, 0.1))
_PERSON_DISTRACTORS = (2, 7, 8, 12)  # look like people: drawn as people
_OCCLUDERS = (9, 10, 11)


def _detections(gt: np.ndarray, detector: str, size: Sequence[int],
                rng: np.random.Generator) -> np.ndarray:
    """Simulated public detections ``(N, 7)`` of one detector."""
    miss, fp_rate, noise, mean, spread = _DETECTORS[detector]
    people = gt[np.isin(gt[:, 7], (1, ) + _PERSON_DISTRACTORS)]
    keep = rng.random(len(people)) > miss + 0.5 * (1 - people[:, 8])
    det = people[keep][:, :7].copy()
    h = det[:, 5:6]
    det[:, 2:6] += rng.normal(0, noise, (len(det), 4)) * h
    det[:, 4:6] = np.maximum(det[:, 4:6], 2)
    det[:, 6] = rng.normal(mean, spread, len(det))
    frames = np.unique(gt[:, 0])
    fps = []
    for f in frames:
        for _ in range(rng.poisson(fp_rate)):
            bh = rng.uniform(0.15, 0.5) * size[1]
            fps.append([f, -1, rng.uniform(0, size[0]),
                        rng.uniform(0, size[1] - bh), 0.4 * bh, bh,
                        rng.normal(mean - 2 * spread, spread)])
    det = np.concatenate([det, np.array(fps).reshape(-1, 7)])
    det[:, 1] = -1
    return det[np.argsort(det[:, 0], kind='stable')]


def _decorate(gt: np.ndarray, benchmark: str, size: Sequence[int],
              num_frames: int, rng: np.random.Generator) -> np.ndarray:
    """Classes, zero-marked rows, occluders and per-sequence identities."""
    # identities 1..K in order of first appearance, as in the real files
    uniq, inverse = np.unique(gt[:, 1], return_inverse=True)
    first = np.full(len(uniq), len(gt))
    np.minimum.at(first, inverse, np.arange(len(gt)))
    rank = np.empty(len(uniq), np.int64)
    rank[np.argsort(first)] = np.arange(1, len(uniq) + 1)
    gt[:, 1] = rank[inverse]
    ids = np.arange(1, len(uniq) + 1)
    distractors = list(DISTRACTOR_CLASSES[benchmark])
    person_like = [c for c in distractors if c in _PERSON_DISTRACTORS]
    for i in ids:
        rows = gt[:, 1] == i
        u = rng.random()
        if u < 0.12 and person_like:
            gt[rows, 6], gt[rows, 7] = 0, rng.choice(person_like)
        elif u < 0.15 and 6 in distractors:  # MOT20: non-MOT vehicle
            gt[rows, 6], gt[rows, 7] = 0, 6
    pedestrians = ids[[(gt[gt[:, 1] == i, 7] == 1).all() for i in ids]]
    if len(pedestrians) >= 5:  # one zero-marked pedestrian track
        gt[gt[:, 1] == rng.choice(pedestrians), 6] = 0
    extra = []
    w, h = size
    for k, cls in enumerate(_OCCLUDERS[:1 + int(rng.integers(3))]):
        box = [rng.uniform(1, 0.8 * w), rng.uniform(0.4 * h, 0.8 * h),
               rng.uniform(0.05, 0.2) * w, rng.uniform(0.1, 0.3) * h]
        extra += [[t, len(ids) + 1 + k, *np.round(box), 0, cls, 1]
                  for t in range(1, num_frames + 1)]
    gt = np.concatenate([gt, np.array(extra).reshape(-1, 9)])
    return gt[np.lexsort((gt[:, 1], gt[:, 0]))]


def _render(info, size: Sequence[int], num_frames: int, seed: int,
            index: int, num_targets: int):
    """Frames and ground truth; a moving camera pans over a wider scene."""
    w, h = size
    pan = int(round(0.25 * w)) if info.moving_camera else 0
    scene = SyntheticMOTScene(num_frames, (w + pan, h), seed, index,
                              1 + 100000 * index, num_targets)
    frames, gts = [], []
    for t, (img, rows) in enumerate(scene):
        x0 = int(round(pan * t / max(num_frames - 1, 1)))
        frames.append(np.ascontiguousarray(img[:, x0:x0 + w]))
        rows = rows.copy()
        # 0-based columns of each box inside the scene and the view
        left, right = rows[:, 2] - 1, rows[:, 2] - 1 + rows[:, 4]
        in_scene = np.clip(np.minimum(right, w + pan) - np.maximum(left, 0),
                           0, None)
        in_view = np.clip(np.minimum(right, x0 + w) - np.maximum(left, x0),
                          0, None)
        keep = in_view > 0
        rows[:, 8] = np.round(rows[:, 8] * in_view / np.maximum(in_scene,
                                                                1e-9), 5)
        rows[:, 2] -= x0
        gts.append(rows[keep])
    return frames, np.concatenate(gts)


def write_benchmark_profile(out_dir: str,
                            profile: str = 'mot17',
                            num_seqs: int = 2,
                            num_frames: int = 24,
                            scale: float = 1 / 6,
                            seed: int = 0,
                            jpeg_quality: int = 90) -> List[str]:
    """Write a synthetic training split shaped like MOT16, MOT17 or MOT20.

    Layout: ``out_dir/train/<SEQ>/{img1/000001.jpg, gt/gt.txt,
    det/det.txt, seqinfo.ini}``, ready for
    :func:`~mmmtl.datasets.convert_mot_to_coco` (``--split-train``).

    Args:
        out_dir (str): Dataset root, e.g. ``data/MOT17``.
        profile (str): ``'mot16'``, ``'mot17'`` or ``'mot20'``.
            Defaults to ``'mot17'``.
        num_seqs (int): Sequences, the benchmark's first ones.
            Defaults to 2.
        num_frames (int): Frames per sequence. Defaults to 24.
        scale (float): Image size relative to the benchmark's. Defaults to
            1/6 (1920x1080 becomes 320x180).
        seed (int): Seed. Defaults to 0.
        jpeg_quality (int): JPEG quality. Defaults to 90.

    Returns:
        list[str]: The written sequence folders.
    """
    if profile not in PROFILES:
        raise ValueError(f'profile must be one of {PROFILES}, got '
                         f'{profile!r}')
    benchmark = profile.upper()
    table = BENCHMARK_SEQUENCES[benchmark]
    if not 1 <= num_seqs <= len(table):
        raise ValueError(f'{benchmark} has {len(table)} training sequences, '
                         f'asked for {num_seqs}')
    rng = np.random.default_rng(seed)
    params = [int(cv2.IMWRITE_JPEG_QUALITY), int(jpeg_quality)]
    seq_dirs: List[str] = []
    for k, info in enumerate(table[:num_seqs]):
        size = (max(32, int(round(info.width * scale))),
                max(32, int(round(info.height * scale))))
        num_targets = 30 if benchmark == 'MOT20' else 8
        frames, gt = _render(info, size, num_frames, seed, k, num_targets)
        gt = _decorate(gt, benchmark, size, num_frames, rng)
        detectors: Dict[str, str] = (
            {f'{info.name}-{d}': d for d in MOT17_DETECTORS}
            if benchmark == 'MOT17' else
            {info.name: 'DPM' if benchmark == 'MOT16' else 'FRCNN'})
        first_dir = None
        for name, detector in detectors.items():
            seq_dir = osp.join(out_dir, 'train', name)
            for sub in ('img1', 'gt', 'det'):
                os.makedirs(osp.join(seq_dir, sub), exist_ok=True)
            for t, img in enumerate(frames, 1):
                path = osp.join(seq_dir, 'img1', frame_file_name(t))
                if first_dir is None:
                    if not cv2.imwrite(path, img, params):
                        raise OSError(f'could not write {path}')
                else:  # MOT17's copies hold the same frames
                    shutil.copyfile(
                        osp.join(first_dir, 'img1', frame_file_name(t)),
                        path)
            first_dir = first_dir or seq_dir
            write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), gt)
            write_mot_det(
                osp.join(seq_dir, 'det', 'det.txt'),
                _detections(gt, detector, size, rng), decimals=2)
            write_seqinfo(
                osp.join(seq_dir, 'seqinfo.ini'),
                SeqInfo(name=name, seq_length=num_frames,
                        frame_rate=info.frame_rate, im_width=size[0],
                        im_height=size[1]))
            seq_dirs.append(seq_dir)
    return seq_dirs
