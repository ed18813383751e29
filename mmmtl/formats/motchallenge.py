"""The MOTChallenge file formats: the one module that reads and writes them.

Every other part of mmmtl (the converter, the synthetic generator, the video
sinks, the metric and the offline evaluator) goes through this module; none
formats or parses a row itself.

Formats (one row per box, comma separated, 1-based frame numbers, boxes as
top-left corner, width and height in pixels):

* ground truth ``gt/gt.txt`` of MOT16/17/20, 9 columns
  ``frame, id, x, y, w, h, conf, class, visibility``; ``conf`` is 1 for
  boxes that count and 0 for boxes to ignore ("zero-marked"), ``class``
  one of the 13 MOT classes (:data:`MOT_CLASSES`; the distractors of each
  benchmark are in :data:`DISTRACTOR_CLASSES`) and ``visibility`` in
  ``[0, 1]``;
* ground truth of MOT15 (2D), 10 columns
  ``frame, id, x, y, w, h, conf, wx, wy, wz``; read as pedestrians with
  visibility 1 (MOT15 has no classes);
* public detections ``det/det.txt``, 10 columns
  ``frame, -1, x, y, w, h, score, -1, -1, -1`` (the score may be negative,
  e.g. DPM's);
* tracking results, 7 to 10 columns ``frame, id, x, y, w, h, conf[, class,
  -1, -1]``; an 8th column, when present, is the class and may not exceed
  1 (TrackEval rejects non-pedestrian predictions);
* ``seqinfo.ini`` with a ``[Sequence]`` section;
* the folder layout TrackEval's ``MotChallenge2DBox`` reads
  (:func:`write_trackeval_layout`).

Every malformed row raises :class:`MOTFormatError` naming the file and the
line: wrong column count, text in a number column, NaN or infinity, a
fractional or out-of-range frame number, a negative or fractional identity,
zero or negative width/height, a ground-truth ``conf`` other than 0/1, an
unknown class, a visibility outside ``[0, 1]``, one identity twice in one
frame, or a frame beyond the sequence length. With ``on_invalid='warn'``
the rows that fail a per-row check are skipped with one warning per file
that lists the lines (a duplicate identity keeps its first row); a file
that cannot be read as a table (wrong column count) always raises.
Blank lines are ignored.

Numbers are written exactly: integral values as integers, others in the
shortest form that reads back as the same float, unless a number of
decimals is asked for.
"""
import configparser
import contextlib
import os
import os.path as osp
import warnings
from dataclasses import dataclass
from typing import (
    IO,
    Any,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
)

import numpy as np

__all__ = [
    'BENCHMARK_FRAME_RATES', 'BENCHMARK_SEQUENCES',
    'BENCHMARK_TEST_SEQUENCES', 'BenchmarkSequence', 'DANCETRACK_SEQUENCES',
    'MOT_FORMAT_SPLITS', 'SPORTSMOT_SEQUENCES',
    'MOT17_DETECTORS',
    'BENCHMARKS', 'DET_FIELDS', 'DISTRACTOR_CLASSES', 'DISTRACTOR_NAMES',
    'GT_FIELDS', 'MOT_CLASSES', 'PEDESTRIAN', 'RESULT_FIELDS',
    'MOTFormatError', 'MOTSequence', 'SeqInfo', 'TrackEvalLayout',
    'check_benchmark', 'check_mot_gt', 'distractor_classes',
    'format_mot_results', 'format_number', 'frame_file_name',
    'read_mot_class_results', 'read_mot_det', 'read_mot_gt',
    'read_mot_results', 'read_seqinfo', 'write_mot_class_results',
    'read_seqinfo_section', 'tracks_to_rows', 'write_mot_det',
    'write_mot_gt', 'write_mot_results', 'write_seqinfo',
    'write_trackeval_layout'
]

#: Columns of the canonical ground-truth array returned by
#: :func:`read_mot_gt`.
GT_FIELDS = ('frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'class',
             'visibility')
#: Columns of the canonical result array returned by
#: :func:`read_mot_results`.
RESULT_FIELDS = ('frame', 'id', 'x', 'y', 'w', 'h', 'conf')
#: Columns of the canonical detection array returned by
#: :func:`read_mot_det` (``id`` is -1).
DET_FIELDS = RESULT_FIELDS
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


def _seqs(prefix: str, rows) -> Tuple[BenchmarkSequence, ...]:
    return tuple(
        BenchmarkSequence(f'{prefix}-{n:02d}', *r) for n, *r in rows)


