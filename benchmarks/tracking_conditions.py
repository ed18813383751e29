"""The inputs of the tracker benchmarks: real and synthetic trajectories
turned into detections with scores and Re-ID embeddings under the
conditions of ``bench_tracker_quality.py`` (see its docstring), learned
inputs from detection caches, the TrackEval scoring of a run and the
paired comparison of two trackers on the same inputs.
Shared by ``bench_tracker_quality.py`` and ``bench_camera_motion.py``."""
import hashlib
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from mmmtl.evaluation import evaluate_sequences
from mmmtl.formats import MOTSequence
from mmmtl.utils import paired_interval

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONDITIONS = ('clean', 'occlusion', 'appearance', 'hard', 'pan',
              'dancetrack')
EMB_DIM = 32
METRICS = ('HOTA', 'IDF1', 'MOTA', 'IDS')


# --------------------------------------------------------------- data --
class Sequence:
    """Ground truth of one sequence: rows ``(frame, id, x, y, w, h)``,
    1-based frames, top-left corners."""

    def __init__(self, name: str, gt: np.ndarray, frame_rate: float,
                 size: tuple):
        self.name, self.gt, self.frame_rate = name, gt, frame_rate
        self.width, self.height = size
        self.num_frames = int(gt[:, 0].max())


def tud_sequences() -> List[Sequence]:
    """TUD-Campus and TUD-Stadtmitte (640x480, 25 fps) from motmetrics."""
    import motmetrics
    data = osp.join(osp.dirname(motmetrics.__file__), 'data')
    seqs = []
    for name in ('TUD-Campus', 'TUD-Stadtmitte'):
        gt = np.loadtxt(osp.join(data, name, 'gt.txt'), delimiter=',')
        seqs.append(Sequence(name, gt[:, :6], 25., (640, 480)))
    return seqs


def synthetic_sequences(num_frames: int) -> List[Sequence]:
    """Two sequences of mmmtl's generator (320x192, seed 3000),
    scaled 2x so box sizes resemble TUD's."""
    from mmmtl.datasets import SyntheticMOTScene
    seqs = []
    for k in range(2):
        scene = SyntheticMOTScene(num_frames, (320, 192), seed=3000,
                                  seq_index=k, num_targets=10)
        gt = np.concatenate([rows for _, rows in scene])
        gt = gt[gt[:, 8] > 0]
        rows = gt[:, :6].copy()
        rows[:, 2:6] *= 2
        seqs.append(Sequence(f'SYN-{k + 1:02d}', rows, 30., (640, 384)))
    return seqs


def dancetrack_sequences(num_frames: int) -> List[Sequence]:
    """Two sequences of the ``dancetrack`` profile (320x180, 20 fps,
    seed 3000), scaled 2x like the synthetic ones."""
    from mmmtl.datasets import profile_ground_truth
    seqs = []
    for s in profile_ground_truth('dancetrack',
                                  ['dancetrack0001', 'dancetrack0002'],
                                  seed=3000, frames=num_frames,
                                  camera_noise=False):
        gt = s.gt[s.gt[:, 8] > 0]
        rows = gt[:, :6].copy()
        rows[:, 2:6] *= 2
        seqs.append(Sequence(s.name, rows, s.frame_rate,
                             (2 * s.size[0], 2 * s.size[1])))
    return seqs


class _LazyFrames:
    """The frames a detection cache references, read when iterated (only
    trackers with camera-motion compensation look at them)."""

    def __init__(self, paths: List[str]):
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self):
        for p in self.paths:
            yield cv2.imread(p)


