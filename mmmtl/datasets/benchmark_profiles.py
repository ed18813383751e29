"""Benchmark profiles of the synthetic generator, as data.

Each profile describes the shape of one MOTChallenge benchmark: its
sequences with the real ``seqinfo.ini`` values (image size, frame rate,
length, moving or static camera), the public detection copies of each
sequence (MOT17 ships every sequence three times, ``-DPM``, ``-FRCNN`` and
``-SDP``, each with its own ``det/det.txt``), the ground-truth classes that
appear beside the pedestrians (distractors, occluders, vehicles) and how
crowded the scenes are. :func:`mmmtl.datasets.write_benchmark` renders a
profile, scaled down, as a MOTChallenge folder.

Sizes, frame rates and lengths are those of the real ``seqinfo.ini`` files
(MOT16 and MOT17 share the videos), from
:data:`mmmtl.formats.BENCHMARK_SEQUENCES` and
:data:`~mmmtl.formats.BENCHMARK_TEST_SEQUENCES`. The typical numbers of
people in view and the detector qualities are rough values chosen to look
like the benchmarks (MOT20's "crowds of 100+"), not measured statistics.

The ``custom`` profile is not a benchmark: two classes (pedestrians and
cars, both evaluated), frame rates and sizes no benchmark has, for the
own-data path of ``docs/custom_dataset.md``.

``dancetrack`` and ``sportsmot`` take the split folders (``train``,
``val``, ``test``), sequence names and frame rates of DanceTrack and
SportsMOT (:data:`mmmtl.formats.DANCETRACK_SEQUENCES`,
:data:`~mmmtl.formats.SPORTSMOT_SEQUENCES`); one class, no distractors, no
occluders. ``dancetrack``: everyone in one costume, turning often and
sharply and staying on the stage (so dancers cross and hide each other),
static camera, DanceTrack's 8-digit frame names; its sizes (1920x1080) and
lengths (1,050 frames, the mean of 105k frames over 100 videos) are
nominal, the real ones vary per video. ``sportsmot``: two teams in two
kits, players 2.5 times as fast as the walkers, turning often, staying on
the court, a camera that follows the play (pans); sizes and lengths are
the real ``seqinfo.ini`` values (test clips: none listed).
"""
from dataclasses import dataclass, field
from typing import Dict, Tuple

from mmmtl.formats import (
    BENCHMARK_FRAME_RATES,
    BENCHMARK_SEQUENCES,
    BENCHMARK_TEST_SEQUENCES,
    DANCETRACK_SEQUENCES,
    MOT17_DETECTORS,
    SPORTSMOT_SEQUENCES,
)


@dataclass(frozen=True)
class SequenceProfile:
    """One sequence of a benchmark, with its real ``seqinfo.ini`` values.

    Attributes:
        name (str): Sequence name without a detector suffix, e.g.
            ``'MOT17-05'``.
        split (str): ``'train'`` or ``'val'`` (with ``gt/gt.txt``) or
            ``'test'``.
        width (int): ``imWidth`` of the real sequence.
        height (int): ``imHeight`` of the real sequence.
        frame_rate (int): ``frameRate``.
        seq_length (int): ``seqLength`` of the real sequence.
        moving (bool): Whether the camera moves (pans here).
        people (int): Typical number of pedestrians in view.
    """
    name: str
    split: str
    width: int
    height: int
    frame_rate: int
    seq_length: int
    moving: bool
    people: int


@dataclass(frozen=True)
class DetectorProfile:
    """Quality of one public detection copy (``det/det.txt``).

    Detections are simulated from the ground truth: a visible box is found
    with probability ``recall * visibility ** 0.5`` when its visibility is
    at least ``min_visibility``, its corners jittered by ``jitter`` times
    the box size; ``false_positives`` boxes per frame (Poisson) are added
    at random places, and distractors are found like pedestrians. Scores
    are drawn from ``N(score_mean, score_std)`` for true and from
    ``N(score_mean - score_gap, score_std)`` for false boxes; DPM's scores
    are unbounded (negative ones included), the others are clipped to
    ``[0, 1]``.

    Attributes:
        name (str): Suffix of the sequence folder (``'DPM'``); empty for
            a benchmark with one copy per sequence.
        recall (float): Recall of fully visible pedestrians.
        min_visibility (float): Boxes less visible are never found.
        jitter (float): Box noise, relative to the box size.
        false_positives (float): Mean false positives per frame.
        score_mean (float): Mean score of a true detection.
        score_std (float): Standard deviation of the scores.
        score_gap (float): How much lower false detections score.
        bounded (bool): Whether scores are clipped to ``[0, 1]``.
    """
    name: str
    recall: float
    min_visibility: float
    jitter: float
    false_positives: float
    score_mean: float
    score_std: float
    score_gap: float
    bounded: bool = True


