"""Assignment of tracks (rows) to detections (columns) under a cost limit.

Every match stage of the tracker describes its problem the same way: the
pairs whose cost it computed, ``(rows, cols, cost)``, a ``fill`` cost for
every other pair, and the labels of both sides (pairs of other labels are
forbidden). :func:`match_pairs` solves it, and :func:`needed_pairs` tells a
stage which pairs it must cost; both ask :func:`sparse_pays` whether the
assignment mode allows leaving out the pairs at or above the limit, so the
choice between the sparse and the dense problem is made in one place.
"""
from typing import List, Tuple

try:
    import lap
except ImportError:  # pragma: no cover - lap is a runtime requirement
    lap = None
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Stand-in for a forbidden (gated, other-class) pair: far above every
# threshold, finite so that any assignment solver accepts it.
_FORBIDDEN = 1e5

# Up to this many rows (or columns) left after the direct matches, one
# solve; beyond, one solve per connected group.
_ONE_SOLVE = 64


def sparse_pays(mode: str) -> bool:
    """Whether an assignment in ``mode`` needs only the pairs costing
    below its limit.

    ``'lapjv'`` (with ``cost_limit``) never takes a pair costing the limit
    or more, so such pairs need neither a cost nor a place in the problem:
    the stages cost only the pairs that may pass and the solver sees only
    those (:func:`sparse_lapjv`). ``'hungarian'`` matches as many pairs as
    it can before dropping the expensive ones, so any finite pair can
    change its answer: it needs every cost, as a dense matrix.
    """
    return mode == 'lapjv'


def needed_pairs(may_pass: np.ndarray,
                 mode: str) -> Tuple[np.ndarray, np.ndarray]:
    """The pairs of an (M, N) problem whose cost a stage must compute.

    Args:
        may_pass (np.ndarray): (M, N) bool, False where a pair surely
            costs at least the limit.
        mode (str): The assignment mode.

    Returns:
        tuple[np.ndarray, np.ndarray]: Rows (P,) and columns (P,) in
        row-major order: the pairs that may pass where
        :func:`sparse_pays`, every pair otherwise.
    """
    if sparse_pays(mode):
        return np.nonzero(may_pass)
    return np.nonzero(np.ones_like(may_pass, bool))


def match_pairs(rows: np.ndarray,
                cols: np.ndarray,
                cost: np.ndarray,
                thr: float,
                mode: str,
                row_labels: np.ndarray,
                col_labels: np.ndarray,
                fill: float = 1.) -> Tuple[np.ndarray, np.ndarray]:
    """Solve a stage's problem given as the costs of some of its pairs.

    Args:
        rows (np.ndarray): (P,) row of each costed pair.
        cols (np.ndarray): (P,) column of each costed pair.
        cost (np.ndarray): (P,) costs; ``inf`` forbids a pair.
        thr (float): A pair is accepted only if its cost is below this.
        mode (str): ``'lapjv'`` or ``'hungarian'``.
        row_labels (np.ndarray): (M,) class labels of the rows.
        col_labels (np.ndarray): (N,) class labels of the columns; pairs
            of other labels are forbidden.
        fill (float): Cost of the pairs not given, at least ``thr``.
            Defaults to 1.

    Returns:
        tuple[np.ndarray, np.ndarray]: Row indices (K,) and column indices
        (K,) of the accepted pairs.
    """
    if sparse_pays(mode):
        ok = (row_labels[rows] == col_labels[cols]) & (cost < thr)
        return sparse_lapjv(rows[ok], cols[ok], cost[ok], thr)
    dense = np.full((row_labels.size, col_labels.size), fill)
    dense[rows, cols] = cost
    forbid_other_labels(dense, row_labels, col_labels)
    return linear_assignment(dense, thr, mode)