def learned_sequences(cache_dir: str) -> List[dict]:
    """The held-out sequences of a detection cache (``tools/test.py ...
    --save-detections``): what a trained network gave each frame, with the
    ground truth the cache was written against."""
    from mmmtl.formats import load_detection_cache, read_mot_gt
    seqs = []
    for det in load_detection_cache(cache_dir):
        gt_root = det.meta.get('gt_root')
        if not gt_root:
            raise ValueError(f'{cache_dir}: the cache of {det.name} names no '
                             'gt_root')
        frames = []
        for t in range(det.num_frames):
            boxes, scores, _, embeds = det.frame(t)
            embeds = embeds.astype(np.float32)
            embeds /= np.linalg.norm(embeds, axis=1, keepdims=True) + 1e-12
            frames.append((boxes.astype(np.float32), scores.astype(
                np.float32), embeds))
        width, height = det.meta['frame_size']
        seqs.append(dict(
            frames=frames,
            gt=read_mot_gt(osp.join(gt_root, det.name, 'gt', 'gt.txt'),
                           det.num_frames),
            images=_LazyFrames(det.meta['img_paths']),
            width=width, height=height,
            frame_rate=det.meta.get('frame_rate') or 30.))
    return seqs


def test_set_id(seqs: List[dict]) -> str:
    """A digest of the sequences' ground truth: models whose caches share
    it were tested on the same sequences, wherever their data lies."""
    digest = hashlib.sha1()
    for seq in seqs:
        digest.update(np.ascontiguousarray(seq['gt'], np.float64).tobytes())
    return digest.hexdigest()[:12]


def _iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (M, 4) and (N, 4) x1y1x2y2 boxes."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(2)
    area_a = (a[:, 2:] - a[:, :2]).prod(1)
    area_b = (b[:, 2:] - b[:, :2]).prod(1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-9)


def _visibility(boxes: np.ndarray, width: int, height: int) -> tuple:
    """Visible fraction of each box (M, 4) and, per box, the IoU with and
    index of the nearest box in front (feet lower = nearer)."""
    m = boxes.shape[0]
    vis = np.ones(m)
    front_iou, front = np.zeros(m), np.full(m, -1)
    if m == 0:
        return vis, front_iou, front
    ious = _iou_matrix(boxes, boxes)
    order = np.argsort(-boxes[:, 3])  # nearest first
    scale = 4.
    w_c, h_c = int(width / scale) + 2, int(height / scale) + 2
    covered = np.zeros((h_c, w_c), bool)
    for rank, i in enumerate(order):
        x0, y0, x1, y1 = (np.clip(boxes[i] / scale, 0, [w_c, h_c, w_c, h_c])
                          .round().astype(int))
        area = max((x1 - x0) * (y1 - y0), 1)
        free = area - covered[y0:y1, x0:x1].sum()
        inside = (x1 - x0) * (y1 - y0) / max(
            (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1]) /
            scale**2, 1e-9)
        vis[i] = min(1., inside) * free / area
        covered[y0:y1, x0:x1] = True
        nearer = order[:rank]
        if nearer.size:
            j = nearer[np.argmax(ious[i, nearer])]
            front_iou[i], front[i] = ious[i, j], j
    return vis, front_iou, front


