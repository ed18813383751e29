"""The MOTChallenge benchmarks: classes, distractors, sequences, frame rates.

What the ground truth of each benchmark means (which classes exist and
which of them the official evaluation treats as distractors) and which
sequences it holds, with the ``seqinfo.ini`` values of each (frame rate,
image size, length) and whether the camera moves. The readers of
:mod:`mmmtl.formats.motchallenge` check the class column against
:data:`MOT_CLASSES`; the evaluation drops predictions matched to
:data:`DISTRACTOR_CLASSES`.
"""
from dataclasses import dataclass
from typing import Dict, List, Tuple

__all__ = [
    'BENCHMARK_FRAME_RATES', 'BENCHMARK_SEQUENCES',
    'BENCHMARK_TEST_SEQUENCES', 'BENCHMARKS', 'BenchmarkSequence',
    'DANCETRACK_SEQUENCES', 'DISTRACTOR_CLASSES', 'DISTRACTOR_NAMES',
    'MOT17_DETECTORS', 'MOT_CLASSES', 'MOT_FORMAT_SPLITS', 'PEDESTRIAN',
    'SPORTSMOT_SEQUENCES', 'check_benchmark', 'distractor_classes'
]

#: The 13 MOTChallenge classes, numbered from 1.
MOT_CLASSES = ('pedestrian', 'person_on_vehicle', 'car', 'bicycle',
               'motorbike', 'non_mot_vehicle', 'static_person',
               'distractor', 'occluder', 'occluder_on_ground',
               'occluder_full', 'reflection', 'crowd')

#: Benchmarks whose ground-truth conventions are known. DanceTrack and
#: SportsMOT use the MOT17 layout with one class (1) and no distractors.
BENCHMARKS = ('MOT15', 'MOT16', 'MOT17', 'MOT20', 'DanceTrack', 'SportsMOT')

#: Per benchmark, the classes whose matched predictions the official
#: evaluation drops instead of counting them as false positives
#: (TrackEval's ``MotChallenge2DBox``): person on vehicle, static person,
#: distractor and reflection; MOT20 adds the non-MOT vehicle. MOT15 has no
#: classes.
DISTRACTOR_NAMES: Dict[str, Tuple[str, ...]] = dict(
    MOT15=(),
    MOT16=('person_on_vehicle', 'static_person', 'distractor',
           'reflection'),
    MOT17=('person_on_vehicle', 'static_person', 'distractor',
           'reflection'),
    MOT20=('person_on_vehicle', 'non_mot_vehicle', 'static_person',
           'distractor', 'reflection'),
    DanceTrack=(),
    SportsMOT=())
#: :data:`DISTRACTOR_NAMES` as 1-based class numbers.
DISTRACTOR_CLASSES: Dict[str, Tuple[int, ...]] = {
    b: tuple(sorted(MOT_CLASSES.index(n) + 1 for n in names))
    for b, names in DISTRACTOR_NAMES.items()
}
#: Class number of the pedestrian, the one class the MOTChallenge
#: benchmarks evaluate.
PEDESTRIAN = 1


@dataclass(frozen=True)
class BenchmarkSequence:
    """A training sequence of a MOTChallenge benchmark, from its
    ``seqinfo.ini`` (and, for the camera, the benchmark's description).

    Attributes:
        name (str): Sequence name without detector suffix.
        frame_rate (float): Frames per second.
        width (int): Image width.
        height (int): Image height.
        seq_length (int): Number of frames.
        moving_camera (bool): Whether the camera moves.
    """
    name: str
    frame_rate: float
    width: int
    height: int
    seq_length: int
    moving_camera: bool


# One row per video: benchmark family (MOT16 shows MOT17's videos), video
# number, frame rate, width, height, length, moving camera, and the split
# (``train`` with ground truth, ``test`` without).
_VIDEOS = (
    ('MOT17', 1, 30, 1920, 1080, 450, False, 'test'),
    ('MOT17', 2, 30, 1920, 1080, 600, False, 'train'),
    ('MOT17', 3, 30, 1920, 1080, 1500, False, 'test'),
    ('MOT17', 4, 30, 1920, 1080, 1050, False, 'train'),
    ('MOT17', 5, 14, 640, 480, 837, True, 'train'),
    ('MOT17', 6, 14, 640, 480, 1194, True, 'test'),
    ('MOT17', 7, 30, 1920, 1080, 500, True, 'test'),
    ('MOT17', 8, 30, 1920, 1080, 625, False, 'test'),
    ('MOT17', 9, 30, 1920, 1080, 525, False, 'train'),
    ('MOT17', 10, 30, 1920, 1080, 654, True, 'train'),
    ('MOT17', 11, 30, 1920, 1080, 900, True, 'train'),
    ('MOT17', 12, 30, 1920, 1080, 900, True, 'test'),
    ('MOT17', 13, 25, 1920, 1080, 750, True, 'train'),
    ('MOT17', 14, 25, 1920, 1080, 750, True, 'test'),
    ('MOT20', 1, 25, 1920, 1080, 429, False, 'train'),
    ('MOT20', 2, 25, 1920, 1080, 2782, False, 'train'),
    ('MOT20', 3, 25, 1173, 880, 2405, False, 'train'),
    ('MOT20', 4, 25, 1545, 1080, 2080, False, 'test'),
    ('MOT20', 5, 25, 1654, 1080, 3315, False, 'train'),
    ('MOT20', 6, 25, 1920, 734, 1008, False, 'test'),
    ('MOT20', 7, 25, 1920, 1080, 585, False, 'test'),
    ('MOT20', 8, 25, 1920, 734, 806, False, 'test'),
)


