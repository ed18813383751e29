"""Reading the tables of the offline evaluation: text and cross-check.

:func:`format_table` renders a table of
:func:`~mmmtl.evaluation.evaluate_sequences`; :func:`compare_backends` and
:func:`unexplained_disagreement` compare the TrackEval and py-motmetrics
tables of one evaluation (what the two can and cannot agree on is in the
docstring of :mod:`mmmtl.evaluation.offline_eval`).
"""
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np
import pandas as pd

from .offline_eval import (
    AGREEMENT_METRICS,
    COUNT_METRICS,
    IDENTITY_METRICS,
    OVERALL,
    TABLE_METRICS,
)

__all__ = [
    'UNDEFINED_WITHOUT_TARGETS', 'compare_backends', 'format_table',
    'sequences_without_targets', 'unexplained_disagreement'
]

#: Columns that have no value without ground-truth targets (ratios over
#: the ground truth or the matches): TrackEval reports 0, motmetrics NaN.
UNDEFINED_WITHOUT_TARGETS = ('MOTA', 'IDF1', 'MOTP', 'IDP', 'IDR', 'Rcll',
                             'Prcn')


def sequences_without_targets(tables: Dict[str, pd.DataFrame]) -> List[str]:
    """Sequences with nothing to evaluate: no ground-truth target left.

    A sequence whose ground truth holds only distractors, zero-marked rows
    or no row at all has no target after TrackEval's preprocessing; its
    ratios (:data:`UNDEFINED_WITHOUT_TARGETS`) are undefined, which
    TrackEval writes as 0 and motmetrics as NaN.

    Args:
        tables (dict[str, pd.DataFrame]): Output of
            :func:`~mmmtl.evaluation.evaluate_sequences`.

    Returns:
        list[str]: Names of those sequences (``OVERALL`` excluded), in
        table order.
    """
    names = []
    for table in tables.values():
        rows = table.drop(index=OVERALL, errors='ignore')
        for name in rows.index[rows['GT_IDs'].fillna(0) == 0]:
            if name not in names:
                names.append(name)
    return names


def _differences(tables: Dict[str, pd.DataFrame], metrics: Sequence[str],
                 atol: float) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """``motmetrics - trackeval`` and where the two differ.

    A NaN against a number is a difference; two NaNs agree. The undefined
    ratios of sequences without targets are left out (both False).
    """
    mm, te = tables['motmetrics'][metrics], tables['trackeval'][metrics]
    diff = mm - te
    bad = (diff.abs() > atol) | (mm.isna() != te.isna())
    empty = sequences_without_targets(tables)
    undefined = [m for m in metrics if m in UNDEFINED_WITHOUT_TARGETS]
    if empty and undefined:
        bad.loc[empty, undefined] = False
    # NaN against a number shows as NaN in diff; name it instead
    shown = diff.astype(object).where(~(mm.isna() != te.isna()),
                                      'NaN vs number')
    return shown, bad


def compare_backends(
        tables: Dict[str, pd.DataFrame],
        metrics: Iterable[str] = AGREEMENT_METRICS,
        atol: float = 1e-6) -> pd.DataFrame:
    """Differences between the TrackEval and motmetrics tables.

    Args:
        tables (dict[str, pd.DataFrame]): Output of
            :func:`~mmmtl.evaluation.evaluate_sequences` with both
            back-ends.
        metrics (Iterable[str]): Columns to compare. Defaults to
            :data:`AGREEMENT_METRICS`, every column both compute.
        atol (float): Differences up to this count as agreement.
            Defaults to 1e-6.

    Returns:
        pd.DataFrame: ``motmetrics - trackeval`` for the rows and columns
        where the two differ by more than ``atol``, or where one is NaN
        and the other a number (shown as ``'NaN vs number'``); empty when
        they agree. The undefined ratios of
        :func:`sequences_without_targets` are not compared.
    """
    diff, bad = _differences(tables, list(metrics), atol)
    return diff.loc[bad.any(axis=1), bad.any(axis=0)]


def unexplained_disagreement(tables: Dict[str, pd.DataFrame],
                             atol: float = 1e-6) -> pd.DataFrame:
    """Disagreements of the back-ends that their definitions do not explain.

    The identity metrics (:data:`IDENTITY_METRICS`) must agree in every
    row; the other columns of :data:`AGREEMENT_METRICS` (CLEAR: MOTA,
    MOTP, MT, ML, FP, FN, IDS, Frag, ...) must agree in the rows where
    motmetrics had no chance to re-link a target after a gap
    (``Relinks == 0``, see the module docstring).

    Args:
        tables (dict[str, pd.DataFrame]): Output of
            :func:`~mmmtl.evaluation.evaluate_sequences` with both
            back-ends.
        atol (float): Differences up to this count as agreement.
            Defaults to 1e-6.

    Returns:
        pd.DataFrame: ``motmetrics - trackeval`` of the offending rows and
        columns (empty when every difference is explained).
    """
    cols = list(dict.fromkeys(AGREEMENT_METRICS + IDENTITY_METRICS))
    diff, bad = _differences(tables, cols, atol)
    clear = [c for c in cols if c not in IDENTITY_METRICS]
    explained = tables['motmetrics']['Relinks'] > 0
    bad.loc[explained, clear] = False
    return diff.loc[bad.any(axis=1), bad.any(axis=0)]


def format_table(table: pd.DataFrame,
                 metrics: Sequence[str] = TABLE_METRICS) -> str:
    """Render a result table as fixed-width text.

    Args:
        table (pd.DataFrame): A table from
            :func:`~mmmtl.evaluation.evaluate_sequences`.
        metrics (Sequence[str]): Columns to show. Defaults to
            :data:`TABLE_METRICS`.

    Returns:
        str: Percentages with one decimal, counts as integers.
    """
    width = max([len('Sequence')] + [len(str(i)) for i in table.index])
    head = f'{"Sequence":<{width}}' + ''.join(f'{m:>8}' for m in metrics)
    lines = [head]
    for name, row in table.iterrows():
        cells = []
        for m in metrics:
            v = row[m]
            if np.isnan(v):
                cells.append(f'{"-":>8}')
            elif m in COUNT_METRICS:
                cells.append(f'{int(round(v)):>8d}')
            else:
                cells.append(f'{v:>8.1f}')
        lines.append(f'{str(name):<{width}}' + ''.join(cells))
    return '\n'.join(lines)
