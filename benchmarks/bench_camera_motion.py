"""Camera-motion estimation: time and error on known camera motion.

Synthetic frames at 1920x1080 and 640x480: a multi-scale textured scene
seen by a camera whose motion is known exactly (the frame is the scene
warped by the camera's affine pose), with people-like foreground: a dozen
textured upright boxes, about a fifth of the frame, walking through the
scene at their own speed (moving people are not the camera). Motions:

- ``pan_slow``: 3 px/frame right, 0.5 down (at 1920 wide; scaled with
  the width);
- ``pan_fast``: 20 px/frame right, 3 down;
- ``zoom``: zooming in 1 % per frame while panning 2 px/frame;
- ``shake``: a hand-held camera: every frame a fresh offset (5 px
  standard deviation per axis) and roll (0.3 degrees) around a fixed
  pose.

Every estimator gets identical frames, the BGR uint8 image a tracker is
given (and, where it takes them, the people's boxes, with 2 % jitter), in
one interleaved run: the order of the estimators rotates every frame, so
a change of machine load reaches all of them alike. Estimators:

- ``mmmtl new``: :class:`CameraMotionEstimator` with its defaults
  (``apply(frame, boxes)``);
- ``mmmtl new, no boxes``: the same without the boxes (no masking);
- ``mmmtl old``: the path before the estimator was made cheap: the
  tracker's full-size grey conversion (``to_grey_uint8``) and
  ``estimate(prev, curr)`` with BoT-SORT's settings (``BOTSORT_GMC``);
- ``boxmot SOF``: boxmot's sparse optical flow (0.15 scale), given the
  detections;
- ``mmdet ECC``: mmdet's ``CameraMotionCompensation``
  (``cv2.findTransformECC``, Euclidean, full size), as mmdet's trackers
  call it, on the first ``--ecc-frames`` frames of each case only (it
  takes seconds per 1080p frame).

A peer that is not installed is skipped with a message. Time is one
thread (``cv2.setNumThreads(1)``, one torch thread) per frame, median
over the frames, as the thread's CPU time (``time.thread_time``: on a
shared machine the wall clock of a 2 ms call is either about 2 ms or that
plus a whole scheduler slice given to another process) and as wall
clock; the error of a warp ``E`` against the true ``M`` (both prev ->
current, full-size pixels) is the translation error ``|E(c) - M(c)|`` at
the frame centre ``c``, the zoom error ``|s_E - s_M|`` with ``s =
sqrt(det A)``, and the corner error, the mean of ``|E(p) - M(p)|`` over
the four frame corners.

With ``--tracker-pan``, instead: JDETracker ``'robust'`` on the ``pan``
condition of ``benchmarks/bench_tracker_quality.py`` (same detections,
same frames), per seed, without compensation, with the estimator's
defaults, with BoT-SORT's settings, and with the true camera motion (the
crop offset of each frame in the scene: the most any estimator can give).

Run::

    .venv/bin/python benchmarks/bench_camera_motion.py [--frames 61]
    .venv/bin/python benchmarks/bench_camera_motion.py --tracker-pan \
        [--seeds 3]

Results go to ``benchmarks/results/camera_motion_cpu.json`` and a
Markdown table to stdout.
"""
# ruff: noqa: E402  (the imports follow the thread settings on purpose)
import os

for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse
import json
import os.path as osp
import platform
import statistics
import time
import warnings
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np
import torch
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the components)
from mmmtl.models.trackers import BOTSORT_GMC, to_grey_uint8

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESOLUTIONS = {'1080p': (1920, 1080), '480p': (640, 480)}
MOTIONS = ('pan_slow', 'pan_fast', 'zoom', 'shake')
PANS = ('pan_slow', 'pan_fast')

# --------------------------------------------------------------- scene --


