"""Synthetic MOT16/17/20-shaped benchmarks (and a multi-class custom set).

:func:`write_benchmark` renders a :mod:`~mmmtl.datasets.benchmark_profiles`
profile as a MOTChallenge folder: ``<out>/{train,test}/<SEQ>/`` with
``img1/``, ``seqinfo.ini`` (the real sequence's frame rate, its size scaled
by ``scale`` with the aspect kept), ``det/det.txt`` and, for ``train``,
``gt/gt.txt``. MOT17's sequences are written three times (``-DPM``,
``-FRCNN``, ``-SDP``): the same frames (hard links) and GT, each with its
own detections.

On top of the walking people of :class:`~mmmtl.datasets.SyntheticMOTScene`
the ground truth holds what the real files hold:

- distractor classes: some identities are labelled person on vehicle (2),
  static person (7; the people who stand still), distractor (8) or
  reflection (12); they look like pedestrians, as in the real videos,
  which is what makes them distractors;
- zero-marked pedestrians (``conf = 0``), ignored by the evaluation;
- static occluders drawn in front of the people (occluder 9, occluder on
  the ground 10, full occluder 11) and vehicles driving through (car 3, or
  MOT20's non-MOT vehicle 6), each with its own rows; every class other
  than the evaluated ones has ``conf = 0``;
- visibility: the scene's (inside the image, not behind a nearer person)
  times the fraction of the box not covered by occluders or vehicles
  (the two coverings are taken as independent);
- moving cameras pan (the real ones also walk or drive; a pan is enough to
  move every box and the background between frames);
- identity numbers restart at 1 in every sequence, as in MOTChallenge
  (the converter numbers them across sequences); appearances are distinct
  across the whole call.

Everything is deterministic given the seed.
"""
import os
import os.path as osp
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmmtl.formats import (
    SeqInfo,
    frame_file_name,
    write_mot_det,
    write_mot_gt,
    write_seqinfo,
)

from .benchmark_profiles import (
    BenchmarkProfile,
    DetectorProfile,
    SequenceProfile,
    get_profile,
)
from .sequence_folder import claim_sequence_folders
from .synthetic import SyntheticMOTScene

FRAME, ID, X, Y, W, H, CONF, CLS, VIS = range(9)
#: Occluder shapes as (width, height) fractions of the image height.
_OCCLUDER_SHAPES = {9: (0.06, 0.55), 10: (0.22, 0.16), 11: (0.35, 0.5)}
_OCCLUDER_COLOURS = {9: (70, 70, 75), 10: (40, 90, 40), 11: (150, 120, 60)}


def scaled_size(seq: SequenceProfile, scale: float) -> Tuple[int, int]:
    """Image ``(width, height)`` of a sequence scaled by ``scale``.

    Both sides keep the real aspect ratio to within one pixel and are at
    least 32 pixels (the generator's minimum).

    Args:
        seq (SequenceProfile): The sequence.
        scale (float): Factor, e.g. ``1 / 6`` (1920x1080 -> 320x180).

    Returns:
        tuple[int, int]: ``(W, H)``.
    """
    return (max(32, int(round(seq.width * scale))),
            max(32, int(round(seq.height * scale))))


def _folder_names(profile: BenchmarkProfile,
                  seq: SequenceProfile) -> List[Tuple[str, DetectorProfile]]:
    """Folder name and detector of each copy of a sequence."""
    if len(profile.detectors) == 1:
        return [(seq.name, profile.detectors[0])]
    return [(f'{seq.name}-{d.name}', d) for d in profile.detectors]