_MOT17_TRAIN = ((2, 30, 1920, 1080, 600, False),
                (4, 30, 1920, 1080, 1050, False),
                (5, 14, 640, 480, 837, True),
                (9, 30, 1920, 1080, 525, False),
                (10, 30, 1920, 1080, 654, True),
                (11, 30, 1920, 1080, 900, True),
                (13, 25, 1920, 1080, 750, True))
#: The training sequences of MOT16, MOT17 (the same videos) and MOT20.
BENCHMARK_SEQUENCES: Dict[str, Tuple[BenchmarkSequence, ...]] = dict(
    MOT16=_seqs('MOT16', _MOT17_TRAIN),
    MOT17=_seqs('MOT17', _MOT17_TRAIN),
    MOT20=_seqs('MOT20', ((1, 25, 1920, 1080, 429, False),
                          (2, 25, 1920, 1080, 2782, False),
                          (3, 25, 1173, 880, 2405, False),
                          (5, 25, 1654, 1080, 3315, False))))
_MOT17_TEST = ((1, 30, 1920, 1080, 450, False),
               (3, 30, 1920, 1080, 1500, False),
               (6, 14, 640, 480, 1194, True),
               (7, 30, 1920, 1080, 500, True),
               (8, 30, 1920, 1080, 625, False),
               (12, 30, 1920, 1080, 900, True),
               (14, 25, 1920, 1080, 750, True))
#: The test sequences (no ground truth) of MOT16, MOT17 and MOT20.
BENCHMARK_TEST_SEQUENCES: Dict[str, Tuple[BenchmarkSequence, ...]] = dict(
    MOT16=_seqs('MOT16', _MOT17_TEST),
    MOT17=_seqs('MOT17', _MOT17_TEST),
    MOT20=_seqs('MOT20', ((4, 25, 1545, 1080, 2080, False),
                          (6, 25, 1920, 734, 1008, False),
                          (7, 25, 1920, 1080, 585, False),
                          (8, 25, 1920, 734, 806, False))))
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


def frame_file_name(frame: int, ext: str = '.jpg', digits: int = 6) -> str:
    """Image file name of a 1-based frame number: ``000001.jpg``
    (DanceTrack: ``digits=8``, ``00000001.jpg``)."""
    return f'{int(frame):0{int(digits)}d}{ext}'


def format_number(value: float, decimals: Optional[int] = None) -> str:
    """One number of a MOTChallenge row.

    Args:
        value (float): The number.
        decimals (int, optional): Fixed number of decimals. Defaults to
            None: an integral value as an integer (``12``), any other in
            the shortest form that reads back as the same float.

    Returns:
        str: The text.
    """
    value = float(value)
    if decimals is not None:
        return f'{value:.{decimals}f}'
    if value.is_integer():
        return str(int(value))
    return repr(value)


class MOTFormatError(ValueError):
    """A MOTChallenge file that cannot be read without guessing."""


@dataclass(frozen=True)
class SeqInfo:
    """The ``[Sequence]`` section of a MOTChallenge ``seqinfo.ini``.

    Attributes:
        name (str): Sequence name.
        im_dir (str): Image folder inside the sequence folder.
        frame_rate (float): Frames per second.
        seq_length (int): Number of frames T.
        im_width (int, optional): Image width.
        im_height (int, optional): Image height.
        im_ext (str): Image file extension, e.g. ``'.jpg'``.
    """
    name: str
    seq_length: int
    im_dir: str = 'img1'
    frame_rate: float = 30.0
    im_width: Optional[int] = None
    im_height: Optional[int] = None
    im_ext: str = '.jpg'


def read_seqinfo_section(path: str) -> Dict[str, str]:
    """The raw ``[Sequence]`` section of a ``seqinfo.ini``.

    For readers that need only some keys (e.g. the frame rate of a frame
    folder); :func:`read_seqinfo` checks the whole section.

    Args:
        path (str): The file, or the sequence folder that holds it.

    Returns:
        dict[str, str]: The section's keys (camelCase) and values.

    Raises:
        MOTFormatError: If the file is missing, is not an ini file or has
            no ``[Sequence]`` section.
    """
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')
    if not osp.isfile(path):
        raise MOTFormatError(f'{path}: seqinfo.ini not found')
    parser = configparser.ConfigParser()
    parser.optionxform = str  # MOT's keys are camelCase
    try:
        parser.read(path, encoding='utf-8')
    except configparser.Error as e:
        raise MOTFormatError(f'{path}: not an ini file ({e})') from e
    if 'Sequence' not in parser:
        raise MOTFormatError(f'{path}: no [Sequence] section')
    return {k: v.strip() for k, v in parser['Sequence'].items()}