def forbid_other_labels(cost: np.ndarray, row_labels: np.ndarray,
                        col_labels: np.ndarray) -> None:
    """Set ``cost`` (M, N) to inf where the labels (M,), (N,) differ."""
    if row_labels.size and col_labels.size and not (
            (row_labels == row_labels[0]).all() and
            (col_labels == row_labels[0]).all()):
        cost[row_labels[:, None] != col_labels[None, :]] = np.inf


def linear_assignment(cost: np.ndarray, thr: float,
                      mode: str = 'lapjv') -> Tuple[np.ndarray, np.ndarray]:
    """Match rows to columns of a cost matrix, keeping costs below ``thr``.

    ``'lapjv'`` is FairMOT's ``lap.lapjv(cost, extend_cost=True,
    cost_limit=thr)``: each row or column may stay unmatched at a price of
    ``thr / 2``, so the solver minimises ``sum(matched cost - thr)`` and
    never takes a pair costing ``thr`` or more. Because such pairs can
    never be taken, the problem splits (see :func:`sparse_lapjv`).

    ``'hungarian'`` is the minimum-cost assignment of as many pairs as
    possible (forbidden pairs at a large finite cost) followed by dropping
    the pairs costing ``thr`` or more. It can return more pairs than
    ``'lapjv'`` (it never trades a match for a cheaper one) and fewer
    (a forced high-cost pair can take a column another row needed).

    Args:
        cost (np.ndarray): (M, N) costs; ``inf`` marks forbidden pairs.
        thr (float): A pair is accepted only if its cost is below this.
        mode (str): ``'lapjv'`` or ``'hungarian'``. Defaults to
            ``'lapjv'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: Row indices (K,) and column indices
        (K,) of the accepted pairs.
    """
    empty = np.zeros(0, dtype=np.int64)
    if cost.size == 0:
        return empty, empty
    if mode == 'hungarian':
        _, x, _ = lap.lapjv(
            np.where(np.isfinite(cost), cost, _FORBIDDEN), extend_cost=True)
        rows = (x >= 0).nonzero()[0]
        cols = x[rows].astype(np.int64)
        keep = cost[rows, cols] < thr
        return rows[keep], cols[keep]
    rows, cols = np.nonzero(cost < thr)
    return sparse_lapjv(rows, cols, cost[rows, cols], thr)


def sparse_lapjv(rows: np.ndarray, cols: np.ndarray, cost: np.ndarray,
                 thr: float) -> Tuple[np.ndarray, np.ndarray]:
    """``'lapjv'`` assignment given only the P pairs costing below ``thr``.

    Every other pair is forbidden. Pairs whose row and column have no other
    candidate are matched directly; the rest goes to ``lap.lapjv`` with
    ``cost_limit=thr`` on the (small) dense matrix of the rows and columns
    involved, one connected group of rows and columns at a time.

    Args:
        rows (np.ndarray): (P,) row index of each candidate pair.
        cols (np.ndarray): (P,) column index of each candidate pair.
        cost (np.ndarray): (P,) cost of each pair, all below ``thr``.
        thr (float): The cost limit.

    Returns:
        tuple[np.ndarray, np.ndarray]: Row indices (K,) and column indices
        (K,) of the accepted pairs.
    """
    rows = rows.astype(np.int64)
    cols = cols.astype(np.int64)
    if rows.size == 0:
        return rows, cols
    row_deg = np.bincount(rows)
    col_deg = np.bincount(cols)
    single = (row_deg[rows] == 1) & (col_deg[cols] == 1)
    if single.all():
        return rows, cols
    rest = ~single
    rest_rows, row_pos = _compact(rows[rest], row_deg.size)
    rest_cols, col_pos = _compact(cols[rest], col_deg.size)
    rest_cost = cost[rest]
    out_rows, out_cols = [rows[single]], [cols[single]]
    n_r, n_c = rest_rows.size, rest_cols.size
    if n_r <= _ONE_SOLVE or n_c <= _ONE_SOLVE:
        blocks = [(slice(None), row_pos, col_pos, np.arange(n_r),
                   np.arange(n_c))]
    else:
        blocks = _blocks(row_pos, col_pos, n_r, n_c)
    for sel, r_pos, c_pos, row_of, col_of in blocks:
        sub = np.full((row_of.size, col_of.size), _FORBIDDEN)
        sub[r_pos, c_pos] = rest_cost[sel]
        _, x, _ = lap.lapjv(sub, extend_cost=True, cost_limit=thr)
        sub_rows = (x >= 0).nonzero()[0]
        out_rows.append(rest_rows[row_of[sub_rows]])
        out_cols.append(rest_cols[col_of[x[sub_rows]]])
    return np.concatenate(out_rows), np.concatenate(out_cols)