class _Overlay:
    """Static occluders and passing vehicles drawn over a scene's frames.

    Positions are in world pixels (those of the first frame); a panning
    camera shifts them by ``-pan * t``.
    """

    def __init__(self, profile: BenchmarkProfile, size: Tuple[int, int],
                 num_frames: int, pan: float, rng: np.random.Generator,
                 horizon: float) -> None:
        self.width, self.height = size
        self.pan = pan
        self.objects: List[dict] = []  # class, box per frame or static
        h = self.height
        for cls, count in sorted(profile.occluders.items()):
            fw, fh = _OCCLUDER_SHAPES[cls]
            for _ in range(count):
                bw, bh = max(3, int(fw * h)), max(4, int(fh * h))
                foot = rng.uniform(horizon + 0.45 * (h - horizon), h * 0.98)
                span = self.width + abs(pan) * num_frames
                x0 = rng.uniform(0, max(1.0, span - bw)) - (
                    abs(pan) * num_frames if pan < 0 else 0)
                self.objects.append(
                    dict(cls=cls, x0=x0, y0=foot - bh, w=bw, h=bh,
                         vx=0.0, t0=0, t1=num_frames,
                         colour=_OCCLUDER_COLOURS[cls]))
        cls, mean = profile.vehicles
        if cls and mean > 0:
            # one lane near the bottom; a car crosses in ~3 s of 30 fps
            for t in range(num_frames):
                if rng.random() < (mean if t == 0 else mean / 60.0):
                    bh = int(rng.uniform(0.18, 0.25) * h)
                    bw = int(bh * rng.uniform(1.9, 2.4))
                    direction = rng.choice((-1.0, 1.0))
                    speed = direction * rng.uniform(0.01, 0.02) * self.width
                    start = -bw if direction > 0 else self.width
                    if t == 0 and profile.vehicles_in_view:
                        start = rng.uniform(0, max(1, self.width - bw))
                    foot = h * rng.uniform(0.8, 0.95)
                    colour = tuple(int(c) for c in rng.integers(30, 230, 3))
                    self.objects.append(
                        dict(cls=cls, x0=start - speed * t, y0=foot - bh,
                             w=bw, h=bh, vx=speed, t0=t,
                             t1=num_frames, colour=colour))

    def boxes(self, t: int) -> List[Tuple[int, int, int, int, int, dict]]:
        """``(index, x0, y0, w, h, object)`` of the objects in frame ``t``.

        Only objects whose box overlaps the image are returned.
        """
        out = []
        for i, o in enumerate(self.objects):
            if not o['t0'] <= t < o['t1']:
                continue
            x0 = int(round(o['x0'] + o['vx'] * t - self.pan * t))
            y0 = int(round(o['y0']))
            if (x0 + o['w'] <= 0 or x0 >= self.width or y0 >= self.height
                    or y0 + o['h'] <= 0):
                continue
            out.append((i, x0, y0, o['w'], o['h'], o))
        return out

    def draw(self, img: np.ndarray, t: int) -> np.ndarray:
        """Draw frame ``t``'s objects; returns the ``(H, W)`` cover mask."""
        mask = np.zeros(img.shape[:2], bool)
        for _, x0, y0, w, h, o in self.boxes(t):
            ix0, iy0 = max(x0, 0), max(y0, 0)
            ix1, iy1 = min(x0 + w, self.width), min(y0 + h, self.height)
            img[iy0:iy1, ix0:ix1] = o['colour']
            if o['cls'] in (3, 6):  # windows and wheels
                wy0, wy1 = y0 + h // 8, y0 + h // 2
                cv2.rectangle(img, (x0 + w // 6, wy0),
                              (x0 + w - w // 6, wy1), (200, 190, 170), -1)
                r = max(2, h // 6)
                for cx in (x0 + w // 5, x0 + w - w // 5):
                    cv2.circle(img, (cx, y0 + h - r // 2), r,
                               (20, 20, 20), -1)
            else:  # a darker frame
                cv2.rectangle(img, (x0, y0), (x0 + w - 1, y0 + h - 1),
                              tuple(int(c * 0.6) for c in o['colour']),
                              max(1, w // 12))
            mask[iy0:iy1, ix0:ix1] = True
        return mask


def _role_classes(profile: BenchmarkProfile, gt: np.ndarray, pan: float,
                  rng: np.random.Generator) -> Tuple[Dict[int, int], set]:
    """Class of each person identity and the zero-marked ones.

    People who barely move on the ground (less than 0.4 % of their height
    a frame, the camera's pan taken out) become static persons (7) when
    the profile has that class; the others are drawn from
    ``profile.roles``.
    """
    classes, zero = {}, set()
    roles = dict(profile.roles)
    static_frac = roles.pop(7, 0.0)
    idents = np.unique(gt[:, ID]).astype(int)
    walkers = []
    for ident in idents:
        rows = gt[gt[:, ID] == ident]
        cx = rows[:, X] + rows[:, W] / 2 + pan * rows[:, FRAME]
        foot = rows[:, Y] + rows[:, H]
        moved = np.hypot(np.ptp(cx), np.ptp(foot))
        still = len(rows) > 2 and moved < 0.004 * np.median(
            rows[:, H]) * (len(rows) - 1) + 1.0
        classes[int(ident)] = 7 if still and static_frac > 0 else 1
        if classes[int(ident)] == 1:
            walkers.append(int(ident))
    # Fixed counts (at least one distractor and one zero-marked person in
    # a sequence of 4 or more), so that small sets hold every case.
    order = list(rng.permutation(walkers))
    counts = {c: int(round(f * len(idents))) for c, f in roles.items()}
    if roles and not sum(counts.values()) and len(walkers) >= 4:
        names = sorted(roles)
        p = np.array([roles[c] for c in names])
        counts[names[int(rng.choice(len(names), p=p / p.sum()))]] = 1
    for cls in sorted(counts):
        for _ in range(counts[cls]):
            if order:
                classes[int(order.pop())] = cls
    num_zero = int(round(profile.zero_marked * len(idents)))
    if profile.zero_marked > 0 and len(walkers) >= 4:
        num_zero = max(1, num_zero)
    zero = set(int(i) for i in order[:num_zero])
    return classes, zero


def simulate_detections(gt: np.ndarray, det: DetectorProfile,
                        size: Tuple[int, int], detect_classes: Sequence[int],
                        rng: np.random.Generator) -> np.ndarray:
    """Public detections of one sequence simulated from its ground truth.

    Args:
        gt (np.ndarray): ``(G, 9)`` ground-truth rows.
        det (DetectorProfile): Detector quality.
        size (tuple[int, int]): Image ``(W, H)``.
        detect_classes (Sequence[int]): Classes the detector finds
            (pedestrians and the classes that look like them).
        rng (np.random.Generator): Random stream.

    Returns:
        np.ndarray: ``(D, 7)`` rows ``frame, -1, x, y, w, h, score``
        sorted by frame.
    """
    width, height = size
    rows = []
    cand = gt[np.isin(gt[:, CLS], detect_classes)
              & (gt[:, VIS] >= det.min_visibility)]
    found = rng.random(len(cand)) < det.recall * np.sqrt(cand[:, VIS])
    for r in cand[found]:
        w, h = r[W], r[H]
        x0 = r[X] + rng.normal(0, det.jitter * w)
        y0 = r[Y] + rng.normal(0, det.jitter * h)
        w2 = max(2.0, w * (1 + rng.normal(0, det.jitter)))
        h2 = max(2.0, h * (1 + rng.normal(0, det.jitter)))
        rows.append((r[FRAME], -1, x0, y0, w2, h2,
                     rng.normal(det.score_mean, det.score_std)))
    frames = np.unique(gt[:, FRAME]) if len(gt) else []
    for f in frames:
        for _ in range(rng.poisson(det.false_positives)):
            h = rng.uniform(0.1, 0.5) * height
            w = h * rng.uniform(0.35, 0.45)
            rows.append((f, -1, rng.uniform(0, width - w),
                         rng.uniform(0, height - h), w, h,
                         rng.normal(det.score_mean - det.score_gap,
                                    det.score_std)))
    out = np.array(rows, np.float64).reshape(-1, 7)
    if det.bounded:
        out[:, 6] = np.clip(out[:, 6], 0.0, 1.0)
    out[:, 2:7] = np.round(out[:, 2:7], 3)
    return out[np.argsort(out[:, 0], kind='stable')]


def _pan_speed(seq: SequenceProfile, width: int,
               rng: np.random.Generator) -> float:
    """Pixels per frame of a moving camera: ~12 % of the width a second."""
    if not seq.moving:
        return 0.0
    return float(rng.choice((-1.0, 1.0)) * 0.12 * width / seq.frame_rate)


def _select_sequences(prof: BenchmarkProfile,
                      names: Optional[Sequence[str]]) -> List[SequenceProfile]:
    """The profile's sequences named in ``names`` (all for None), in the
    profile's order; ``KeyError`` for a name the profile does not have."""
    seqs = list(prof.sequences)
    if names is None:
        return seqs
    known = {s.name for s in seqs}
    unknown = sorted(set(names) - known)
    if unknown:
        raise KeyError(f'{unknown} are not {prof.benchmark} sequences; '
                       f'choose from {sorted(known)}')
    return [s for s in seqs if s.name in set(names)]


def write_benchmark(out_dir: str,
                    profile: Union[str, BenchmarkProfile] = 'mot17',
                    seed: int = 0,
                    scale: Optional[float] = None,
                    frames: Optional[int] = None,
                    sequences: Optional[Sequence[str]] = None,
                    people_scale: float = 1.0,
                    camera_noise: bool = True,
                    jpeg_quality: int = 90,
                    workers: int = 2,
                    overwrite: bool = False) -> List[str]:
    """Write a benchmark-shaped synthetic dataset in the MOTChallenge layout.

    Args:
        out_dir (str): Dataset root; writes ``<out_dir>/{train,test}``.
        profile (str | BenchmarkProfile): ``'mot16'``, ``'mot17'``,
            ``'mot20'`` or ``'custom'`` (see :data:`~mmmtl.datasets.
            benchmark_profiles.PROFILES`), or a profile of one's own.
            Defaults to ``'mot17'``.
        seed (int): Seed of everything. Defaults to 0.
        scale (float, optional): Factor from the real image sizes to the
            written ones (aspect kept). Defaults to the profile's
            (``1 / 6``: 1920x1080 -> 320x180).
        frames (int, optional): Frames per sequence, at most the real
            length. Defaults to the profile's (30).
        sequences (Sequence[str], optional): Names of the sequences to
            write (without detector suffix, e.g. ``['MOT17-05']``).
            Defaults to None (all).
        people_scale (float): Factor on the number of people in view.
            Defaults to 1.
        camera_noise (bool): Camera shake, flicker and pixel noise.
            Defaults to True.
        jpeg_quality (int): JPEG quality. Defaults to 90.
        workers (int): Threads encoding JPEGs. Defaults to 2.
        overwrite (bool): Clear sequence folders that hold another run
            (:func:`~mmmtl.datasets.sequence_folder.
            claim_sequence_folders`) instead of refusing them. Defaults to
            False.

    Returns:
        list[str]: The written sequence folders, detector copies included.

    Raises:
        FileExistsError: A sequence folder holds another run's sequence
            and ``overwrite`` is False.
    """
    prof = (profile if isinstance(profile, BenchmarkProfile) else
            get_profile(profile))
    scale = prof.scale if scale is None else float(scale)
    frames = prof.frames if frames is None else int(frames)
    if not scale > 0 or frames < 1:
        raise ValueError(f'scale must be > 0 and frames >= 1, got {scale} '
                         f'and {frames}')
    seqs = _select_sequences(prof, sequences)
    detect_classes = sorted({1, *prof.evaluated_classes, *prof.roles} -
                            {3, 6})
    params = [int(cv2.IMWRITE_JPEG_QUALITY), int(jpeg_quality)]
    claimed, infos = [], []
    for seq in seqs:
        size = scaled_size(seq, scale)
        for name, _ in _folder_names(prof, seq):
            claimed.append(osp.join(out_dir, seq.split, name))
            infos.append(
                SeqInfo(name=name, seq_length=min(frames, seq.seq_length),
                        frame_rate=seq.frame_rate, im_width=size[0],
                        im_height=size[1]))
    claim_sequence_folders(claimed, infos, overwrite)
    written, next_id = [], 1
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for k, seq in enumerate(prof.sequences):
            if seq not in seqs:
                continue
            size = scaled_size(seq, scale)
            length = min(frames, seq.seq_length)
            rng = np.random.default_rng([seed, k, 7])
            pan = _pan_speed(seq, size[0], rng)
            scene = SyntheticMOTScene(
                length, size, seed, k, next_id,
                max(1, int(round(seq.people * people_scale))),
                camera_noise, pan=pan, person_height=prof.person_height,
                uniforms=prof.uniforms, turn_prob=prof.turn_prob,
                speed_scale=prof.speed_scale,
                stay_in_view=prof.stay_in_view)
            overlay = _Overlay(prof, size, length, pan, rng, scene.horizon)
            copies = _folder_names(prof, seq)
            first_dir = osp.join(out_dir, seq.split, copies[0][0])
            img_dir = osp.join(first_dir, 'img1')
            os.makedirs(img_dir, exist_ok=True)
            gts, jobs = [], []
            for t, (img, gt) in enumerate(scene):
                cover = overlay.draw(img, t)
                gts.append(_cover(gt, cover))
                gts.append(_overlay_rows(overlay, t, size))
                path = osp.join(img_dir, frame_file_name(
                    t + 1, digits=prof.frame_digits))
                jobs.append(pool.submit(cv2.imwrite, path, img, params))
            for job in jobs:
                if not job.result():
                    raise OSError(f'could not write frames to {img_dir}')
            gt = np.concatenate(gts)
            gt = _label(prof, gt, scene.id_start, scene.next_id, pan,
                        np.random.default_rng([seed, k, 11]))
            next_id = scene.next_id
            info = dict(seq_length=length, frame_rate=seq.frame_rate,
                        im_width=size[0], im_height=size[1])
            for j, (name, det) in enumerate(copies):
                seq_dir = osp.join(out_dir, seq.split, name)
                if j > 0:
                    _link_tree(img_dir, osp.join(seq_dir, 'img1'))
                os.makedirs(osp.join(seq_dir, 'det'), exist_ok=True)
                write_seqinfo(osp.join(seq_dir, 'seqinfo.ini'),
                              SeqInfo(name=name, **info))
                if seq.split != 'test':  # train and val have GT
                    os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
                    write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), gt)
                dets = simulate_detections(
                    gt, det, size, detect_classes,
                    np.random.default_rng([seed, k, 100 + j]))
                write_mot_det(osp.join(seq_dir, 'det', 'det.txt'), dets)
                written.append(seq_dir)
    return written


def write_benchmark_profile(out_dir: str,
                            profile: str = 'mot17',
                            num_seqs: int = 2,
                            num_frames: int = 24,
                            scale: float = 1 / 6,
                            seed: int = 0,
                            jpeg_quality: int = 90) -> List[str]:
    """Write the first training sequences of a benchmark profile.

    :func:`write_benchmark` restricted to the first ``num_seqs`` training
    sequences of the profile (no test split).

    Args:
        out_dir (str): Dataset root, e.g. ``data/MOT17``.
        profile (str): ``'mot16'``, ``'mot17'``, ``'mot20'`` or
            ``'custom'``. Defaults to ``'mot17'``.
        num_seqs (int): Training sequences, the benchmark's first ones.
            Defaults to 2.
        num_frames (int): Frames per sequence. Defaults to 24.
        scale (float): Image size relative to the benchmark's. Defaults to
            1/6 (1920x1080 becomes 320x180).
        seed (int): Seed. Defaults to 0.
        jpeg_quality (int): JPEG quality. Defaults to 90.

    Returns:
        list[str]: The written sequence folders.
    """
    train = [s.name for s in get_profile(profile).sequences
             if s.split == 'train']
    if not 1 <= num_seqs <= len(train):
        raise ValueError(f'{profile} has {len(train)} training sequences, '
                         f'asked for {num_seqs}')
    return write_benchmark(out_dir, profile, seed=seed, scale=scale,
                           frames=num_frames, sequences=train[:num_seqs],
                           jpeg_quality=jpeg_quality)


def _cover(gt: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """Lower the people's visibility by what the overlay covers."""
    gt = gt.copy()
    height, width = cover.shape
    for r in gt:
        x0, y0 = int(r[X]) - 1, int(r[Y]) - 1
        ix0, iy0 = max(x0, 0), max(y0, 0)
        ix1, iy1 = min(x0 + int(r[W]), width), min(y0 + int(r[H]), height)
        inside = max(0, ix1 - ix0) * max(0, iy1 - iy0)
        if inside:
            frac = cover[iy0:iy1, ix0:ix1].sum() / inside
            r[VIS] = round(r[VIS] * (1 - frac), 5)
    return gt


def _overlay_rows(overlay: _Overlay, t: int,
                  size: Tuple[int, int]) -> np.ndarray:
    """GT rows of the occluders and vehicles in frame ``t``.

    Their identities are negative placeholders ``-(index + 1)``, renumbered
    by :func:`_label`.
    """
    width, height = size
    rows = []
    for i, x0, y0, w, h, o in overlay.boxes(t):
        inside = (max(0, min(x0 + w, width) - max(x0, 0)) *
                  max(0, min(y0 + h, height) - max(y0, 0)))
        rows.append((t + 1, -(i + 1), x0 + 1, y0 + 1, w, h, 0, o['cls'],
                     round(inside / (w * h), 5)))
    return np.array(rows, np.float64).reshape(-1, 9)


def _label(prof: BenchmarkProfile, gt: np.ndarray, id_start: int,
           id_end: int, pan: float, rng: np.random.Generator) -> np.ndarray:
    """Classes, ``conf`` and per-sequence identity numbers of the GT rows.

    People keep their order and are numbered from 1, the overlay's objects
    follow; rows are sorted by frame then identity.
    """
    gt = gt.copy()
    people = gt[:, ID] > 0
    classes, zero = _role_classes(prof, gt[people], pan, rng)
    for ident, cls in classes.items():
        sel = gt[:, ID] == ident
        gt[sel, CLS] = cls
    gt[people, ID] -= id_start - 1
    num_people = id_end - id_start
    gt[~people, ID] = num_people - gt[~people, ID]
    evaluated = np.isin(gt[:, CLS], prof.evaluated_classes)
    zero_ids = np.array(sorted(zero), np.float64) - (id_start - 1)
    gt[:, CONF] = (evaluated & ~(people & np.isin(gt[:, ID], zero_ids)))
    # identities that never appear leave no gap: renumber 1..K
    _, inverse = np.unique(gt[:, ID], return_inverse=True)
    gt[:, ID] = inverse + 1
    return gt[np.lexsort((gt[:, ID], gt[:, FRAME]))]


def _link_tree(src: str, dst: str) -> None:
    """Hard-link (or copy) the files of ``src`` into ``dst``."""
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        target = osp.join(dst, name)
        if osp.exists(target):
            os.remove(target)
        try:
            os.link(osp.join(src, name), target)
        except OSError:
            shutil.copyfile(osp.join(src, name), target)


def profile_summary(profile: str, scale: Optional[float] = None
                    ) -> List[str]:
    """One line per sequence: real and written size, frame rate, camera.

    Args:
        profile (str): Profile name.
        scale (float, optional): Size factor. Defaults to the profile's.

    Returns:
        list[str]: Lines for printing.
    """
    prof = get_profile(profile)
    scale = prof.scale if scale is None else scale
    lines = []
    for seq in prof.sequences:
        w, h = scaled_size(seq, scale)
        copies = ', '.join(n for n, _ in _folder_names(prof, seq))
        lines.append(
            f'{seq.split:5s} {copies}: {seq.width}x{seq.height} -> {w}x{h}, '
            f'{seq.frame_rate} fps, '
            f'{"moving" if seq.moving else "static"} camera, '
            f'~{seq.people} people')
    return lines


__all__ = ['write_benchmark', 'write_benchmark_profile',
           'simulate_detections', 'scaled_size', 'profile_summary']
