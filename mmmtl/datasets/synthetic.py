"""Synthetic pedestrian sequences in the MOTChallenge layout.

The generator draws people-like targets (head, torso with a per-identity
colour pattern, legs that swing while walking) on a textured street scene
with a perspective ground plane: targets farther away (feet closer to the
horizon) are smaller and move more slowly on screen. Targets walk with a
noisy constant velocity and occasional turns, enter at the left, right and
bottom borders and leave through them, and occlude each other in depth
order. A small camera shake, a brightness flicker and Gaussian pixel noise
are applied per frame.

Ground truth follows MOT17's ``gt.txt``: one row per target and frame
``frame, id, x, y, w, h, conf, class, visibility`` with 1-based frame
numbers, 1-based pixel coordinates of the top-left corner (MOTChallenge
convention; boxes may extend past the image border), ``conf = 1``
(considered), ``class = 1`` (pedestrian) and ``visibility`` in ``[0, 1]``:
the fraction of the box area that lies inside the image and is not covered
by the boxes of nearer targets.

Identity numbers are unique within one call of :func:`write_mot_split`
(they continue across its sequences). A target's appearance is a function
of ``(seed, identity)`` only; calls with different seeds (e.g. a training
and a held-out split) draw new people whose identity numbers restart at 1
and whose colours may by chance resemble people of the other call.

Everything is deterministic given the seed.
"""
import colorsys
import math
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmmtl.formats import (
    GT_FIELDS,
    SeqInfo,
    frame_file_name,
    write_mot_gt,
    write_seqinfo,
)

from .sequence_folder import claim_sequence_folders
from .synthetic_drawing import NUM_PATTERNS, draw_person, street_background

#: Column names of a ground-truth row (MOT17 ``gt.txt``); the format
#: module's :data:`~mmmtl.formats.GT_FIELDS`.
GT_COLUMNS = GT_FIELDS

_SKIN_TONES = ((60, 90, 140), (90, 130, 190), (120, 160, 215),
               (150, 185, 230), (45, 65, 100))  # BGR


@dataclass
class _Target:
    """State of one walking target in world (unshaken image) pixels."""
    identity: int
    foot_x: float
    foot_y: float
    heading: float  # radians, 0 = walking right, -pi/2 = away (up)
    speed: float  # body heights per frame
    height_factor: float
    aspect: float  # width / height
    palette: np.ndarray  # (8, 3) uint8 BGR, indexed by body-part code
    pattern: int
    stripes: int
    phase: float = 0.0