@dataclass(frozen=True)
class BenchmarkProfile:
    """The shape of one benchmark.

    Attributes:
        benchmark (str): ``'MOT16'``, ``'MOT17'``, ``'MOT20'`` or
            ``'custom'``.
        sequences (tuple[SequenceProfile]): Train and test sequences.
        detectors (tuple[DetectorProfile]): Detection copies of every
            sequence; with more than one, each copy is its own folder
            ``<name>-<detector>`` holding the same frames and GT.
        roles (dict[int, float]): Fraction of the identities drawn with
            each ground-truth class other than the pedestrian (1), e.g.
            ``{7: 0.05}`` for static persons.
        zero_marked (float): Fraction of the pedestrian identities whose
            rows are zero-marked (``conf = 0``, ignored by the evaluation).
        occluders (dict[int, int]): Static occluders per sequence by class
            (9 occluder, 10 occluder on the ground, 11 full occluder).
        vehicles (tuple[int, float]): ``(class, mean number in view)`` of
            the vehicles that drive through (car 3, or MOT20's non-MOT
            vehicle 6); ``(0, 0)`` for none.
        evaluated_classes (tuple[int]): Classes the evaluation scores;
            their rows have ``conf = 1``, rows of other classes ``conf =
            0``, as in MOTChallenge's ``gt.txt``.
        person_height (float): Body height at the bottom image row, as a
            fraction of the image height (MOT20's cameras look down from
            high up: smaller people).
        scale (float): Default factor from the real image sizes to the
            written ones.
        frames (int): Default frames written per sequence.
        uniforms (int): Costumes shared by the people: 0 each their own
            look, 1 one costume for all, 2 two team kits (see
            :class:`~mmmtl.datasets.SyntheticMOTScene`).
        turn_prob (float): Chance per frame and person of a sudden turn.
        speed_scale (float): Factor on the people's speeds.
        stay_in_view (bool): People turn back at the image borders.
        frame_digits (int): Digits of the frame file names (DanceTrack:
            8, ``00000001.jpg``).
        vehicles_in_view (bool): The vehicles of the first frame are
            already inside the image (else they drive in from a border).
    """
    benchmark: str
    sequences: Tuple[SequenceProfile, ...]
    detectors: Tuple[DetectorProfile, ...]
    roles: Dict[int, float] = field(default_factory=dict)
    zero_marked: float = 0.0
    occluders: Dict[int, int] = field(default_factory=dict)
    vehicles: Tuple[int, float] = (0, 0.0)
    evaluated_classes: Tuple[int, ...] = (1, )
    person_height: float = 0.55
    scale: float = 1 / 6
    frames: int = 30
    uniforms: int = 0
    turn_prob: float = 0.01
    speed_scale: float = 1.0
    stay_in_view: bool = False
    frame_digits: int = 6
    vehicles_in_view: bool = False


_DPM = DetectorProfile('DPM', recall=0.55, min_visibility=0.4, jitter=0.08,
                       false_positives=1.5, score_mean=0.5, score_std=0.6,
                       score_gap=0.8, bounded=False)
_FRCNN = DetectorProfile('FRCNN', recall=0.75, min_visibility=0.25,
                         jitter=0.05, false_positives=0.6, score_mean=0.9,
                         score_std=0.08, score_gap=0.35)
_SDP = DetectorProfile('SDP', recall=0.85, min_visibility=0.15, jitter=0.04,
                       false_positives=0.4, score_mean=0.92, score_std=0.06,
                       score_gap=0.4)


def _seq(prefix: str, number: int, split: str, size: Tuple[int, int],
         fps: int, length: int, moving: bool, people: int
         ) -> SequenceProfile:
    return SequenceProfile(f'{prefix}-{number:02d}', split, size[0], size[1],
                           fps, length, moving, people)


# The sequences' seqinfo.ini values are mmmtl.formats' BENCHMARK_SEQUENCES
# (train) and BENCHMARK_TEST_SEQUENCES; here only the typical people in
# view are added (rough values), by sequence number.
_PEOPLE = dict(
    MOT16={2: 30, 4: 45, 5: 8, 9: 20, 10: 18, 11: 10, 13: 15, 1: 20, 3: 45,
           6: 8, 7: 18, 8: 25, 12: 10, 14: 20},
    MOT20={1: 70, 2: 110, 3: 130, 5: 200, 4: 160, 6: 150, 7: 80, 8: 120})
_PEOPLE['MOT17'] = _PEOPLE['MOT16']  # the same videos


