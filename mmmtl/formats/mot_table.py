"""The rows of a MOTChallenge file as a table: the parsing below
:mod:`mmmtl.formats.motchallenge`, which checks and returns them.

Every column is read as float64 except the identity (the 2nd), which is
parsed as an exact integer and never through a float: float64 holds
integers exactly only below 2**53, and two identities that differ beyond
that must stay two. :func:`dense_ids` numbers identities 1..K, the form in
which the evaluation hands them to TrackEval and motmetrics (both read
identities as floats).
"""
import decimal
import os.path as osp
import warnings
from dataclasses import dataclass
from typing import Any, List, Tuple

import numpy as np

__all__ = ['MOTFormatError', 'dense_ids']


class MOTFormatError(ValueError):
    """A MOTChallenge file that cannot be read without guessing."""


@dataclass
class _Table:
    """The rows of a file: ``values`` ``(N, C)`` float64, the identity
    column parsed exactly (``ids``, ``(N, )`` int64, 0 where
    ``id_bad`` says why it is not a 64-bit integer), the identities as
    written (``id_text``), the 1-based ``line_nos`` and the column count
    ``width``."""
    values: np.ndarray
    ids: np.ndarray
    id_bad: np.ndarray
    id_text: List[str]
    line_nos: np.ndarray
    width: int


#: ``_Table.id_bad`` codes.
_ID_OK, _ID_FRACTION, _ID_RANGE = 0, 1, 2
_INT64 = (-2**63, 2**63 - 1)


def _parse_id(token: str) -> Tuple[int, int]:
    """An identity as an exact integer: ``(value, _ID_* code)``.

    ``'12'`` and ``'12.0'`` are 12; the text is never read through a
    float, so ``'4611686018427387905'`` stays that number.
    """
    try:
        value = int(token)
    except ValueError:
        try:
            dec = decimal.Decimal(token.strip())
        except decimal.InvalidOperation:
            return 0, _ID_FRACTION  # not a number: named by _read_table
        if not dec.is_finite():
            return 0, _ID_FRACTION  # NaN or infinite: named before
        if dec != dec.to_integral_value():
            return 0, _ID_FRACTION
        value = int(dec)
    if not _INT64[0] <= value <= _INT64[1]:
        return 0, _ID_RANGE
    return value, _ID_OK


def _read_table(path: str, ncols: Tuple[int, ...], what: str) -> _Table:
    """Read a comma-separated numeric table.

    Returns:
        _Table: The first ``C = min(ncols)`` columns (or the file's
        ``width``) as float64, the identity column (the 2nd) exactly.
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
        return _Table(np.zeros((0, keep)), np.zeros(0, np.int64),
                      np.zeros(0, np.int8), [], np.zeros(0, np.int64), keep)
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
    id_text = [parts[1].strip() for parts in rows]
    parsed = [_parse_id(tok) for tok in id_text]
    return _Table(values, np.array([v for v, _ in parsed], np.int64),
                  np.array([b for _, b in parsed], np.int8), id_text,
                  np.asarray(line_nos, np.int64), width)


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


def dense_ids(ids: Any) -> np.ndarray:
    """Identities numbered 1..K in increasing order.

    A 1-to-1 map within one call (one sequence's ground truth, or its
    results), so every metric computed on the numbers equals that on the
    identities; TrackEval and motmetrics read identities as floats and
    TrackEval sizes arrays by the largest one, so both are given these.

    Args:
        ids (array-like): ``(N, )`` integer identities (int64 for exact
            large values).

    Returns:
        np.ndarray: ``(N, )`` int64, ``k`` for the k-th smallest distinct
        identity.
    """
    ids = np.asarray(ids).reshape(-1)
    if not len(ids):
        return np.zeros(0, np.int64)
    _, inverse = np.unique(ids, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64) + 1