def camera_poses(motion: str, num_frames: int, width: int, height: int,
                 rng) -> List[np.ndarray]:
    """(3, 3) poses mapping frame pixels to scene pixels, one per frame.

    A pose is ``x_scene = z R(theta) (x - c) + c + o``, with ``c`` the
    frame centre; ``o`` and the speeds are given at 1920 wide and scaled
    with ``width``.
    """
    f = width / 1920.
    c = np.array([(width - 1) / 2., (height - 1) / 2.])
    poses = []
    for k in range(num_frames):
        z, theta, o = 1., 0., np.zeros(2)
        if motion == 'pan_slow':
            o = k * np.array([3., 0.5]) * f
        elif motion == 'pan_fast':
            o = k * np.array([20., 3.]) * f
        elif motion == 'zoom':
            z, o = 0.99**k, k * np.array([2., 0.]) * f
        elif motion == 'shake':
            if k:
                o = rng.normal(0, 5., 2) * f
                theta = np.deg2rad(rng.normal(0, 0.3))
        else:
            raise ValueError(f'unknown motion {motion!r}')
        a = z * np.array([[np.cos(theta), -np.sin(theta)],
                          [np.sin(theta), np.cos(theta)]])
        pose = np.eye(3)
        pose[:2, :2] = a
        pose[:2, 2] = c + o - a @ c
        poses.append(pose)
    return poses