def _rows(benchmark: str) -> tuple:
    people = _PEOPLE[benchmark]
    return tuple(
        (int(s.name[-2:]), split, (s.width, s.height), int(s.frame_rate),
         s.seq_length, s.moving_camera, people[int(s.name[-2:])])
        for split, table in (('train', BENCHMARK_SEQUENCES),
                             ('test', BENCHMARK_TEST_SEQUENCES))
        for s in table[benchmark])


_MOT16, _MOT17, _MOT20 = _rows('MOT16'), _rows('MOT17'), _rows('MOT20')
# Distractors of MOT16/17: person on vehicle 2, static person 7,
# distractor 8, reflection 12; cars 3 are neither evaluated nor
# distractors. MOT20 adds the non-MOT vehicle 6 as a distractor.
_MOT1617_ROLES = {2: 0.04, 7: 0.06, 8: 0.03, 12: 0.03}

# DanceTrack: ~8.4 dancers per frame (877k boxes in 105k frames);
# SportsMOT: 9 (basketball) to 13 (football) players per frame.
_DANCETRACK = tuple(
    SequenceProfile(name, split, 1920, 1080,
                    int(BENCHMARK_FRAME_RATES['DanceTrack']), 1050, False, 8)
    for split in ('train', 'val', 'test')
    for name in DANCETRACK_SEQUENCES[split])
_SPORTSMOT = tuple(
    SequenceProfile(s.name, split, s.width, s.height, int(s.frame_rate),
                    s.seq_length, s.moving_camera, 10)
    for split in ('train', 'val') for s in SPORTSMOT_SEQUENCES[split])
_ONE_DETECTOR = (DetectorProfile('', **{
    k: getattr(_SDP, k)
    for k in ('recall', 'min_visibility', 'jitter', 'false_positives',
              'score_mean', 'score_std', 'score_gap')
}), )

PROFILES: Dict[str, BenchmarkProfile] = dict(
    mot16=BenchmarkProfile(
        'MOT16', tuple(_seq('MOT16', *s) for s in _MOT16), (_DPM, ),
        roles=_MOT1617_ROLES, zero_marked=0.05,
        occluders={9: 1, 10: 1, 11: 1}, vehicles=(3, 0.5)),
    mot17=BenchmarkProfile(
        'MOT17', tuple(_seq('MOT17', *s) for s in _MOT17),
        tuple(dict(DPM=_DPM, FRCNN=_FRCNN, SDP=_SDP)[d]
              for d in MOT17_DETECTORS),
        roles=_MOT1617_ROLES, zero_marked=0.05,
        occluders={9: 1, 10: 1, 11: 1}, vehicles=(3, 0.5)),
    mot20=BenchmarkProfile(
        'MOT20', tuple(_seq('MOT20', *s) for s in _MOT20),
        (DetectorProfile('', **{
            k: getattr(_FRCNN, k)
            for k in ('recall', 'min_visibility', 'jitter',
                      'false_positives', 'score_mean', 'score_std',
                      'score_gap')
        }), ),
        roles={2: 0.02, 7: 0.04, 8: 0.02, 12: 0.02},
        zero_marked=0.03, occluders={9: 1, 10: 2}, vehicles=(6, 0.5),
        person_height=0.3),
    custom=BenchmarkProfile(
        'custom',
        (SequenceProfile('CUSTOM-01', 'train', 1280, 720, 20, 400, False,
                         6),
         SequenceProfile('CUSTOM-02', 'train', 960, 720, 10, 300, True, 5),
         SequenceProfile('CUSTOM-03', 'test', 1280, 720, 15, 300, False,
                         6)),
        (DetectorProfile('', **{
            k: getattr(_SDP, k)
            for k in ('recall', 'min_visibility', 'jitter',
                      'false_positives', 'score_mean', 'score_std',
                      'score_gap')
        }), ),
        vehicles=(3, 1.5), evaluated_classes=(1, 3), scale=1 / 4,
        vehicles_in_view=True),
    dancetrack=BenchmarkProfile(
        'DanceTrack', _DANCETRACK, _ONE_DETECTOR, uniforms=1,
        turn_prob=0.08, stay_in_view=True, frame_digits=8),
    sportsmot=BenchmarkProfile(
        'SportsMOT', _SPORTSMOT, _ONE_DETECTOR, uniforms=2, turn_prob=0.04,
        speed_scale=2.5, stay_in_view=True, scale=1 / 4),
)


def get_profile(name: str) -> BenchmarkProfile:
    """The profile called ``name`` (``mot16``, ``mot17``, ``mot20``,
    ``custom``, ``dancetrack``, ``sportsmot``).

    Args:
        name (str): Profile name, case-insensitive.

    Returns:
        BenchmarkProfile: The profile.
    """
    key = name.lower()
    if key not in PROFILES:
        raise KeyError(
            f'unknown profile {name!r}; choose from {sorted(PROFILES)}')
    return PROFILES[key]
