"""The MOTChallenge row files: the one module that parses and formats them.

Every other part of mmmtl (the converter, the synthetic generator, the video
sinks, the metric and the offline evaluator) goes through this module; none
formats or parses a row itself. The benchmarks' classes and sequences are in
:mod:`mmmtl.formats.benchmarks`, ``seqinfo.ini`` in
:mod:`mmmtl.formats.seqinfo` and TrackEval's folder layout in
:mod:`mmmtl.formats.trackeval_layout`.

Formats (one row per box, comma separated, 1-based frame numbers, boxes as
top-left corner, width and height in pixels):

* ground truth ``gt/gt.txt`` of MOT16/17/20, 9 columns
  ``frame, id, x, y, w, h, conf, class, visibility``; ``conf`` is 1 for
  boxes that count and 0 for boxes to ignore ("zero-marked"), ``class``
  one of the 13 MOT classes (:data:`~mmmtl.formats.MOT_CLASSES`; the
  distractors of each benchmark are in
  :data:`~mmmtl.formats.DISTRACTOR_CLASSES`) and ``visibility`` in
  ``[0, 1]``;
* ground truth of MOT15 (2D), 10 columns
  ``frame, id, x, y, w, h, conf, wx, wy, wz``; read as pedestrians with
  visibility 1 (MOT15 has no classes);
* public detections ``det/det.txt``, 10 columns
  ``frame, -1, x, y, w, h, score, -1, -1, -1`` (the score may be negative,
  e.g. DPM's);
* tracking results, 7 to 10 columns ``frame, id, x, y, w, h, conf[, class,
  -1, -1]``; an 8th column, when present, is the class and may not exceed
  1 (TrackEval rejects non-pedestrian predictions).

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
import contextlib
import os
import os.path as osp
import warnings
from dataclasses import dataclass
from typing import IO, Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .benchmarks import MOT_CLASSES, check_benchmark

__all__ = [
    'DET_FIELDS', 'GT_FIELDS', 'RESULT_FIELDS', 'MOTFormatError',
    'MOTSequence', 'check_mot_gt', 'format_mot_results', 'format_number',
    'read_mot_class_results', 'read_mot_det', 'read_mot_gt',
    'read_mot_results', 'tracks_to_rows', 'write_mot_class_results',
    'write_mot_det', 'write_mot_gt', 'write_mot_results'
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


def _check_unique(values: np.ndarray,
                  chk: _RowChecker,
                  cols: Sequence[int] = (0, 1),
                  scope: str = '') -> None:
    """One identity may appear at most once per frame (per key ``cols``:
    frame and identity, plus the class of a multi-class file)."""
    idx = np.flatnonzero(~chk.bad)
    if len(idx) == 0:
        return
    # exact integer keys: frame * 2**32 + id in float64 rounds large ids
    # together and reported duplicates that were not in the file
    keys = values[idx][:, list(cols)].astype(np.int64)
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
            f'{int(values[i, 0])}{scope} (first at line {chk.line_nos[j]})')


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
    _check_unique(values, chk, (0, 7, 1), ' within its class')
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
def open_new(path: str) -> Iterator[IO[str]]:
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
    with open_new(path) as f:
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
    with open_new(path) as f:
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