def read_seqinfo(path: str, expected_name: Optional[str] = None) -> SeqInfo:
    """Read and check a ``seqinfo.ini``.

    ``name``, ``imDir``, ``frameRate`` and ``seqLength`` are required;
    ``imWidth`` and ``imHeight`` may be missing (None), ``imExt``
    defaults to ``'.jpg'``.

    Args:
        path (str): The file, or the sequence folder that holds it.
        expected_name (str, optional): If given, ``name`` must equal it
            (the sequence folder's name). Defaults to None.

    Returns:
        SeqInfo: The parsed section.

    Raises:
        MOTFormatError: If the file is missing, has no ``[Sequence]``
            section, misses a key or holds a value of the wrong type.
    """
    sec = read_seqinfo_section(path)
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')

    required = object()

    def get(key: str, cast, default=required):
        if key not in sec:
            if default is not required:
                return default
            raise MOTFormatError(f'{path}: [Sequence] has no key {key!r}')
        try:
            value = cast(sec[key])
        except ValueError as e:
            raise MOTFormatError(
                f'{path}: [Sequence] {key}={sec[key]!r} is not a valid '
                f'{cast.__name__}') from e
        return value

    info = SeqInfo(
        name=get('name', str),
        im_dir=get('imDir', str),
        frame_rate=get('frameRate', float),
        seq_length=get('seqLength', int),
        im_width=get('imWidth', int, None),
        im_height=get('imHeight', int, None),
        im_ext=get('imExt', str, '.jpg'))
    for key, value in (('seqLength', info.seq_length),
                       ('imWidth', info.im_width),
                       ('imHeight', info.im_height),
                       ('frameRate', info.frame_rate)):
        if value is not None and not value > 0:
            raise MOTFormatError(
                f'{path}: [Sequence] {key}={value} must be positive')
    if expected_name is not None and info.name != expected_name:
        raise MOTFormatError(
            f'{path}: [Sequence] name={info.name!r} differs from the '
            f'sequence folder {expected_name!r}')
    return info


def _read_table(path: str, ncols: Tuple[int, ...],
                what: str) -> Tuple[np.ndarray, np.ndarray, int]:
    """Read a comma-separated numeric table.

    Returns:
        tuple: ``(values, line_numbers, width)``: a ``(N, C)`` float64
        array of the first ``C = min(ncols)`` columns, the ``(N, )``
        1-based line number of each row and the column count ``width`` of
        the file's rows.
    """
    if not osp.isfile(path):
        raise MOTFormatError(f'{path}: {what} file not found')
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    rows, line_nos = [], []
    width = None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split(',')
        n = len(parts)
        if n not in ncols:
            expect = ' or '.join(str(c) for c in ncols)
            raise MOTFormatError(
                f'{path}:{i}: expected {expect} comma-separated columns in '
                f'a {what} file, got {n}: {line!r}')
        if width is None:
            width = n
        elif n != width:
            raise MOTFormatError(
                f'{path}:{i}: {n} columns, but earlier rows have {width}')
        rows.append(parts)
        line_nos.append(i)
    keep = min(ncols) if width is None else width
    if not rows:
        return np.zeros((0, keep)), np.zeros(0, np.int64), keep
    try:
        values = np.array(rows, dtype=np.float64)
    except ValueError:
        # Slow path only to name the offending line and column.
        for parts, i in zip(rows, line_nos):
            for c, tok in enumerate(parts, 1):
                try:
                    float(tok)
                except ValueError:
                    raise MOTFormatError(
                        f'{path}:{i}: column {c} is not a number: '
                        f'{tok!r}') from None
        raise
    return values, np.asarray(line_nos, np.int64), width


class _RowChecker:
    """Collects rows that fail a check; raises or warns and drops them."""

    def __init__(self, path: str, line_nos: np.ndarray, on_invalid: str):
        if on_invalid not in ('error', 'warn'):
            raise ValueError(
                f"on_invalid must be 'error' or 'warn', got {on_invalid!r}")
        self.path = path
        self.line_nos = line_nos
        self.on_invalid = on_invalid
        self.bad = np.zeros(len(line_nos), bool)
        self.reasons: List[str] = []

    def check(self, bad: np.ndarray, reason: str) -> None:
        bad = bad & ~self.bad
        if not bad.any():
            return
        first = int(np.flatnonzero(bad)[0])
        if self.on_invalid == 'error':
            raise MOTFormatError(
                f'{self.path}:{self.line_nos[first]}: {reason}')
        lines = ', '.join(str(n) for n in self.line_nos[bad][:10])
        more = ' ...' if bad.sum() > 10 else ''
        self.reasons.append(f'{reason} (lines {lines}{more})')
        self.bad |= bad

    def keep(self) -> np.ndarray:
        if self.reasons:
            warnings.warn(
                f'{self.path}: skipped {int(self.bad.sum())} invalid '
                'row(s): ' + '; '.join(self.reasons))
        return ~self.bad


