"""Ground truth of a benchmark profile's people, without writing files.

For experiments that need trajectories shaped like a benchmark but no
images (the tracker benchmark's ``dancetrack`` condition): the scenes of
:func:`~mmmtl.datasets.write_benchmark`, built with the same seeds and
the profile's motion and costume settings, run in memory. For a profile
without occluders, vehicles, distractors or zero-marked people (DanceTrack,
SportsMOT) the rows are those ``write_benchmark`` writes to ``gt.txt``
when called with the same sequences, seed, scale and frames (identity
numbers, and with them each person's look and pace, run on across the
written sequences).
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .benchmark_profiles import get_profile
from .synthetic import SyntheticMOTScene
from .synthetic_benchmark import scaled_size

__all__ = ['ProfileSequence', 'profile_ground_truth']


@dataclass
class ProfileSequence:
    """One sequence of a profile, in memory.

    Attributes:
        name (str): Sequence name.
        gt (np.ndarray): ``(G, 9)`` ground-truth rows (``GT_FIELDS``),
            identities numbered from 1 per sequence, sorted by frame then
            identity.
        frame_rate (float): Frames per second.
        size (tuple[int, int]): Image ``(W, H)``.
    """
    name: str
    gt: np.ndarray
    frame_rate: float
    size: Tuple[int, int]


def profile_ground_truth(profile: str,
                         sequences: Optional[Sequence[str]] = None,
                         seed: int = 0,
                         scale: Optional[float] = None,
                         frames: Optional[int] = None,
                         camera_noise: bool = True
                         ) -> List[ProfileSequence]:
    """The people's ground truth of some sequences of a profile.

    Args:
        profile (str): Profile name, e.g. ``'dancetrack'``.
        sequences (Sequence[str], optional): Sequence names. Defaults to
            None: the profile's training sequences.
        seed (int): Seed, as for ``write_benchmark``. Defaults to 0.
        scale (float, optional): Size factor. Defaults to the profile's.
        frames (int, optional): Frames per sequence. Defaults to the
            profile's.
        camera_noise (bool): Camera shake (which moves every box) as
            ``write_benchmark`` renders it. Defaults to True.

    Returns:
        list[ProfileSequence]: One entry per sequence, in the profile's
        order.

    Raises:
        KeyError: For a name that is not a sequence of the profile.
    """
    from .synthetic_benchmark import _pan_speed  # the writer's own pan

    prof = get_profile(profile)
    scale = prof.scale if scale is None else float(scale)
    frames = prof.frames if frames is None else int(frames)
    names = [s.name for s in prof.sequences]
    if sequences is None:
        sequences = [s.name for s in prof.sequences if s.split == 'train']
    unknown = sorted(set(sequences) - set(names))
    if unknown:
        raise KeyError(f'{unknown} are not {prof.benchmark} sequences')
    out, next_id = [], 1
    for k, seq in enumerate(prof.sequences):
        if seq.name not in sequences:
            continue
        size = scaled_size(seq, scale)
        rng = np.random.default_rng([seed, k, 7])
        scene = SyntheticMOTScene(
            min(frames, seq.seq_length), size, seed, k, next_id,
            max(1, seq.people), camera_noise,
            pan=_pan_speed(seq, size[0], rng),
            person_height=prof.person_height, uniforms=prof.uniforms,
            turn_prob=prof.turn_prob, speed_scale=prof.speed_scale,
            stay_in_view=prof.stay_in_view)
        gt = np.concatenate([rows for _, rows in scene])
        next_id = scene.next_id
        _, inverse = np.unique(gt[:, 1], return_inverse=True)
        gt[:, 1] = inverse + 1
        gt = gt[np.lexsort((gt[:, 1], gt[:, 0]))]
        out.append(ProfileSequence(seq.name, gt, float(seq.frame_rate),
                                   size))
    return out