class SyntheticMOTScene:
    """Frame-by-frame generator of one synthetic MOT sequence.

    Iterating yields ``(frame, rows)`` per frame, where ``frame`` is a
    ``(H, W, 3)`` uint8 BGR image and ``rows`` is a ``(N, 9)`` float64
    array of ground-truth rows (see :data:`GT_COLUMNS`) for the ``N``
    targets whose box overlaps the image. After the iteration,
    :attr:`next_id` is one more than the largest identity number used;
    iterating again replays the same sequence.

    Args:
        num_frames (int): Number of frames T. Defaults to 150.
        size (Sequence[int]): Image ``(width, height)``.
            Defaults to ``(320, 192)``.
        seed (int): Seed of the call; fixes the appearance of every
            identity and, with ``seq_index``, everything else.
            Defaults to 0.
        seq_index (int): Index of the sequence within the call.
            Defaults to 0.
        id_start (int): First identity number. Defaults to 1.
        num_targets (int): Typical number of targets in view; the
            population fluctuates around it. Defaults to 8.
        camera_noise (bool): Whether to apply camera shake, brightness
            flicker and pixel noise. Defaults to True.
        pan (float): Camera pan in pixels per frame (positive: the camera
            turns right, the scene and the people on it drift left).
            Defaults to 0 (a static camera).
        person_height (float): Body height at the bottom image row as a
            fraction of the image height. Defaults to 0.55.
        uniforms (int): 0 gives every identity its own look; ``k > 0``
            dresses identity ``i`` in uniform ``i % k`` (same colours and
            pattern; only skin, hair and build differ), e.g. 1 for a
            dance troupe, 2 for two teams. Defaults to 0.
        turn_prob (float): Chance per frame of a sudden turn by 30-90
            degrees. Defaults to 0.01.
        speed_scale (float): Factor on the walking speeds. Defaults to 1.
        stay_in_view (bool): Targets keep to a stage, the image's width
            and the nearer half of the ground, turning back at its borders
            instead of leaving (a stage or a court), so they cross and
            occlude each other often. Defaults to False.

    Attributes:
        background (np.ndarray): The static scene, ``(H + 2m, W + 2m + P,
            3)`` uint8 BGR with ``P = ceil(|pan| (T - 1))``; without camera
            noise and pan every frame shows ``background[m:m + H, m:m + W]``
            behind the targets.
        margin (int): The camera shake margin m in pixels.
    """

    def __init__(self,
                 num_frames: int = 150,
                 size: Sequence[int] = (320, 192),
                 seed: int = 0,
                 seq_index: int = 0,
                 id_start: int = 1,
                 num_targets: int = 8,
                 camera_noise: bool = True,
                 pan: float = 0.0,
                 person_height: float = 0.55,
                 uniforms: int = 0,
                 turn_prob: float = 0.01,
                 speed_scale: float = 1.0,
                 stay_in_view: bool = False) -> None:
        width, height = (int(s) for s in size)
        if width < 32 or height < 32:
            raise ValueError(f'size must be at least 32x32, got {size}')
        if num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        self.num_frames = int(num_frames)
        self.width, self.height = width, height
        self.seed = int(seed)
        self.num_targets = int(num_targets)
        self.camera_noise = camera_noise
        self.pan = float(pan)
        self.uniforms = int(uniforms)
        self.turn_prob = float(turn_prob)
        self.speed_scale = float(speed_scale)
        self.stay_in_view = bool(stay_in_view)
        # extra background width the pan scrolls over
        self._pan_width = int(math.ceil(abs(self.pan) * (num_frames - 1)))
        self.id_start = int(id_start)
        self.next_id = self.id_start
        self.horizon = 0.3 * height
        self.ref_height = person_height * height  # at the bottom row
        self.margin = max(2, int(round(0.03 * height)))  # camera shake
        # Independent streams, so the background does not depend on how
        # many targets were drawn and noise can be switched off.
        bg_ss, self._tgt_ss, self._cam_ss = np.random.SeedSequence(
            entropy=self.seed, spawn_key=(int(seq_index), )).spawn(3)
        # the static scene, larger than the image by the shake margin
        m = self.margin
        self.background = street_background(
            np.random.default_rng(bg_ss), height + 2 * m,
            width + 2 * m + self._pan_width, int(round(self.horizon)) + m)
        # Hue offset of the call: hues of consecutive identities are spread
        # by the golden ratio, so identities of one call look different.
        self._hue0 = np.random.default_rng(self.seed).random()

    # ------------------------------------------------------------------
    # scene
    def _scale(self, foot_y: float) -> float:
        """Perspective scale: 1 at the bottom row, 0 at the horizon."""
        return (foot_y - self.horizon) / (self.height - self.horizon)

    def _box(self, t: _Target) -> Tuple[int, int, int, int]:
        """Integer box ``(x0, y0, w, h)`` of a target in world pixels."""
        h = max(12, int(round(self.ref_height * self._scale(t.foot_y) *
                              t.height_factor)))
        w = max(5, int(round(h * t.aspect)))
        return (int(round(t.foot_x - w / 2)), int(round(t.foot_y)) - h, w,
                h)

    # ------------------------------------------------------------------
    # targets
    def _new_target(self, foot_x: float, foot_y: float,
                    heading: float) -> _Target:
        identity = self.next_id
        self.next_id += 1
        # Appearance depends on (seed, identity) only.
        rng = np.random.default_rng([self.seed, identity])
        hue = (self._hue0 + identity * 0.6180339887) % 1.0

        def hsv(h: float, s: float, v: float) -> Tuple[int, int, int]:
            r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
            return int(b * 255), int(g * 255), int(r * 255)

        dress = rng
        if self.uniforms > 0:  # clothes of the identity's uniform
            team = identity % self.uniforms
            dress = np.random.default_rng([self.seed, 1 << 20, team])
            hue = (self._hue0 + team * 0.5) % 1.0
        primary = hsv(hue, dress.uniform(0.55, 1.0), dress.uniform(0.55,
                                                                    1.0))
        if dress.random() < 0.6:
            secondary = hsv(hue + 0.5, dress.uniform(0.3, 1.0),
                            dress.uniform(0.4, 1.0))
        else:
            secondary = ((235, 235, 235) if dress.random() < 0.5 else
                         (25, ) * 3)
        skin = _SKIN_TONES[rng.integers(len(_SKIN_TONES))]
        palette = np.array([
            (0, 0, 0),
            hsv(rng.uniform(0.02, 0.12), rng.uniform(0.3, 0.9),
                rng.uniform(0.05, 0.4)),  # hair
            skin,
            primary,
            secondary,
            skin if dress.random() < 0.4 else tuple(
                int(c * 0.8) for c in primary),  # short or long sleeves
            hsv(dress.random(), dress.uniform(0.1, 0.7),
                dress.uniform(0.15, 0.55)),
            (20, 20, 20) if dress.random() < 0.7 else (225, 225, 225),
        ], np.uint8)
        standing = rng.random() < 0.1
        return _Target(
            identity=identity,
            foot_x=foot_x,
            foot_y=foot_y,
            heading=heading,
            speed=self.speed_scale * (0.002 if standing else rng.uniform(
                0.01, 0.03)),
            height_factor=rng.uniform(0.85, 1.12),
            aspect=rng.uniform(0.36, 0.44),
            palette=palette,
            pattern=int(dress.integers(NUM_PATTERNS)),
            stripes=int(dress.integers(3, 7)),
            phase=rng.uniform(0, 2 * math.pi))

    def _spawn_at_border(self) -> _Target:
        rng = self._tgt_rng
        side = rng.choice(3, p=(0.4, 0.4, 0.2))
        near = self.horizon + (self.height - self.horizon) * 0.15
        if side == 2:  # bottom, walking away from the camera
            foot_y = self.height * rng.uniform(1.15, 1.3)
            foot_x = rng.uniform(0.15, 0.85) * self.width
            heading = -math.pi / 2 + rng.normal(0, 0.35)
        else:
            foot_y = rng.uniform(near + 5, self.height * 1.05)
            heading = (0.0 if side == 0 else math.pi) + rng.normal(0, 0.35)
            foot_x = 0.0
        t = self._new_target(foot_x, foot_y, heading)
        x0, y0, w, h = self._box(t)
        if side == 0:  # a quarter of the body already inside
            t.foot_x = -w / 2 + 0.25 * w
        elif side == 1:
            t.foot_x = self.width + w / 2 - 0.25 * w
        else:
            t.foot_y = self.height + 0.75 * h
        return t

    def _step(self, t: _Target) -> None:
        rng = self._tgt_rng
        t.heading += rng.normal(0, 0.04)
        if rng.random() < self.turn_prob:  # occasional turn
            t.heading += rng.choice((-1.0, 1.0)) * rng.uniform(
                math.pi / 6, math.pi / 2)
        h = self.ref_height * max(self._scale(t.foot_y), 0.05)
        h *= t.height_factor
        t.foot_x += t.speed * h * math.cos(t.heading)
        # Depth motion is foreshortened on the ground plane.
        t.foot_y += 0.35 * t.speed * h * math.sin(t.heading)
        far = self.horizon + (self.height - self.horizon) * 0.15
        if t.foot_y < far:  # turn back before vanishing at the horizon
            t.foot_y = far
            t.heading = -t.heading
        if self.stay_in_view:  # turn back at the borders of the stage
            # the stage: the nearer half of the ground, one band of depth
            stage = self.horizon + 0.5 * (self.height - self.horizon)
            if t.foot_y < stage:
                t.foot_y = stage
                t.heading = abs(t.heading)
            half = 0.5 * h * t.aspect
            if not half <= t.foot_x <= self.width - half:
                t.foot_x = min(max(t.foot_x, half), self.width - half)
                t.heading = math.pi - t.heading
            if t.foot_y > self.height:
                t.foot_y = float(self.height)
                t.heading = -abs(t.heading)
        t.phase += 2 * math.pi * t.speed * 4

    def _outside(self, box: Tuple[int, int, int, int]) -> bool:
        x0, y0, w, h = box
        return (x0 + w <= 0 or x0 >= self.width or y0 >= self.height
                or y0 + h <= 0)

    def __iter__(self) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        # Fresh streams: iterating again replays the same sequence.
        self._tgt_rng = np.random.default_rng(self._tgt_ss)
        self.next_id = self.id_start
        rng, cam = self._tgt_rng, np.random.default_rng(self._cam_ss)
        W, H, m = self.width, self.height, self.margin
        near = self.horizon + (self.height - self.horizon) * 0.2
        targets: List[_Target] = [
            self._new_target(
                rng.uniform(0.08, 0.92) * W, rng.uniform(near, H * 1.05),
                rng.choice((0.0, math.pi)) + rng.normal(0, 0.5))
            for _ in range(self.num_targets)
        ]
        if self.camera_noise:
            # A bank of pixel noise, cropped at a random offset per frame.
            noise_bank = cam.normal(
                0, 3.0, size=(H + 32, W + 32, 3)).astype(np.float32)
        shake = np.zeros(2)
        gain = 0.0
        for frame_idx in range(self.num_frames):
            if frame_idx > 0:
                for t in targets:
                    self._step(t)
                    t.foot_x -= self.pan  # the ground drifts with the pan
                targets = [t for t in targets
                           if not self._outside(self._box(t))]
                busy = len(targets) >= self.num_targets
                # nobody leaves a stage: no newcomers while it is full
                spawn = 0.0 if busy and self.stay_in_view else (
                    0.02 if busy else 0.1)
                if rng.random() < spawn:
                    targets.append(self._spawn_at_border())
            if self.camera_noise:
                shake = np.clip(0.85 * shake + cam.normal(0, 0.7, 2), -m, m)
                gain = 0.8 * gain + cam.normal(0, 0.02)
            ox, oy = (int(round(s)) for s in shake)
            # the view slides over the wider background as the camera pans
            px = int(round(self.pan * frame_idx))
            px += self._pan_width if self.pan < 0 else 0
            bx = m + ox + px
            img = self.background[m + oy:m + oy + H, bx:bx + W].copy()

            # Far to near (feet closer to the horizon first); ties by id.
            order = sorted(targets, key=lambda t: (t.foot_y, t.identity))
            boxes = {}
            for t in order:
                x0, y0, w, h = self._box(t)
                boxes[t.identity] = (x0 - ox, y0 - oy, w, h)
                draw_person(img, boxes[t.identity], t.palette, t.pattern,
                            t.stripes, t.phase)

            rows = []
            covered = np.zeros((H, W), bool)
            for t in reversed(order):  # near to far for occlusion
                x0, y0, w, h = boxes[t.identity]
                ix0, iy0 = max(x0, 0), max(y0, 0)
                ix1, iy1 = min(x0 + w, W), min(y0 + h, H)
                if ix0 >= ix1 or iy0 >= iy1:
                    continue
                # Visible = inside the image and not behind a nearer box.
                free = (ix1 - ix0) * (iy1 - iy0) - int(
                    covered[iy0:iy1, ix0:ix1].sum())
                covered[iy0:iy1, ix0:ix1] = True
                rows.append((frame_idx + 1, t.identity, x0 + 1, y0 + 1, w, h,
                             1, 1, round(free / (w * h), 5)))
            rows.sort(key=lambda r: r[1])
            gt = np.array(rows, np.float64).reshape(-1, len(GT_COLUMNS))

            if self.camera_noise:
                nx, ny = cam.integers(0, 32, size=2)
                out = img.astype(np.float32)
                out *= 1.0 + gain
                out += noise_bank[ny:ny + H, nx:nx + W]
                img = np.clip(out, 0, 255).astype(np.uint8)
            yield img, gt