def _check_common(values: np.ndarray, chk: _RowChecker,
                  seq_length: Optional[int], with_ids: bool = True) -> None:
    """Checks shared by all row files (columns 0-5).

    ``with_ids=False`` checks a detection file, whose identities are -1.
    """
    chk.check(~np.isfinite(values).all(1), 'NaN or infinite value')
    frame, ids = values[:, 0], values[:, 1]
    chk.check(frame != np.round(frame), 'frame number is not an integer')
    chk.check(frame < 1, 'frame number must be >= 1')
    if seq_length is not None:
        chk.check(frame > seq_length,
                  f'frame number exceeds the sequence length {seq_length}')
    if with_ids:
        chk.check(ids != np.round(ids), 'identity is not an integer')
        chk.check(ids < 0, 'identity must be >= 0')
        # beyond 2**53 float64 (and so TrackEval and motmetrics, which
        # read ids as floats) merges neighbouring identities
        chk.check(ids >= _MAX_EXACT_ID,
                  'identity is 2**53 (9007199254740992) or more; such '
                  'identities cannot be told apart exactly by the '
                  'evaluation (ids are read as floats): renumber them')
    else:
        chk.check(ids != -1, 'a detection has identity -1')
    chk.check((values[:, 4] <= 0) | (values[:, 5] <= 0),
              'box width and height must be positive')


#: Identities from here on are not exact in float64.
_MAX_EXACT_ID = 2.0**53