def _seqs(benchmark: str, split: str) -> Tuple[BenchmarkSequence, ...]:
    family = 'MOT20' if benchmark == 'MOT20' else 'MOT17'
    return tuple(
        BenchmarkSequence(f'{benchmark}-{n:02d}', *values)
        for fam, n, *values, in_split in _VIDEOS
        if fam == family and in_split == split)


#: The training sequences of MOT16, MOT17 (the same videos) and MOT20.
BENCHMARK_SEQUENCES: Dict[str, Tuple[BenchmarkSequence, ...]] = {
    b: _seqs(b, 'train')
    for b in ('MOT16', 'MOT17', 'MOT20')
}
#: The test sequences (no ground truth) of MOT16, MOT17 and MOT20.
BENCHMARK_TEST_SEQUENCES: Dict[str, Tuple[BenchmarkSequence, ...]] = {
    b: _seqs(b, 'test')
    for b in ('MOT16', 'MOT17', 'MOT20')
}
#: MOT17's three copies of every video, one per public detector.
MOT17_DETECTORS = ('DPM', 'FRCNN', 'SDP')


# DanceTrack (Sun et al., CVPR 2022) and SportsMOT (Cui et al., ICCV 2023):
# MOT17's folder layout and gt.txt columns (``frame, id, x, y, w, h, 1, 1,
# 1``: one class, no distractors, no zero-marked rows), split folders
# ``train``, ``val`` and ``test`` (no ground truth). DanceTrack's frames are
# ``%08d.jpg`` (``imExt`` .jpg), SportsMOT's ``%06d.jpg``; SportsMOT's
# identities start at 0.
#: Split folders of DanceTrack and SportsMOT (``val`` has ground truth).
MOT_FORMAT_SPLITS = ('train', 'val', 'test')
#: ``frameRate`` of every ``seqinfo.ini`` of the benchmark (DanceTrack: 20
#: fps for all 100 videos; SportsMOT: 720p clips at 25 fps).
BENCHMARK_FRAME_RATES: Dict[str, float] = dict(
    MOT16=30, MOT17=30, MOT20=25, DanceTrack=20, SportsMOT=25)
_DANCETRACK_SPLITS = dict(
    train=(
        1, 2, 6, 8, 12, 15, 16, 20, 23, 24, 27, 29, 32, 33, 37, 39, 44, 45, 49,
        51, 52, 53, 55, 57, 61, 62, 66, 68, 69, 72, 74, 75, 80, 82, 83, 86, 87,
        96, 98, 99),
    val=(
        4, 5, 7, 10, 14, 18, 19, 25, 26, 30, 34, 35, 41, 43, 47, 58, 63, 65,
        73, 77, 79, 81, 90, 94, 97))
_DANCETRACK_SPLITS['test'] = tuple(
    sorted(set(range(1, 101)) - set(_DANCETRACK_SPLITS['train']) -
           set(_DANCETRACK_SPLITS['val'])))