def _blocks(row_pos: np.ndarray, col_pos: np.ndarray, n_r: int,
            n_c: int) -> List[tuple]:
    """Split a problem of P pairs of ``n_r`` rows and ``n_c`` columns.

    Independent groups of rows and columns (connected components of the
    candidate graph) are solved apart: the same optimum, several small
    solves instead of one large one. (A group of columns only has no pair,
    so every group has rows.) Consecutive small groups are packed into
    blocks of about ``_ONE_SOLVE`` rows: a block-diagonal problem has the
    same optimum.

    Args:
        row_pos (np.ndarray): (P,) row of each pair, in ``[0, n_r)``.
        col_pos (np.ndarray): (P,) column of each pair, in ``[0, n_c)``.
        n_r (int): Number of rows.
        n_c (int): Number of columns.

    Returns:
        list[tuple]: Per block, the pairs in it (an index into the P
        pairs), their rows and columns inside the block, and the block's
        rows (R,) and columns (C,) as positions in ``[0, n_r)`` and
        ``[0, n_c)``.
    """
    graph = coo_matrix((np.ones(row_pos.size), (row_pos, n_r + col_pos)),
                       shape=(n_r + n_c, ) * 2)
    n_comp, comp = connected_components(graph, directed=False)
    size = np.bincount(comp[:n_r], minlength=n_comp)
    block = (np.cumsum(size) - size) // _ONE_SOLVE
    _, block = np.unique(block, return_inverse=True)
    comp, n_comp = block[comp], int(block.max()) + 1
    # position of each row (column) inside its block
    local = np.empty(n_r + n_c, np.int64)
    sizes = []
    for part in (slice(0, n_r), slice(n_r, n_r + n_c)):
        c = comp[part]
        order = np.argsort(c, kind='stable')
        count = np.bincount(c, minlength=n_comp)
        start = np.cumsum(count) - count
        pos = np.empty(c.size, np.int64)
        pos[order] = np.arange(c.size) - start[c[order]]
        local[part] = pos
        sizes.append(count)
    row_of = np.empty((n_comp, int(sizes[0].max())), np.int64)
    col_of = np.empty((n_comp, int(sizes[1].max())), np.int64)
    row_of[comp[:n_r], local[:n_r]] = np.arange(n_r)
    col_of[comp[n_r:], local[n_r:]] = np.arange(n_c)
    pair_comp = comp[row_pos]
    order = np.argsort(pair_comp, kind='stable')
    bounds = np.searchsorted(pair_comp[order], np.arange(n_comp + 1))
    blocks = []
    for k in range(n_comp):
        sel = order[bounds[k]:bounds[k + 1]]
        blocks.append((sel, local[row_pos[sel]], local[n_r + col_pos[sel]],
                       row_of[k, :sizes[0][k]], col_of[k, :sizes[1][k]]))
    return blocks


def _compact(x: np.ndarray, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` of indices ``x`` (P,) in
    ``[0, n)``, by marking them rather than sorting.

    Returns:
        tuple[np.ndarray, np.ndarray]: The distinct values (U,), sorted,
        and the position of each entry of ``x`` among them (P,).
    """
    seen = np.zeros(n, bool)
    seen[x] = True
    return seen.nonzero()[0], (seen.cumsum() - 1)[x]
