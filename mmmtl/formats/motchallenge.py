"""The MOTChallenge row files: the one module that checks and formats them.

The comma-separated text is split into a table by
:mod:`mmmtl.formats.mot_table`. Every other part of mmmtl (the converter,
the synthetic generator, the video sinks, the metric and the offline
evaluator) goes through this module; none formats or parses a row itself.
The benchmarks' classes and sequences are in
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
fractional or out-of-range frame number, a negative or fractional identity
or one outside the 64-bit integers, zero or negative width/height, a
ground-truth ``conf`` other than 0/1, an unknown class, a visibility
outside ``[0, 1]``, one identity twice in one frame, or a frame beyond the
sequence length. With ``on_invalid='warn'`` the rows that fail a per-row
check are skipped with one warning per file that lists the lines (a
duplicate identity keeps its first row); a file that cannot be read as a
table (wrong column count) always raises. Blank lines are ignored.

Identities are parsed as integers, never through a float, so every check
on them (sign, duplicates) is exact for any 64-bit identity. The rows are
float64, which holds integers exactly only below 2**53: a reader called
with ``renumber_large_ids=True`` (the evaluation) numbers the identities
of a file that holds such an identity 1..K in increasing order
(:func:`dense_ids`, a 1-to-1 map, so no metric changes) and keeps every
other file's identities as written; without it an identity of 2**53 or
more is refused with its line rather than rounded.

Numbers are written exactly: integral values as integers, others in the
shortest form that reads back as the same float, unless a number of
decimals is asked for.
"""
import contextlib
import os
import os.path as osp
from dataclasses import dataclass
from typing import IO, Any, Iterator, Optional, Sequence, Tuple

import numpy as np

from .benchmarks import MOT_CLASSES, check_benchmark
from .mot_table import (
    _ID_FRACTION,
    _ID_OK,
    _ID_RANGE,
    MOTFormatError,
    _read_table,
    _RowChecker,
    _Table,
    dense_ids,
)