#: DanceTrack's sequence names per split (its ``*_seqmap.txt``): 40
#: training, 25 validation and 35 test videos ``dancetrack0001`` ..
#: ``dancetrack0100``. Image sizes and lengths differ between videos and
#: are read from each ``seqinfo.ini``.
DANCETRACK_SEQUENCES: Dict[str, Tuple[str, ...]] = {
    split: tuple(f'dancetrack{n:04d}' for n in numbers)
    for split, numbers in _DANCETRACK_SPLITS.items()
}
_SPORTSMOT = dict(
    train=(
        ('-6Os86HzwCs_c001', 825), ('-6Os86HzwCs_c003', 403),
        ('-6Os86HzwCs_c007', 550), ('-6Os86HzwCs_c009', 500),
        ('1LwtoLPw2TU_c006', 286), ('1LwtoLPw2TU_c012', 250),
        ('1LwtoLPw2TU_c014', 544), ('1LwtoLPw2TU_c016', 295),
        ('1yHWGw8DH4A_c029', 725), ('1yHWGw8DH4A_c047', 537),
        ('1yHWGw8DH4A_c077', 1197), ('1yHWGw8DH4A_c601', 552),
        ('1yHWGw8DH4A_c609', 500), ('1yHWGw8DH4A_c610', 535),
        ('2j7kLB-vEEk_c001', 826), ('2j7kLB-vEEk_c002', 1176),
        ('2j7kLB-vEEk_c005', 1197), ('2j7kLB-vEEk_c007', 726),
        ('2j7kLB-vEEk_c009', 1825), ('2j7kLB-vEEk_c010', 651),
        ('4LXTUim5anY_c002', 876), ('4LXTUim5anY_c003', 702),
        ('4LXTUim5anY_c010', 526), ('4LXTUim5anY_c012', 875),
        ('4LXTUim5anY_c013', 726), ('ApPxnw_Jffg_c001', 235),
        ('ApPxnw_Jffg_c002', 250), ('ApPxnw_Jffg_c009', 575),
        ('ApPxnw_Jffg_c015', 246), ('ApPxnw_Jffg_c016', 352),
        ('CW0mQbgYIF4_c004', 383), ('CW0mQbgYIF4_c005', 465),
        ('CW0mQbgYIF4_c006', 243), ('Dk3EpDDa3o0_c002', 239),
        ('Dk3EpDDa3o0_c007', 442), ('HdiyOtliFiw_c003', 775),
        ('HdiyOtliFiw_c004', 1025), ('HdiyOtliFiw_c008', 549),
        ('HdiyOtliFiw_c010', 892), ('HdiyOtliFiw_c602', 475),
        ('dChHNGIfm4Y_c003', 272), ('gQNyhv8y0QY_c003', 700),
        ('gQNyhv8y0QY_c012', 1325), ('gQNyhv8y0QY_c013', 875),
        ('iIxMOsCGH58_c013', 451)),
    val=(
        ('00HRwkvvjtQ_c001', 1162), ('00HRwkvvjtQ_c003', 1161),
        ('00HRwkvvjtQ_c005', 594), ('00HRwkvvjtQ_c007', 707),
        ('00HRwkvvjtQ_c008', 972), ('00HRwkvvjtQ_c011', 734),
        ('0kUtTtmLaJA_c004', 542), ('0kUtTtmLaJA_c005', 349),
        ('0kUtTtmLaJA_c006', 346), ('0kUtTtmLaJA_c007', 271),
        ('0kUtTtmLaJA_c008', 266), ('0kUtTtmLaJA_c010', 270),
        ('2QhNRucNC7E_c017', 450), ('4-EmEtrturE_c009', 250),
        ('4r8QL_wglzQ_c001', 886), ('5ekaksddqrc_c001', 550),
        ('5ekaksddqrc_c002', 632), ('5ekaksddqrc_c003', 1215),
        ('5ekaksddqrc_c004', 824), ('5ekaksddqrc_c005', 1000),
        ('9MHDmAMxO5I_c002', 239), ('9MHDmAMxO5I_c003', 226),
        ('9MHDmAMxO5I_c004', 455), ('9MHDmAMxO5I_c006', 269),
        ('9MHDmAMxO5I_c009', 507), ('BgwzTUxJaeU_c008', 500),
        ('BgwzTUxJaeU_c012', 620), ('BgwzTUxJaeU_c014', 1000),
        ('G-vNjfx1GGc_c004', 675), ('G-vNjfx1GGc_c008', 480),
        ('G-vNjfx1GGc_c600', 500), ('G-vNjfx1GGc_c601', 481),
        ('ITo3sCnpw_k_c007', 701), ('ITo3sCnpw_k_c010', 560),
        ('ITo3sCnpw_k_c011', 776), ('ITo3sCnpw_k_c012', 850),
        ('cC2mHWqMcjk_c007', 681), ('cC2mHWqMcjk_c008', 259),
        ('cC2mHWqMcjk_c009', 425), ('dw7LOz17Omg_c053', 550),
        ('dw7LOz17Omg_c067', 450), ('i2_L4qquVg0_c006', 888),
        ('i2_L4qquVg0_c007', 451), ('i2_L4qquVg0_c009', 488),
        ('i2_L4qquVg0_c010', 758)))
#: SportsMOT's training and validation sequences with their
#: ``seqinfo.ini`` (every one 1280x720 at 25 fps; the 150 test clips are
#: listed in the download's ``splits_txt/test.txt``). Camera: the clips
#: follow the play (broadcast footage), so all count as moving.
SPORTSMOT_SEQUENCES: Dict[str, Tuple[BenchmarkSequence, ...]] = {
    split: tuple(
        BenchmarkSequence(f'v_{name}', 25, 1280, 720, length, True)
        for name, length in rows)
    for split, rows in _SPORTSMOT.items()
}


def check_benchmark(benchmark: str) -> None:
    """Raise ``ValueError`` unless ``benchmark`` is in :data:`BENCHMARKS`.

    Args:
        benchmark (str): Benchmark name.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(
            f'benchmark must be one of {BENCHMARKS}, got {benchmark!r}')


def distractor_classes(benchmark: str) -> List[int]:
    """Classes whose matched predictions the official evaluation drops.

    Args:
        benchmark (str): Benchmark name.

    Returns:
        list[int]: Class numbers (1-based) of
        :data:`DISTRACTOR_CLASSES`; empty for MOT15 (no classes).
    """
    check_benchmark(benchmark)
    return list(DISTRACTOR_CLASSES[benchmark])
