"""Strict readers and writers of MOTChallenge text files.

Formats (one row per box, comma separated, 1-based frame numbers, boxes as
top-left corner, width and height in pixels):

* ground truth ``gt/gt.txt`` of MOT16/17/20, 9 columns
  ``frame, id, x, y, w, h, conf, class, visibility``; ``conf`` is 1 for
  boxes that count and 0 for boxes to ignore ("zero-marked"), ``class``
  one of the 13 MOT classes (1 = pedestrian, 2, 7, 8, 12 are distractors
  whose matched predictions are not counted as false positives) and
  ``visibility`` in ``[0, 1]``;
* ground truth of MOT15 (2D), 10 columns
  ``frame, id, x, y, w, h, conf, wx, wy, wz``; read as pedestrians with
  visibility 1 (MOT15 has no classes);
* tracking results, 7 to 10 columns ``frame, id, x, y, w, h, conf[, class,
  -1, -1]``; an 8th column, when present, is the class and may not exceed
  1 (TrackEval rejects non-pedestrian predictions);
* ``seqinfo.ini`` with a ``[Sequence]`` section.

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
"""
import configparser
import os.path as osp
import warnings
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

#: Columns of the canonical ground-truth array returned by
#: :func:`read_mot_gt`.
GT_FIELDS = ('frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'class',
             'visibility')
#: Columns of the canonical result array returned by
#: :func:`read_mot_results`.
RESULT_FIELDS = ('frame', 'id', 'x', 'y', 'w', 'h', 'conf')
#: The 13 MOTChallenge classes, numbered from 1.
MOT_CLASSES = ('pedestrian', 'person_on_vehicle', 'car', 'bicycle',
               'motorbike', 'non_mot_vehicle', 'static_person',
               'distractor', 'occluder', 'occluder_on_ground',
               'occluder_full', 'reflection', 'crowd')

#: Benchmarks whose ground-truth conventions are known.
BENCHMARKS = ('MOT15', 'MOT16', 'MOT17', 'MOT20')


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
        list[int]: Class numbers (1-based): person_on_vehicle,
        static_person, distractor, reflection, plus non_mot_vehicle for
        MOT20; empty for MOT15 (no classes).
    """
    check_benchmark(benchmark)
    if benchmark == 'MOT15':
        return []
    names = ['person_on_vehicle', 'static_person', 'distractor',
             'reflection']
    if benchmark == 'MOT20':
        names.append('non_mot_vehicle')
    return sorted(MOT_CLASSES.index(n) + 1 for n in names)


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
    sec = parser['Sequence']

    required = object()

    def get(key: str, cast, default=required):
        if key not in sec:
            if default is not required:
                return default
            raise MOTFormatError(f'{path}: [Sequence] has no key {key!r}')
        try:
            value = cast(sec[key].strip())
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
                  seq_length: Optional[int]) -> None:
    """Checks shared by ground truth and results (columns 0-5)."""
    chk.check(~np.isfinite(values).all(1), 'NaN or infinite value')
    frame, ids = values[:, 0], values[:, 1]
    chk.check(frame != np.round(frame), 'frame number is not an integer')
    chk.check(frame < 1, 'frame number must be >= 1')
    if seq_length is not None:
        chk.check(frame > seq_length,
                  f'frame number exceeds the sequence length {seq_length}')
    chk.check(ids != np.round(ids), 'identity is not an integer')
    chk.check(ids < 0, 'identity must be >= 0')
    chk.check((values[:, 4] <= 0) | (values[:, 5] <= 0),
              'box width and height must be positive')


def _check_unique(values: np.ndarray, chk: _RowChecker) -> None:
    """One identity may appear at most once per frame."""
    ok = ~chk.bad
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return
    keys = values[idx, 0] * (2.0**32) + values[idx, 1]
    _, first, inverse = np.unique(
        keys, return_index=True, return_inverse=True)
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
    return values[chk.keep()]


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


def write_mot_results(path: str,
                      rows: np.ndarray,
                      decimals: Optional[int] = None) -> None:
    """Write tracking results in the 10-column MOTChallenge format.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, 7)`` rows ``frame, id, x, y, w, h,
            conf``, written sorted by frame then identity.
        decimals (int, optional): Decimals of boxes and scores. Defaults
            to None: exact (shortest round-trip repr), so reading the file
            back gives the same floats.
    """
    rows = np.asarray(rows, np.float64).reshape(-1, 7)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    fmt = repr if decimals is None else (lambda v: f'{v:.{decimals}f}')
    with open(path, 'w') as f:
        for r in rows:
            vals = ','.join(fmt(float(v)) for v in r[2:7])
            f.write(f'{int(r[0])},{int(r[1])},{vals},-1,-1,-1\n')


def write_mot_gt(path: str, rows: np.ndarray) -> None:
    """Write ground truth in the 9-column MOT16/17/20 format.

    Coordinates are written exactly (shortest round-trip repr), so reading
    the file back gives the same floats.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, 9)`` rows in :data:`GT_FIELDS` order.
    """
    rows = np.asarray(rows, np.float64).reshape(-1, 9)
    with open(path, 'w') as f:
        for r in rows:
            x, y, w, h, vis = (repr(float(v)) for v in r[[2, 3, 4, 5, 8]])
            f.write(f'{int(r[0])},{int(r[1])},{x},{y},{w},{h},{int(r[6])},'
                    f'{int(r[7])},{vis}\n')


def write_seqinfo(path: str, info: SeqInfo) -> None:
    """Write a ``seqinfo.ini`` that :func:`read_seqinfo` reads back.

    Args:
        path (str): Output file.
        info (SeqInfo): Section to write; image sizes that are None are
            left out.
    """
    lines = ['[Sequence]', f'name={info.name}', f'imDir={info.im_dir}',
             f'frameRate={info.frame_rate:g}',
             f'seqLength={int(info.seq_length)}']
    if info.im_width is not None:
        lines.append(f'imWidth={int(info.im_width)}')
    if info.im_height is not None:
        lines.append(f'imHeight={int(info.im_height)}')
    lines.append(f'imExt={info.im_ext}')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