def _check_unique(values: np.ndarray, chk: _RowChecker) -> None:
    """One identity may appear at most once per frame."""
    ok = ~chk.bad
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return
    # exact integer keys: frame * 2**32 + id in float64 rounds large ids
    # together and reported duplicates that were not in the file
    keys = values[idx, :2].astype(np.int64)
    _, first, inverse = np.unique(
        keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    dup = np.zeros(len(values), bool)
    dup[idx] = np.arange(len(idx)) != first[inverse]
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        j = int(idx[first[inverse[np.searchsorted(idx, i)]]])
        chk.check(
            dup, f'identity {int(values[i, 1])} appears twice in frame '
            f'{int(values[i, 0])} (first at line {chk.line_nos[j]})')


def read_mot_gt(path: str,
                seq_length: Optional[int] = None,
                benchmark: str = 'MOT17',
                on_invalid: str = 'error') -> np.ndarray:
    """Read a MOTChallenge ground-truth file.

    Args:
        path (str): ``gt.txt`` with 9 (MOT16/17/20) or 10 (MOT15) columns.
        seq_length (int, optional): Number of frames T; rows beyond it are
            invalid. Defaults to None (unchecked).
        benchmark (str): Benchmark name; the 10-column MOT15 layout is
            only read for ``'MOT15'`` (elsewhere its world-coordinate
            column would be taken for the class). Defaults to ``'MOT17'``.
        on_invalid (str): ``'error'`` raises :class:`MOTFormatError` at the
            first invalid row; ``'warn'`` skips invalid rows with a warning.
            Defaults to ``'error'``.

    Returns:
        np.ndarray: ``(N, 9)`` float64 rows in :data:`GT_FIELDS` order.
        MOT15 rows get class 1 and visibility 1.
    """
    check_benchmark(benchmark)
    ncols = (9, 10) if benchmark == 'MOT15' else (9, )
    values, line_nos, width = _read_table(path, ncols, 'ground-truth')
    if width == 10:  # MOT15: conf, then world coordinates; no classes
        values = np.concatenate(
            [values[:, :7], np.ones((len(values), 2))], axis=1)
    chk = _RowChecker(path, line_nos, on_invalid)
    _check_gt(values, chk, seq_length, benchmark)
    return values[chk.keep()]


def _check_gt(values: np.ndarray, chk: _RowChecker,
              seq_length: Optional[int], benchmark: str) -> None:
    _check_common(values, chk, seq_length)
    chk.check(~np.isin(values[:, 6], (0, 1)),
              'ground-truth conf must be 0 (ignore) or 1 (count)')
    if benchmark != 'MOT15':
        chk.check(
            ~np.isin(values[:, 7], np.arange(1, len(MOT_CLASSES) + 1)),
            f'class must be an integer in 1..{len(MOT_CLASSES)}')
    vis = values[:, 8]
    chk.check((vis < 0) | (vis > 1), 'visibility must be in [0, 1]')
    _check_unique(values, chk)


def check_mot_gt(rows: np.ndarray,
                 source: str,
                 seq_length: Optional[int] = None,
                 benchmark: str = 'MOT17') -> np.ndarray:
    """Check ground-truth rows held in memory as :func:`read_mot_gt` does.

    Args:
        rows (np.ndarray): ``(N, 9)`` rows in :data:`GT_FIELDS` order.
        source (str): Where the rows come from, for the error message
            (``'<source>:<row>: <reason>'``, rows numbered from 1).
        seq_length (int, optional): Number of frames T. Defaults to None.
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.

    Returns:
        np.ndarray: The rows as a ``(N, 9)`` float64 array.

    Raises:
        MOTFormatError: At the first invalid row.
    """
    check_benchmark(benchmark)
    values = np.asarray(rows, np.float64).reshape(-1, 9)
    chk = _RowChecker(source, np.arange(1, len(values) + 1), 'error')
    _check_gt(values, chk, seq_length, benchmark)
    return values


def read_mot_results(path: str,
                     seq_length: Optional[int] = None,
                     on_invalid: str = 'error') -> np.ndarray:
    """Read a MOTChallenge tracking result file.

    Args:
        path (str): ``<SEQ>.txt`` with 7 to 10 columns.
        seq_length (int, optional): Number of frames T; rows beyond it are
            invalid. Defaults to None (unchecked).
        on_invalid (str): ``'error'`` or ``'warn'``, see
            :func:`read_mot_gt`. Defaults to ``'error'``.

    Returns:
        np.ndarray: ``(N, 7)`` float64 rows in :data:`RESULT_FIELDS`
        order.
    """
    values, line_nos, width = _read_table(path, (7, 8, 9, 10),
                                          'tracking result')
    chk = _RowChecker(path, line_nos, on_invalid)
    _check_common(values[:, :7], chk, seq_length)
    if width >= 8:
        chk.check(values[:, 7] > 1,
                  'class column (8th) > 1: only pedestrians (1 or -1) '
                  'can be evaluated')
    _check_unique(values, chk)
    return values[chk.keep(), :7]


def read_mot_class_results(path: str,
                           seq_length: Optional[int] = None,
                           on_invalid: str = 'error'
                           ) -> Tuple[np.ndarray, np.ndarray]:
    """Read a multi-class result file (8th column: the class).

    The layout of :func:`write_mot_class_results`: ``frame, id, x, y, w,
    h, conf, class, -1, -1`` with a class number >= 1 in every row.
    Identities are per class: one number may be used by a person and by a
    car (the tracker never links across classes), but not twice in one
    frame within a class.

    Args:
        path (str): ``<SEQ>.txt`` with 8 to 10 columns.
        seq_length (int, optional): Number of frames T. Defaults to None.
        on_invalid (str): ``'error'`` or ``'warn'``, see
            :func:`read_mot_gt`. Defaults to ``'error'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(N, 7)`` rows in
        :data:`RESULT_FIELDS` order and their ``(N, )`` int64 classes.
    """
    values, line_nos, _ = _read_table(path, (8, 9, 10),
                                      'multi-class tracking result')
    chk = _RowChecker(path, line_nos, on_invalid)
    _check_common(values[:, :7], chk, seq_length)
    cls = values[:, 7]
    chk.check((cls < 1) | (cls != np.round(cls)),
              'class column (8th) must be an integer >= 1')
    # one identity at most once per frame and class
    idx = np.flatnonzero(~chk.bad)
    _, first, inverse = np.unique(values[idx][:, [0, 7, 1]], axis=0,
                                  return_index=True, return_inverse=True)
    dup = np.zeros(len(values), bool)
    dup[idx] = np.arange(len(idx)) != first[inverse.reshape(-1)]
    chk.check(dup, 'identity appears twice in one frame within its class')
    keep = chk.keep()
    return values[keep, :7], values[keep, 7].astype(np.int64)


def write_mot_class_results(path: str,
                            rows: np.ndarray,
                            classes: np.ndarray,
                            decimals: Optional[int] = None) -> None:
    """Write multi-class tracking results, the class in the 8th column.

    ``frame, id, x, y, w, h, conf, class, -1, -1`` sorted by frame, class
    and identity. The MOTChallenge benchmarks accept class 1 only; this is
    the one-file form of several classes (TrackEval's multi-class
    benchmarks, e.g. KITTI, also keep the class in each row), read back by
    :func:`read_mot_class_results`. For the official MOTChallenge
    evaluation, each class is written on its own with
    :func:`write_mot_results`.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, 7)`` rows in :data:`RESULT_FIELDS` order.
        classes (np.ndarray): ``(N, )`` class numbers >= 1.
        decimals (int, optional): Decimals of boxes and scores. Defaults
            to None (exact).
    """
    rows = np.asarray(rows, np.float64).reshape(-1, 7)
    classes = np.asarray(classes, np.float64).reshape(-1)
    if len(classes) != len(rows) or (classes < 1).any() or (
            classes != np.round(classes)).any():
        raise ValueError(f'{path}: need one integer class >= 1 per row, '
                         f'got {len(classes)} for {len(rows)} rows')
    table = np.concatenate([rows, classes[:, None]], axis=1)
    table = table[np.lexsort((table[:, 1], table[:, 7], table[:, 0]))]
    with open(path, 'w') as f:
        f.write(_format_rows(table, (0, 1, 7), decimals, ',-1,-1'))


def read_mot_det(path: str,
                 seq_length: Optional[int] = None,
                 on_invalid: str = 'error') -> np.ndarray:
    """Read a MOTChallenge public detection file ``det/det.txt``.

    Args:
        path (str): ``det.txt`` with 7 to 10 columns, identity -1.
        seq_length (int, optional): Number of frames T; rows beyond it are
            invalid. Defaults to None (unchecked).
        on_invalid (str): ``'error'`` or ``'warn'``, see
            :func:`read_mot_gt`. Defaults to ``'error'``.

    Returns:
        np.ndarray: ``(N, 7)`` float64 rows in :data:`DET_FIELDS` order.
    """
    values, line_nos, _ = _read_table(path, (7, 8, 9, 10), 'detection')
    chk = _RowChecker(path, line_nos, on_invalid)
    _check_common(values[:, :7], chk, seq_length, with_ids=False)
    return values[chk.keep(), :7]


def _format_rows(rows: np.ndarray, int_cols: Sequence[int],
                 decimals: Optional[int], suffix: str = '') -> str:
    """Lines of rows; ``int_cols`` are written as integers."""
    ints = set(int_cols)
    return ''.join(','.join(
        str(int(v)) if c in ints else format_number(v, decimals)
        for c, v in enumerate(r)) + suffix + '\n' for r in rows)


@contextlib.contextmanager
def _open_new(path: str) -> Iterator[IO[str]]:
    """Open ``path`` for writing through a temporary name.

    The text goes to ``<root>.partial<ext>`` and replaces ``path`` only when
    the block ends without error, so an interrupted or failed write never
    leaves a truncated file under the final name (the rule of
    :mod:`mmmtl.utils.output_guard`, restated here because this module
    imports nothing else of mmmtl).
    """
    root, ext = osp.splitext(path)
    tmp = f'{root}.partial{ext}'
    try:
        with open(tmp, 'w') as f:
            yield f
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    os.replace(tmp, path)


def _write_rows(path: str, rows: np.ndarray, int_cols: Sequence[int],
                decimals: Optional[int], suffix: str = '') -> None:
    with _open_new(path) as f:
        f.write(_format_rows(rows, int_cols, decimals, suffix))


def format_mot_results(rows: np.ndarray,
                       decimals: Optional[int] = None) -> str:
    """Lines of the 10-column MOTChallenge result format, in row order.

    Args:
        rows (np.ndarray): ``(N, 7)`` rows in :data:`RESULT_FIELDS` order.
        decimals (int, optional): Decimals of boxes and scores. Defaults
            to None (exact).

    Returns:
        str: ``frame,id,x,y,w,h,conf,-1,-1,-1`` lines.
    """
    rows = np.asarray(rows, np.float64).reshape(-1, 7)
    return _format_rows(rows, (0, 1), decimals, ',-1,-1,-1')


def _sort_rows(rows: np.ndarray) -> np.ndarray:
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def write_mot_results(path: str,
                      rows: np.ndarray,
                      decimals: Optional[int] = None) -> None:
    """Write tracking results in the 10-column MOTChallenge format.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, 7)`` rows ``frame, id, x, y, w, h,
            conf``, written sorted by frame then identity.
        decimals (int, optional): Decimals of boxes and scores. Defaults
            to None: exact, so reading the file back gives the same floats.
    """
    rows = _sort_rows(np.asarray(rows, np.float64).reshape(-1, 7))
    with _open_new(path) as f:
        f.write(format_mot_results(rows, decimals))


def write_mot_det(path: str,
                  rows: np.ndarray,
                  decimals: Optional[int] = None) -> None:
    """Write public detections in the 10-column ``det.txt`` format.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, 7)`` rows ``frame, -1, x, y, w, h,
            score`` (the identity column is written as -1), sorted by
            frame (stable).
        decimals (int, optional): Decimals of boxes and scores. Defaults
            to None (exact).
    """
    rows = np.asarray(rows, np.float64).reshape(-1, 7).copy()
    rows = rows[np.argsort(rows[:, 0], kind='stable')]
    rows[:, 1] = -1
    _write_rows(path, rows, (0, 1), decimals, ',-1,-1,-1')


def write_mot_gt(path: str, rows: np.ndarray) -> None:
    """Write ground truth in the 9-column MOT16/17/20 format.

    Numbers are written exactly, so reading the file back gives the same
    floats.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, 9)`` rows in :data:`GT_FIELDS` order.
    """
    rows = np.asarray(rows, np.float64).reshape(-1, 9)
    _write_rows(path, rows, (0, 1, 6, 7), None)


def write_seqinfo(path: str, info: SeqInfo) -> None:
    """Write a ``seqinfo.ini`` that :func:`read_seqinfo` reads back.

    Keys are written in MOT17's order (mmdet's ``mot2coco.py`` reads them
    by line position).

    Args:
        path (str): Output file, or the sequence folder to write it into.
        info (SeqInfo): Section to write; image sizes that are None are
            left out.
    """
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')
    lines = ['[Sequence]', f'name={info.name}', f'imDir={info.im_dir}',
             f'frameRate={info.frame_rate:g}',
             f'seqLength={int(info.seq_length)}']
    if info.im_width is not None:
        lines.append(f'imWidth={int(info.im_width)}')
    if info.im_height is not None:
        lines.append(f'imHeight={int(info.im_height)}')
    lines.append(f'imExt={info.im_ext}')
    with _open_new(path) as f:
        f.write('\n'.join(lines) + '\n')


def tracks_to_rows(frame: int, ids: Any, bboxes: Any,
                   scores: Any) -> np.ndarray:
    """Result rows of one frame from a tracker's output.

    Args:
        frame (int): 1-based frame number.
        ids (array-like): ``(N, )`` track identities.
        bboxes (array-like): ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
        scores (array-like): ``(N, )`` scores.

    Returns:
        np.ndarray: ``(N, 7)`` float64 rows in :data:`RESULT_FIELDS`
        order.
    """
    bboxes = np.asarray(bboxes, np.float64).reshape(-1, 4)
    rows = np.empty((len(bboxes), 7))
    rows[:, 0] = frame
    rows[:, 1] = np.asarray(ids, np.float64).reshape(-1)
    rows[:, 2:4] = bboxes[:, :2]
    rows[:, 4:6] = bboxes[:, 2:] - bboxes[:, :2]
    rows[:, 6] = np.asarray(scores, np.float64).reshape(-1)
    return rows


@dataclass
class MOTSequence:
    """Validated ground truth and results of one sequence.

    Args:
        name (str): Sequence name.
        seq_length (int): Number of frames T.
        gt (np.ndarray): ``(G, 9)`` ground-truth rows
            (:data:`GT_FIELDS`).
        results (np.ndarray): ``(P, 7)`` result rows
            (:data:`RESULT_FIELDS`).
    """
    name: str
    seq_length: int
    gt: np.ndarray
    results: np.ndarray


@dataclass(frozen=True)
class TrackEvalLayout:
    """Folders and files of :func:`write_trackeval_layout`.

    TrackEval's ``MotChallenge2DBox`` reads them with ``GT_FOLDER``,
    ``TRACKERS_FOLDER``, ``TRACKERS_TO_EVAL=[tracker]``,
    ``TRACKER_SUB_FOLDER=''``, ``SKIP_SPLIT_FOL=True`` and
    ``SEQMAP_FILE`` (see :meth:`dataset_config`).

    Attributes:
        root (str): The output folder.
        gt_folder (str): ``<root>/gt``, one ``<SEQ>/gt/gt.txt`` and
            ``<SEQ>/seqinfo.ini`` per sequence.
        trackers_folder (str): ``<root>``.
        tracker (str): Name of the result folder ``<root>/<tracker>``.
        seqmap_file (str): ``<root>/seqmap.txt``.
    """
    root: str
    gt_folder: str
    trackers_folder: str
    tracker: str
    seqmap_file: str

    @property
    def results_folder(self) -> str:
        """``<root>/<tracker>``, one ``<SEQ>.txt`` per sequence."""
        return osp.join(self.trackers_folder, self.tracker)

    def dataset_config(self) -> Dict[str, Any]:
        """The keys of TrackEval's dataset config that locate the files."""
        return dict(
            GT_FOLDER=self.gt_folder,
            TRACKERS_FOLDER=self.trackers_folder,
            TRACKERS_TO_EVAL=[self.tracker],
            TRACKER_SUB_FOLDER='',
            SKIP_SPLIT_FOL=True,
            SEQMAP_FILE=self.seqmap_file,
            GT_LOC_FORMAT='{gt_folder}/{seq}/gt/gt.txt')


def _relabel(rows: np.ndarray) -> np.ndarray:
    """Copy with identities renumbered 1..K in order of first number."""
    rows = rows.copy()
    if len(rows):
        _, inverse = np.unique(rows[:, 1], return_inverse=True)
        rows[:, 1] = inverse + 1
    return rows


#: Identities above this are renumbered when written for TrackEval, which
#: allocates arrays as long as the largest identity.
MAX_TRACKEVAL_ID = 10**6


def _check_replaceable(folder: str, is_gt: bool) -> None:
    """Refuse to replace a folder this module did not write."""
    for name in os.listdir(folder):
        path = osp.join(folder, name)
        if is_gt:
            ours = (osp.isdir(path) and sorted(os.listdir(path))
                    == ['gt', 'seqinfo.ini']
                    and os.listdir(osp.join(path, 'gt')) == ['gt.txt'])
        else:
            ours = osp.isfile(path) and name.endswith('.txt')
        if not ours:
            raise FileExistsError(
                f'{folder} holds {name!r}, which was not written by an '
                'earlier evaluation; choose another output folder')


def write_trackeval_layout(root: str,
                           sequences: Sequence[MOTSequence],
                           benchmark: str = 'MOT17',
                           tracker: str = 'default-tracker',
                           decimals: Optional[int] = None) -> TrackEvalLayout:
    """Write sequences in the folder layout of TrackEval's MOTChallenge.

    ``<root>/gt/<SEQ>/{gt/gt.txt, seqinfo.ini}``, ``<root>/<tracker>/
    <SEQ>.txt`` and ``<root>/seqmap.txt``. The official evaluation runs on
    these files as they are (``trackeval/scripts/run_mot_challenge.py``
    with the arguments of :meth:`TrackEvalLayout.dataset_config`). An
    earlier ``<root>/<tracker>`` and ``<root>/gt`` are replaced, so no
    sequence of an earlier run is left beside the new ones.

    Args:
        root (str): Output folder.
        sequences (Sequence[MOTSequence]): Validated sequences, with
            distinct names.
        benchmark (str): Benchmark name; MOT15 ground truth is written
            with class and visibility -1 (it has no classes).
            Defaults to ``'MOT17'``.
        tracker (str): Name of the result folder.
            Defaults to ``'default-tracker'``.
        decimals (int, optional): Decimals of result boxes and scores.
            Defaults to None (exact).

    Returns:
        TrackEvalLayout: Where the files are.
    """
    import shutil

    check_benchmark(benchmark)
    names = [s.name for s in sequences]
    if len(set(names)) != len(names):
        raise ValueError(f'sequence names are not unique: {names}')
    layout = TrackEvalLayout(
        root=root,
        gt_folder=osp.join(root, 'gt'),
        trackers_folder=root,
        tracker=tracker,
        seqmap_file=osp.join(root, 'seqmap.txt'))
    for folder in (layout.gt_folder, layout.results_folder):
        if osp.isdir(folder):
            _check_replaceable(folder, folder == layout.gt_folder)
            shutil.rmtree(folder)
        os.makedirs(folder)
    for seq in sequences:
        gt, res = seq.gt, seq.results
        if len(gt) and gt[:, 1].max() > MAX_TRACKEVAL_ID:
            gt = _relabel(gt)
        if len(res) and res[:, 1].max() > MAX_TRACKEVAL_ID:
            res = _relabel(res)
        if benchmark == 'MOT15':
            gt = gt.copy()
            gt[:, 7:9] = -1
        seq_dir = osp.join(layout.gt_folder, seq.name)
        os.makedirs(osp.join(seq_dir, 'gt'))
        write_seqinfo(
            osp.join(seq_dir, 'seqinfo.ini'),
            SeqInfo(name=seq.name, seq_length=seq.seq_length))
        write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), gt)
        write_mot_results(
            osp.join(layout.results_folder, f'{seq.name}.txt'), res,
            decimals)
    with _open_new(layout.seqmap_file) as f:
        f.write('\n'.join(['name'] + names) + '\n')
    return layout