def _texture(width: int, height: int, rng) -> np.ndarray:
    noise = rng.uniform(0, 255, (height // 2, width // 2)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 1.5)
    noise = cv2.resize(noise, (width, height))
    noise = cv2.normalize(noise, None, 0, 255, cv2.NORM_MINMAX)
    return np.repeat(noise.astype(np.uint8)[..., None], 3, 2)


def _camera_path(num_frames: int, rng) -> np.ndarray:
    """Horizontal camera offset per frame: speed up to 12 px/frame,
    changing direction every 30-60 frames."""
    speed, offs, x, target = 0., [], 0., rng.uniform(6, 12)
    until = rng.integers(30, 60)
    for f in range(num_frames):
        if f == until:
            target = -np.sign(target) * rng.uniform(6, 12)
            until = f + rng.integers(30, 60)
        speed += np.clip(target - speed, -1.5, 1.5)
        x += speed
        offs.append(x)
    offs = np.asarray(offs)
    return offs - offs.min()


def make_detections(seq: Sequence, condition: str, seed: int) -> dict:
    """Detections of ``seq`` under ``condition``.

    Returns:
        dict: ``frames``: per frame ``(boxes (N, 4) x1y1x2y2, scores (N,),
        embeds (N, D))``; ``gt``: the (possibly camera-shifted) ground
        truth rows (G, 9); ``images``: per frame image or None; ``width``
        and ``height``.
    """
    # dancetrack: appearance's detections on look-alike dancers
    level = (CONDITIONS.index('appearance') if condition == 'dancetrack'
             else CONDITIONS.index(condition))
    rng = np.random.default_rng([seed, sum(map(ord, seq.name))])
    ids = np.unique(seq.gt[:, 1]).astype(int)
    vectors = rng.normal(size=(ids.size, EMB_DIM))
    if condition == 'dancetrack':  # one costume: a shared direction
        common = rng.normal(size=EMB_DIM)
        vectors = 3 * common / np.linalg.norm(common) + vectors / np.sqrt(
            EMB_DIM)
    protos = {i: v / np.linalg.norm(v) for i, v in zip(ids, vectors)}
    emb_noise = 0.08 if level < 2 else 0.22
    # occlusion gaps per identity: frames without detection, and frames
    # around them with a dropping score
    gaps, near_gap = set(), {}
    if level >= 1:
        for i in ids:
            frames = seq.gt[seq.gt[:, 1] == i, 0].astype(int)
            n_gaps = rng.poisson(len(frames) / 80)
            for _ in range(n_gaps):
                start = rng.choice(frames)
                length = int(rng.integers(5, 41))
                for f in range(start, start + length):
                    gaps.add((i, f))
                for d in (1, 2, 3):
                    near_gap[(i, start - d)] = d
                    near_gap[(i, start + length - 1 + d)] = d
    cam = np.zeros(seq.num_frames + 1)
    world = None
    width, height = seq.width, seq.height
    if condition == 'pan':
        cam = np.r_[0., _camera_path(seq.num_frames, rng)]
        world = _texture(width + int(cam.max()) + 2, height, rng)
    frames, gt_rows, images = [], [], []
    for f in range(1, seq.num_frames + 1):
        rows = seq.gt[seq.gt[:, 0] == f]
        xyxy = np.c_[rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]]
        xyxy[:, [0, 2]] -= cam[f]
        vis, front_iou, front = _visibility(xyxy, width, height)
        g = np.c_[np.full(len(rows), f), rows[:, 1], xyxy[:, :2],
                  rows[:, 4:6], np.ones(len(rows)), np.ones(len(rows)), vis]
        # people the camera has left behind are not in its ground truth
        gt_rows.append(g[vis > 0])
        keep = vis >= 0.25
        if level >= 1:
            keep &= np.array([(int(i), f) not in gaps for i in rows[:, 1]],
                             bool)
        if level >= 3:
            keep &= rng.random(len(rows)) >= 0.05
        idx = np.flatnonzero(keep)
        h = rows[idx, 5]
        boxes = xyxy[idx] + rng.normal(0, 0.02, (idx.size, 4)) * h[:, None]
        scores = rng.uniform(0.75, 1., idx.size)
        if level >= 1:
            scores *= np.clip(0.2 + 0.8 * (vis[idx] - 0.25) / 0.75, 0, 1)
            for k, i in enumerate(rows[idx, 1].astype(int)):
                d = near_gap.get((i, f))
                if d is not None:
                    scores[k] = min(scores[k], rng.uniform(0.15, 0.35) +
                                    0.1 * (d - 1))
        embeds = np.stack([protos[int(i)] for i in rows[idx, 1]]) \
            if idx.size else np.zeros((0, EMB_DIM))
        embeds = embeds + rng.normal(0, emb_noise, embeds.shape)
        if level >= 2 and idx.size:
            pos = {j: k for k, j in enumerate(idx)}
            for k, j in enumerate(idx):
                if front[j] >= 0 and front_iou[j] > 0.1:
                    w = min(1., 2 * front_iou[j])
                    e_front = protos[int(rows[front[j], 1])]
                    if front[j] in pos:  # the front person's own detection
                        e_front = embeds[pos[front[j]]]
                    embeds[k] = (1 - w) * embeds[k] + w * e_front
        if level >= 3:
            n_fp = rng.poisson(3)
            fh = rng.uniform(0.1, 0.35, n_fp) * height
            fx = rng.uniform(0, width, n_fp)
            fy = rng.uniform(0.2, 1., n_fp) * height
            fp = np.c_[fx - 0.2 * fh, fy - fh, fx + 0.2 * fh, fy]
            boxes = np.r_[boxes, fp]
            scores = np.r_[scores, rng.uniform(0.1, 0.6, n_fp)]
            embeds = np.r_[embeds, rng.normal(size=(n_fp, EMB_DIM))]
        embeds /= np.linalg.norm(embeds, axis=1, keepdims=True) + 1e-12
        frames.append((boxes.astype(np.float32),
                       np.clip(scores, 0, 1).astype(np.float32),
                       embeds.astype(np.float32)))
        if world is not None:
            x0 = int(round(cam[f]))
            images.append(world[:, x0:x0 + width])
        else:
            images.append(None)
    return dict(frames=frames, gt=np.concatenate(gt_rows), images=images,
                width=width, height=height, frame_rate=seq.frame_rate)


def evaluate(seqs: List[dict], results: List[list]) -> dict:
    sequences = []
    for k, (seq, rows) in enumerate(zip(seqs, results)):
        res = np.asarray(rows, np.float64).reshape(-1, 7)
        sequences.append(
            MOTSequence(f'SEQ{k}', len(seq['frames']), seq['gt'], res))
    table = evaluate_sequences(sequences)['trackeval']
    overall = table.loc['OVERALL']
    return {m: float(overall[m]) for m in METRICS}


# ------------------------------------------------------------- paired --
def paired_against(rows: Dict[str, dict], base: str,
                   metrics: Tuple[str, ...] = METRICS,
                   groups: Optional[Dict[str, str]] = None
                   ) -> Dict[str, dict]:
    """Each tracker against ``base`` on the same inputs.

    Args:
        rows (dict[str, dict]): one condition's results, tracker name ->
            row with ``runs``: run label (a seed, a detection cache) ->
            metric -> value.
        base (str): the tracker the others are compared with.
        metrics (tuple[str, ...]): the metrics to compare.
        groups (dict[str, str], optional): run label -> group. Runs of one
            group are not independent (e.g. models tested on the same
            sequences): their differences are averaged per group first, and
            the interval is over groups. Defaults to one group per run.

    Returns:
        dict[str, dict]: tracker -> metric -> ``mean`` of ``base - tracker``
        over the runs (or groups) both have, its 95 % Student-t interval
        ``ci95``, ``n`` and ``base_ahead`` (the runs or groups where
        ``base`` is ahead: higher, or for ``IDS`` lower). Empty when
        ``base`` has no runs.
    """
    base_runs = rows.get(base, {}).get('runs') or {}
    out = {}
    for name, row in rows.items():
        runs = row.get('runs') or {}
        labels = [k for k in base_runs if k in runs]
        if name == base or not labels:
            continue
        out[name] = {}
        for m in metrics:
            by_group: Dict[str, list] = {}
            for k in labels:
                g = groups[k] if groups else k
                by_group.setdefault(g, []).append(base_runs[k][m] -
                                                  runs[k][m])
            diffs = [sum(v) / len(v) for v in by_group.values()]
            mean, lo, hi = paired_interval(diffs)
            ahead = sum((d < 0) if m == 'IDS' else (d > 0) for d in diffs)
            out[name][m] = dict(mean=round(mean, 2),
                                ci95=[round(lo, 2), round(hi, 2)],
                                n=len(diffs), base_ahead=ahead)
    return out