def generate_sequence(num_frames: int = 150,
                      size: Sequence[int] = (320, 192),
                      seed: int = 0,
                      seq_index: int = 0,
                      id_start: int = 1,
                      num_targets: int = 8,
                      camera_noise: bool = True
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Generate one synthetic MOT sequence in memory.

    Args:
        num_frames (int): Number of frames T. Defaults to 150.
        size (Sequence[int]): Image ``(width, height)`` = ``(W, H)``.
            Defaults to ``(320, 192)``.
        seed (int): Seed of the call. Defaults to 0.
        seq_index (int): Index of the sequence within the call.
            Defaults to 0.
        id_start (int): First identity number. Defaults to 1.
        num_targets (int): Typical number of targets in view.
            Defaults to 8.
        camera_noise (bool): Whether to apply camera shake, brightness
            flicker and pixel noise. Defaults to True.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``frames`` of shape
        ``(T, H, W, 3)`` (uint8, BGR) and ``gt`` of shape ``(M, 9)``
        (float64, columns :data:`GT_COLUMNS`, sorted by frame then id).
    """
    scene = SyntheticMOTScene(num_frames, size, seed, seq_index, id_start,
                              num_targets, camera_noise)
    frames, gts = zip(*scene)
    return np.stack(frames), np.concatenate(gts)


def write_mot_split(out_dir: str,
                    num_seqs: int = 3,
                    num_frames: int = 150,
                    size: Sequence[int] = (320, 192),
                    seed: int = 0,
                    split: str = 'train',
                    num_targets: int = 8,
                    frame_rate: float = 30,
                    camera_noise: bool = True,
                    jpeg_quality: int = 95,
                    workers: int = 2,
                    name_prefix: Optional[str] = None,
                    pan: Union[float, Sequence[float]] = 0.,
                    overwrite: bool = False) -> List[str]:
    """Write synthetic sequences in the MOTChallenge layout.

    Layout: ``out_dir/<split>/<SEQ>/img1/000001.jpg``, ``gt/gt.txt`` and
    ``seqinfo.ini`` (keys in MOT17's order, as mmdet's ``mot2coco.py``
    expects). Identity numbers continue across the sequences of the call.

    Args:
        out_dir (str): Root folder.
        num_seqs (int): Number of sequences. Defaults to 3.
        num_frames (int): Frames per sequence. Defaults to 150.
        size (Sequence[int]): Image ``(width, height)``.
            Defaults to ``(320, 192)``.
        seed (int): Seed of the call. Defaults to 0.
        split (str): Sub-folder name, e.g. ``'train'`` or ``'test'``.
            Defaults to ``'train'``.
        num_targets (int): Typical number of targets in view.
            Defaults to 8.
        frame_rate (float): Frame rate written to ``seqinfo.ini``.
            Defaults to 30.
        camera_noise (bool): Whether to apply camera noise.
            Defaults to True.
        jpeg_quality (int): JPEG quality. Defaults to 95.
        workers (int): Threads encoding JPEGs. Defaults to 2.
        name_prefix (str, optional): Sequence name prefix; sequences are
            named ``<prefix>-01``, ``<prefix>-02``, ... Defaults to
            ``SYN<seed>``.
        pan (float | Sequence[float]): Camera pan in pixels per frame (see
            :class:`SyntheticMOTScene`), or one per sequence. Defaults to
            0.
        overwrite (bool): Clear sequence folders that hold another run
            (see :func:`~mmmtl.datasets.sequence_folder.
            claim_sequence_folders`) instead of refusing them. Defaults to
            False.

    Returns:
        list[str]: Paths of the written sequence folders.

    Raises:
        ValueError: ``num_seqs`` or ``num_frames`` below 1.
        FileExistsError: A sequence folder holds another run's sequence
            and ``overwrite`` is False.
    """
    if num_seqs < 1 or num_frames < 1:
        raise ValueError('num_seqs and num_frames must be >= 1, got '
                         f'{num_seqs} and {num_frames}')
    prefix = name_prefix or f'SYN{seed}'
    next_id = 1
    seq_dirs = []
    params = [int(cv2.IMWRITE_JPEG_QUALITY), int(jpeg_quality)]
    pans = ([float(pan)] * num_seqs if np.isscalar(pan) else
            [float(p) for p in pan])
    if len(pans) != num_seqs:
        raise ValueError(f'pan gives {len(pans)} values for {num_seqs} '
                         'sequences')
    infos = [
        SeqInfo(name=f'{prefix}-{k + 1:02d}', seq_length=num_frames,
                frame_rate=frame_rate, im_width=int(size[0]),
                im_height=int(size[1])) for k in range(num_seqs)
    ]
    claim_sequence_folders([osp.join(out_dir, split, i.name) for i in infos],
                           infos, overwrite)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for k in range(num_seqs):
            name = f'{prefix}-{k + 1:02d}'
            seq_dir = osp.join(out_dir, split, name)
            os.makedirs(osp.join(seq_dir, 'img1'), exist_ok=True)
            os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
            scene = SyntheticMOTScene(num_frames, size, seed, k, next_id,
                                      num_targets, camera_noise,
                                      pan=pans[k])
            gts, jobs = [], []
            for i, (frame, gt) in enumerate(scene):
                path = osp.join(seq_dir, 'img1', frame_file_name(i + 1))
                jobs.append(pool.submit(cv2.imwrite, path, frame, params))
                gts.append(gt)
            for path_job in jobs:
                if not path_job.result():
                    raise OSError(f'could not write frames to {seq_dir}')
            next_id = scene.next_id
            write_mot_gt(
                osp.join(seq_dir, 'gt', 'gt.txt'), np.concatenate(gts))
            write_seqinfo(osp.join(seq_dir, 'seqinfo.ini'), infos[k])
            seq_dirs.append(seq_dir)
    return seq_dirs