def texture(width: int, height: int, rng) -> np.ndarray:
    """(H, W, 3) uint8 scene: noise at several scales (walls, ground,
    foliage), each channel its own mix."""
    out = np.zeros((height, width, 3), np.float32)
    for cell in (3, 8, 24, 64):
        for ch in range(3):
            small = rng.uniform(0, 1, (height // cell + 2, width // cell + 2))
            big = cv2.resize(small.astype(np.float32),
                             (width + 2 * cell, height + 2 * cell),
                             interpolation=cv2.INTER_CUBIC)
            out[..., ch] += big[cell:cell + height, cell:cell + width] * (
                cell**0.5)
    out = cv2.GaussianBlur(out, (0, 0), 1.0)
    out = cv2.normalize(out, None, 0, 255, cv2.NORM_MINMAX)
    return out.astype(np.uint8)


def person_patch(h: int, rng) -> np.ndarray:
    """(h, 0.4 h, 3) uint8 textured upright box: head, shirt, trousers in
    random colours with strong stripes and noise (corners a naive
    estimator finds first)."""
    w = max(int(0.4 * h), 4)
    patch = np.empty((h, w, 3), np.float32)
    cuts = [0, int(0.15 * h), int(0.55 * h), h]
    for a, b in zip(cuts[:-1], cuts[1:]):
        patch[a:b] = rng.uniform(0, 255, 3)
    stripes = (np.arange(h) // max(h // 12, 1)) % 2
    patch *= (0.6 + 0.4 * stripes)[:, None, None]
    patch += rng.normal(0, 25, patch.shape)
    return np.clip(patch, 0, 255).astype(np.uint8)


class Scene:
    """Frames of one case: a textured scene, a known camera, walking
    people.

    Args:
        motion (str): One of :data:`MOTIONS`.
        width (int): Frame width W.
        height (int): Frame height H.
        num_frames (int): Frames, the first one without motion before it.
        seed (int): Seed of the scene, the shake and the people.
    """

    def __init__(self, motion: str, width: int, height: int,
                 num_frames: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.width, self.height = width, height
        poses = camera_poses(motion, num_frames, width, height, rng)
        corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1],
                            [width, height, 1]], np.float64).T
        pts = np.concatenate([(p @ corners)[:2] for p in poses], 1)
        lo = np.floor(pts.min(1)) - 8
        hi = np.ceil(pts.max(1)) + 8
        shift = np.eye(3)
        shift[:2, 2] = -lo  # scene pixel = pose(x) - lo
        self.poses = [shift @ p for p in poses]
        size = (hi - lo).astype(int)
        self.world = texture(int(size[0]), int(size[1]), rng)
        f = width / 1920.
        n = 14 if width >= 1280 else 10
        self.people = []
        for _ in range(n):
            h = int(rng.uniform(0.18, 0.42) * height)
            speed = rng.uniform(2, 8) * f * rng.choice([-1, 1])
            self.people.append(
                dict(
                    patch=person_patch(h, rng),
                    # feet, in scene pixels, on the first frame
                    foot=self.poses[0] @ np.array(
                        [rng.uniform(0, width),
                         rng.uniform(0.35, 1.) * height, 1.]),
                    vel=np.array([speed, rng.normal(0, 0.5 * f)])))
        self.rng = rng

    def __len__(self) -> int:
        return len(self.poses)

    def frame(self, k: int) -> Tuple[np.ndarray, np.ndarray]:
        """Frame ``k``: the (H, W, 3) uint8 BGR image and the people's
        (N, 4) x1y1x2y2 boxes in it (2 % jitter)."""
        img = cv2.warpAffine(
            self.world, self.poses[k][:2], (self.width, self.height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT)
        inv = np.linalg.inv(self.poses[k])
        boxes = []
        for p in self.people:
            foot = p['foot'].copy()
            foot[:2] += k * p['vel']
            fx, fy = (inv @ foot)[:2]
            ph, pw = p['patch'].shape[:2]
            x0, y0 = int(round(fx - pw / 2)), int(round(fy - ph))
            a, b = max(x0, 0), min(x0 + pw, self.width)
            c, d = max(y0, 0), min(y0 + ph, self.height)
            if a >= b or c >= d:
                continue
            img[c:d, a:b] = p['patch'][c - y0:d - y0, a - x0:b - x0]
            jitter = self.rng.normal(0, 0.02 * ph, 4)
            boxes.append(np.array([a, c, b, d], np.float64) + jitter)
        return img, np.asarray(boxes, np.float64).reshape(-1, 4)

    def true_warp(self, k: int) -> np.ndarray:
        """(3, 3) motion from frame ``k - 1``'s pixels to frame ``k``'s."""
        return np.linalg.inv(self.poses[k]) @ self.poses[k - 1]


# ---------------------------------------------------------- estimators --


def mmmtl_new(with_boxes: bool = True) -> Callable:
    est = TASK_UTILS.build(dict(type='CameraMotionEstimator'))

    def run(img: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        return est.apply(img, boxes if with_boxes else None)

    return run


def mmmtl_old() -> Callable:
    """The tracker's camera-motion path before the working size: grey at
    full size (``to_grey_uint8``) and BoT-SORT's settings."""
    est = TASK_UTILS.build(BOTSORT_GMC)
    state = dict(prev=None)

    def run(img: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        grey = to_grey_uint8(img)
        prev, state['prev'] = state['prev'], grey
        return np.eye(2, 3) if prev is None else est.estimate(prev, grey)

    return run


def boxmot_sof() -> Optional[Callable]:
    try:
        from boxmot.motion.cmc.sof import SOF
    except ImportError as e:
        print(f'boxmot SOF skipped: boxmot is not installed ({e}); '
              'pip install --no-deps -r requirements/benchmark.txt')
        return None
    sof = SOF()

    def run(img: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        # boxmot's detections: x1, y1, x2, y2, score, class
        dets = np.c_[boxes, np.ones((len(boxes), 2))]
        return np.asarray(sof.apply(img, dets), np.float64)

    return run


def mmdet_ecc() -> Optional[Callable]:
    try:
        cmc = TASK_UTILS.build(dict(type='CameraMotionCompensation'))
    except KeyError as e:
        print(f'mmdet ECC skipped: {e}')
        return None
    state = dict(prev=None)

    def run(img: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        prev, state['prev'] = state['prev'], img
        if prev is None:
            return np.eye(2, 3)
        try:
            # template = previous frame: the warp maps previous pixels to
            # current ones (mmdet's StrongSORT calls it so)
            return cmc.get_warp_matrix(prev, img).numpy().astype(np.float64)
        except cv2.error:  # no convergence
            return np.eye(2, 3)

    return run


def build_estimators(skip: Tuple[str, ...] = ()) -> Dict[str, Callable]:
    makers = {
        'mmmtl new': lambda: mmmtl_new(True),
        'mmmtl new, no boxes': lambda: mmmtl_new(False),
        'mmmtl old': mmmtl_old,
        'boxmot SOF': boxmot_sof,
        'mmdet ECC': mmdet_ecc,
    }
    out = {}
    for name, make in makers.items():
        if name in skip:
            continue
        run = make()
        if run is not None:
            out[name] = run
    return out


# ------------------------------------------------------------- measure --


def warp_errors(est: np.ndarray, true: np.ndarray, width: int,
                height: int) -> Dict[str, float]:
    """Errors of a (2, 3) estimate against the (3, 3) truth."""
    e = np.vstack([np.asarray(est, np.float64).reshape(2, 3), [0, 0, 1]])
    c = np.array([(width - 1) / 2., (height - 1) / 2., 1.])
    corners = np.array([[0, 0, 1], [width - 1, 0, 1], [0, height - 1, 1],
                        [width - 1, height - 1, 1]], np.float64).T
    zoom = (np.sqrt(abs(np.linalg.det(e[:2, :2]))) -
            np.sqrt(abs(np.linalg.det(true[:2, :2]))))
    return dict(
        t_err=float(np.linalg.norm((e @ c - true @ c)[:2])),
        zoom_err=float(abs(zoom)),
        corner_err=float(
            np.linalg.norm((e @ corners - true @ corners)[:2], axis=0).mean()))


def run_case(scene: Scene, estimators: Dict[str, Callable],
             limits: Optional[Dict[str, int]] = None) -> dict:
    """Every estimator on every frame of ``scene``, interleaved.

    ``limits`` caps the frames of a slow estimator (mmdet's full-size
    ECC: seconds per 1080p frame); it is stateless, so it just stops.
    """
    limits = limits or {}
    names = list(estimators)
    times = {n: [] for n in names}
    cpu = {n: [] for n in names}
    errs = {n: [] for n in names}
    for k in range(len(scene)):
        img, boxes = scene.frame(k)
        # the order rotates every frame
        order = names[k % len(names):] + names[:k % len(names)]
        for name in order:
            if k >= limits.get(name, len(scene)):
                continue
            c0, t0 = time.thread_time(), time.perf_counter()
            warp = estimators[name](img, boxes)
            dt = time.perf_counter() - t0
            dc = time.thread_time() - c0
            if k:  # the first frame has no motion to estimate
                times[name].append(dt)
                cpu[name].append(dc)
                errs[name].append(
                    warp_errors(warp, scene.true_warp(k), scene.width,
                                scene.height))
    out = {}
    for name in names:
        e = errs[name]
        out[name] = dict(
            cpu_ms_median=round(statistics.median(cpu[name]) * 1e3, 3),
            ms_median=round(statistics.median(times[name]) * 1e3, 3),
            ms_mean=round(statistics.mean(times[name]) * 1e3, 3),
            t_err_mean=round(statistics.mean(x['t_err'] for x in e), 4),
            t_err_max=round(max(x['t_err'] for x in e), 4),
            zoom_err_mean=round(
                statistics.mean(x['zoom_err'] for x in e), 6),
            corner_err_mean=round(
                statistics.mean(x['corner_err'] for x in e), 4),
            frames=len(e))
    return out


def verdicts(results: dict) -> Dict[str, bool]:
    """The targets: 1080p <= 5 ms and translation error <= 0.5 px on the
    pans; no slower and no less precise than boxmot's SOF on every case
    (median CPU time, mean translation error, mean zoom error)."""
    out = {}
    new = 'mmmtl new'
    for res, cases in results.items():
        for motion, rows in cases.items():
            if new not in rows:
                continue
            r = rows[new]
            if res == '1080p':
                out[f'{res} {motion}: <= 5 ms'] = r['cpu_ms_median'] <= 5.
            if motion in PANS:
                out[f'{res} {motion}: t_err <= 0.5 px'] = \
                    r['t_err_mean'] <= 0.5
            sof = rows.get('boxmot SOF')
            if sof is not None:
                out[f'{res} {motion}: time <= SOF'] = \
                    r['cpu_ms_median'] <= sof['cpu_ms_median']
                out[f'{res} {motion}: t_err <= SOF'] = \
                    r['t_err_mean'] <= sof['t_err_mean']
                out[f'{res} {motion}: zoom_err <= SOF'] = \
                    r['zoom_err_mean'] <= sof['zoom_err_mean']
    return out


def markdown_table(results: dict) -> str:
    lines = [
        '| frame | motion | estimator | CPU ms/frame | wall ms/frame | '
        'translation error (px, mean / max) | zoom error (mean) | corner '
        'error (px, mean) |',
        '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |'
    ]
    for res, cases in results.items():
        for motion, rows in cases.items():
            for name, r in rows.items():
                lines.append(
                    f"| {res} | {motion} | {name} | {r['cpu_ms_median']:.2f} "
                    f"| {r['ms_median']:.2f} | "
                    f"{r['t_err_mean']:.3f} / {r['t_err_max']:.2f} | "
                    f"{r['zoom_err_mean']:.5f} | "
                    f"{r['corner_err_mean']:.3f} |")
    return '\n'.join(lines)


# ------------------------------------------------- the tracker on pan --


class TrueCameraMotion:
    """The camera motion of ``bench_tracker_quality``'s ``pan`` frames,
    read from the frames themselves: each is a crop ``world[:, x0:x0 +
    W]`` of one scene, so ``x0`` is its offset in memory."""

    def reset(self) -> None:
        self._x0: Optional[int] = None

    def apply(self, img: np.ndarray, bboxes=None) -> np.ndarray:
        if img.base is None:
            raise RuntimeError(
                'TrueCameraMotion: the pan frames of bench_tracker_quality '
                'are no longer crops of one scene; the true motion cannot '
                'be read from them')
        x0 = (img.__array_interface__['data'][0] -
              img.base.__array_interface__['data'][0]) // img.strides[1]
        prev, self._x0 = self._x0, int(x0)
        warp = np.eye(2, 3)
        if prev is not None:
            warp[0, 2] = -(x0 - prev)  # the camera right, the image left
        return warp


def _track(seq: dict, gmc) -> list:
    """MOT rows of JDETracker ``'robust'`` on one ``pan`` sequence;
    ``gmc``: None, an estimator config or ``'true'``."""
    tracker = MODELS.build(
        dict(type='JDETracker', preset='robust',
             gmc=None if gmc in (None, 'true') else gmc))
    if gmc == 'true':
        tracker.gmc = TrueCameraMotion()
    rows = []
    for f, ((boxes, scores, embeds), img) in enumerate(
            zip(seq['frames'], seq['images'])):
        sample = DetDataSample(
            metainfo=dict(frame_id=f, frame_rate=seq['frame_rate']))
        sample.pred_instances = InstanceData(
            bboxes=torch.from_numpy(boxes), scores=torch.from_numpy(scores),
            labels=torch.zeros(len(scores), dtype=torch.long),
            embeds=torch.from_numpy(embeds))
        res = tracker.track(data_sample=sample, img=img)
        b = res.bboxes.numpy()
        for k, i in enumerate(res.instances_id.numpy()):
            rows.append((f + 1, i + 1, b[k, 0], b[k, 1], b[k, 2] - b[k, 0],
                         b[k, 3] - b[k, 1], 1.))
    return rows


def tracker_pan(seeds: int) -> dict:
    """HOTA, IDF1, MOTA and IDS per seed and their mean on the ``pan``
    condition, for each kind of compensation."""
    import tracking_conditions as tq
    kinds = {
        'none': None,
        'mmmtl new': dict(type='CameraMotionEstimator'),
        'mmmtl BoT-SORT settings': BOTSORT_GMC,
        'true motion': 'true',
    }
    sources = tq.tud_sequences() + tq.synthetic_sequences(150)
    per_seed = {k: [] for k in kinds}
    for seed in range(seeds):
        seqs = [tq.make_detections(s, 'pan', seed) for s in sources]
        for name, gmc in kinds.items():
            per_seed[name].append(
                tq.evaluate(seqs, [_track(s, gmc) for s in seqs]))
        print(seed, {k: v[-1] for k, v in per_seed.items()}, flush=True)
    return {
        name: dict(
            per_seed=runs,
            **{m: round(statistics.mean(r[m] for r in runs), 2)
               for m in tq.METRICS})
        for name, runs in per_seed.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=61,
                        help='frames per case (the first has no motion)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--resolutions', nargs='+', default=list(RESOLUTIONS),
                        choices=list(RESOLUTIONS))
    parser.add_argument('--motions', nargs='+', default=list(MOTIONS),
                        choices=MOTIONS)
    parser.add_argument('--ecc-frames', type=int, default=11,
                        help="frames per case for mmdet's ECC (seconds "
                        'per 1080p frame)')
    parser.add_argument('--skip', nargs='*', default=[],
                        help='estimators to leave out, e.g. "mmdet ECC"')
    parser.add_argument('--tracker-pan', action='store_true',
                        help="JDETracker on bench_tracker_quality's pan "
                        'condition instead (HOTA per kind of compensation)')
    parser.add_argument('--seeds', type=int, default=3,
                        help='seeds of --tracker-pan')
    parser.add_argument('--out', default=None,
                        help='results JSON (default: benchmarks/results/'
                        'camera_motion_cpu.json, or camera_motion_pan.json '
                        'with --tracker-pan)')
    args = parser.parse_args()
    if args.frames < 2:
        parser.error(f'--frames must be >= 2, got {args.frames}')
    if args.seeds < 1:
        parser.error(f'--seeds must be >= 1, got {args.seeds}')
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    init_default_scope('mmdet')
    warnings.filterwarnings('ignore')
    if args.out is None:
        args.out = osp.join(
            ROOT, 'benchmarks', 'results', 'camera_motion_pan.json'
            if args.tracker_pan else 'camera_motion_cpu.json')
    if args.tracker_pan:
        out = dict(
            description=tracker_pan.__doc__.split('\n\n')[0],
            command='benchmarks/bench_camera_motion.py --tracker-pan '
            f'--seeds {args.seeds}',
            results=tracker_pan(args.seeds))
        os.makedirs(osp.dirname(args.out), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=2)
        for name, r in out['results'].items():
            print(name, {m: r[m] for m in ('HOTA', 'IDF1', 'MOTA', 'IDS')})
        return
    load_before = os.getloadavg()
    results = {}
    for res in args.resolutions:
        width, height = RESOLUTIONS[res]
        results[res] = {}
        for i, motion in enumerate(args.motions):
            scene = Scene(motion, width, height, args.frames,
                          seed=args.seed * 100 + i)
            # fresh estimators per case: no state crosses cases
            rows = run_case(scene, build_estimators(tuple(args.skip)),
                            {'mmdet ECC': args.ecc_frames})
            results[res][motion] = rows
            for name, r in rows.items():
                print(res, motion, name, r, flush=True)
    checks = verdicts(results)
    out = dict(
        description=__doc__.split('\n\n')[0],
        command='benchmarks/bench_camera_motion.py ' +
        ' '.join(f'--{k} {v}' for k, v in (
            ('frames', args.frames), ('ecc-frames', args.ecc_frames),
            ('seed', args.seed))),
        threads=1,
        opencv=cv2.__version__,
        machine=dict(
            processor=platform.processor() or platform.machine(),
            cpus=os.cpu_count(),
            loadavg_before=[round(x, 2) for x in load_before],
            loadavg_after=[round(x, 2) for x in os.getloadavg()]),
        results=results,
        checks=checks)
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=2)
    print(markdown_table(results))
    for k, v in checks.items():
        print(('PASS ' if v else 'FAIL ') + k)


if __name__ == '__main__':
    main()