__all__ = [
    'DET_FIELDS', 'GT_FIELDS', 'RESULT_FIELDS', 'MOTFormatError',
    'MOTSequence', 'check_mot_gt', 'dense_ids', 'format_mot_results',
    'format_number',
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


def _check_common(table: _Table,
                  chk: _RowChecker,
                  seq_length: Optional[int],
                  with_ids: bool = True,
                  ncols: int = 7) -> None:
    """Checks shared by all row files (columns 0-5; NaN in ``ncols``).

    ``with_ids=False`` checks a detection file, whose identities are -1.
    """
    values, ids = table.values, table.ids
    chk.check(~np.isfinite(values[:, :ncols]).all(1),
              'NaN or infinite value')
    frame = values[:, 0]
    chk.check(frame != np.round(frame), 'frame number is not an integer')
    chk.check(frame < 1, 'frame number must be >= 1')
    if seq_length is not None:
        chk.check(frame > seq_length,
                  f'frame number exceeds the sequence length {seq_length}')
    chk.check(table.id_bad == _ID_FRACTION, 'identity is not an integer')
    chk.check(table.id_bad == _ID_RANGE,
              'identity is outside the 64-bit integers')
    if with_ids:
        chk.check(ids < 0, 'identity must be >= 0')
    else:
        chk.check(ids != -1, 'a detection has identity -1')
    chk.check((values[:, 4] <= 0) | (values[:, 5] <= 0),
              'box width and height must be positive')


#: Integers from here on are not exact in float64.
_MAX_EXACT_ID = 2**53


def _check_unique(table: _Table,
                  chk: _RowChecker,
                  cols: Sequence[int] = (0, ),
                  scope: str = '') -> None:
    """One identity may appear at most once per frame (per key: the
    identity and the columns ``cols``, i.e. the frame, plus the class of a
    multi-class file). Exact: the identities are compared as integers."""
    idx = np.flatnonzero(~chk.bad)
    if len(idx) == 0:
        return
    keys = np.concatenate([
        table.values[idx][:, list(cols)].astype(np.int64),
        table.ids[idx, None]
    ], axis=1)
    _, first, inverse = np.unique(
        keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    dup = np.zeros(len(table.values), bool)
    dup[idx] = np.arange(len(idx)) != first[inverse]
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        j = int(idx[first[inverse[np.searchsorted(idx, i)]]])
        chk.check(
            dup, f'identity {table.id_text[i]} appears twice in frame '
            f'{int(table.values[i, 0])}{scope} (first at line '
            f'{chk.line_nos[j]})')


def _finish_ids(table: _Table, chk: _RowChecker,
                renumber_large_ids: bool) -> np.ndarray:
    """The valid rows, their identity column exact or renumbered."""
    if not renumber_large_ids:
        big = table.ids >= _MAX_EXACT_ID
        first = np.flatnonzero(big & ~chk.bad)
        if len(first):
            chk.check(
                big, f'identity {table.id_text[first[0]]} is 2**53 '
                '(9007199254740992) or more and cannot be held exactly '
                'in float64 rows; read with renumber_large_ids=True (as the '
                'evaluation does) to number the identities 1..K')
    keep = chk.keep()
    values = table.values[keep].copy()
    # only where float64 cannot hold them: identities as written are what
    # error pictures and result tables show the user
    if renumber_large_ids and (table.ids[keep] >= _MAX_EXACT_ID).any():
        values[:, 1] = dense_ids(table.ids[keep])
    return values


def read_mot_gt(path: str,
                seq_length: Optional[int] = None,
                benchmark: str = 'MOT17',
                on_invalid: str = 'error',
                renumber_large_ids: bool = False) -> np.ndarray:
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
        renumber_large_ids (bool): When the file holds an identity of
            2**53 or more (beyond float64's exact integers), number its
            identities 1..K in increasing order (:func:`dense_ids`), which
            is exact for any 64-bit identity; files without one keep their
            identities as written. Otherwise such an identity is invalid.
            Defaults to False.

    Returns:
        np.ndarray: ``(N, 9)`` float64 rows in :data:`GT_FIELDS` order.
        MOT15 rows get class 1 and visibility 1.
    """
    check_benchmark(benchmark)
    ncols = (9, 10) if benchmark == 'MOT15' else (9, )
    table = _read_table(path, ncols, 'ground-truth')
    if table.width == 10:  # MOT15: conf, then world coordinates; no classes
        table.values = np.concatenate(
            [table.values[:, :7], np.ones((len(table.values), 2))], axis=1)
    chk = _RowChecker(path, table.line_nos, on_invalid)
    _check_gt(table, chk, seq_length, benchmark)
    return _finish_ids(table, chk, renumber_large_ids)


def _check_gt(table: _Table, chk: _RowChecker,
              seq_length: Optional[int], benchmark: str) -> None:
    values = table.values
    _check_common(table, chk, seq_length, ncols=9)
    chk.check(~np.isin(values[:, 6], (0, 1)),
              'ground-truth conf must be 0 (ignore) or 1 (count)')
    if benchmark != 'MOT15':
        chk.check(
            ~np.isin(values[:, 7], np.arange(1, len(MOT_CLASSES) + 1)),
            f'class must be an integer in 1..{len(MOT_CLASSES)}')
    vis = values[:, 8]
    chk.check((vis < 0) | (vis > 1), 'visibility must be in [0, 1]')
    _check_unique(table, chk)


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
    line_nos = np.arange(1, len(values) + 1)
    chk = _RowChecker(source, line_nos, 'error')
    _check_gt(_table_of(values, line_nos), chk, seq_length, benchmark)
    return values


def _table_of(values: np.ndarray, line_nos: np.ndarray) -> _Table:
    """A :class:`_Table` of float rows held in memory."""
    col = values[:, 1]
    ok = np.isfinite(col) & (col == np.round(col))
    bad = np.where(ok, _ID_OK, _ID_FRACTION).astype(np.int8)
    bad[ok & (np.abs(col) >= 2.0**63)] = _ID_RANGE
    ids = np.where(bad == _ID_OK, col, 0).astype(np.int64)
    return _Table(values, ids, bad, [str(i) for i in ids], line_nos,
                  values.shape[1])


def read_mot_results(path: str,
                     seq_length: Optional[int] = None,
                     on_invalid: str = 'error',
                     renumber_large_ids: bool = False) -> np.ndarray:
    """Read a MOTChallenge tracking result file.

    Args:
        path (str): ``<SEQ>.txt`` with 7 to 10 columns.
        seq_length (int, optional): Number of frames T; rows beyond it are
            invalid. Defaults to None (unchecked).
        on_invalid (str): ``'error'`` or ``'warn'``, see
            :func:`read_mot_gt`. Defaults to ``'error'``.
        renumber_large_ids (bool): See :func:`read_mot_gt`. Defaults to False.

    Returns:
        np.ndarray: ``(N, 7)`` float64 rows in :data:`RESULT_FIELDS`
        order.
    """
    table = _read_table(path, (7, 8, 9, 10), 'tracking result')
    chk = _RowChecker(path, table.line_nos, on_invalid)
    _check_common(table, chk, seq_length)
    if table.width >= 8:
        chk.check(table.values[:, 7] > 1,
                  'class column (8th) > 1: only pedestrians (1 or -1) '
                  'can be evaluated')
    _check_unique(table, chk)
    return _finish_ids(table, chk, renumber_large_ids)[:, :7]


def read_mot_class_results(path: str,
                           seq_length: Optional[int] = None,
                           on_invalid: str = 'error',
                           renumber_large_ids: bool = False
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
        renumber_large_ids (bool): See :func:`read_mot_gt`; one number per
            identity of the file, whatever its class. Defaults to False.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(N, 7)`` rows in
        :data:`RESULT_FIELDS` order and their ``(N, )`` int64 classes.
    """
    table = _read_table(path, (8, 9, 10), 'multi-class tracking result')
    chk = _RowChecker(path, table.line_nos, on_invalid)
    _check_common(table, chk, seq_length)
    cls = table.values[:, 7]
    chk.check((cls < 1) | (cls != np.round(cls)),
              'class column (8th) must be an integer >= 1')
    _check_unique(table, chk, (0, 7), ' within its class')
    values = _finish_ids(table, chk, renumber_large_ids)
    return values[:, :7], values[:, 7].astype(np.int64)


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
    _write_rows(path, table, (0, 1, 7), decimals, ',-1,-1')


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
    table = _read_table(path, (7, 8, 9, 10), 'detection')
    chk = _RowChecker(path, table.line_nos, on_invalid)
    _check_common(table, chk, seq_length, with_ids=False)
    return table.values[chk.keep(), :7]


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

