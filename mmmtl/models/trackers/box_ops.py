"""Box geometry of the tracker on NumPy arrays: box formats, IoU of all
pairs or of chosen pairs, and the overlapping pairs of two box sets."""
from typing import Tuple

import numpy as np


def xyah_to_xyxy(xyah: np.ndarray) -> np.ndarray:
    """(K, 4) boxes as (cx, cy, a, h) -> (K, 4) as (x1, y1, x2, y2)."""
    half = xyah[:, 2:4].astype(np.result_type(xyah, 0.5))
    half[:, 0] *= xyah[:, 3]
    half /= 2
    out = np.empty((xyah.shape[0], 4), half.dtype)
    np.subtract(xyah[:, :2], half, out=out[:, :2])
    np.add(xyah[:, :2], half, out=out[:, 2:])
    return out


def xyxy_to_xyah(bboxes: np.ndarray) -> np.ndarray:
    """(K, 4) boxes as (x1, y1, x2, y2) -> (K, 4) as (cx, cy, a, h), the
    Kalman measurement, with ``a = w / h``."""
    wh = bboxes[:, 2:] - bboxes[:, :2]
    return np.concatenate(
        [bboxes[:, :2] + wh / 2, wh[:, :1] / wh[:, 1:], wh[:, 1:]], 1)


def row_norms(x: np.ndarray) -> np.ndarray:
    """Euclidean norms (K, 1) of the rows of ``x`` (K, D):
    ``np.linalg.norm(x, axis=1, keepdims=True)``, the same sums, without
    its dispatch on the order and the axes."""
    return np.sqrt(np.add.reduce(x * x, axis=1, keepdims=True))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (M, 4) with every box of ``b`` (N, 4).

    The same as mmdet's ``bbox_overlaps`` (mode ``'iou'``, no pixel
    offset) on NumPy arrays, without the round trip through torch that
    costs more than the maths for the few boxes of a frame.

    Args:
        a (np.ndarray): (M, 4) boxes as (x1, y1, x2, y2).
        b (np.ndarray): (N, 4) boxes as (x1, y1, x2, y2).

    Returns:
        np.ndarray: (M, N) IoU in [0, 1].
    """
    # (M, N) arrays only, updated in place: this runs on hundreds of boxes
    inter = np.minimum(a[:, None, 2], b[None, :, 2])
    inter -= np.maximum(a[:, None, 0], b[None, :, 0])
    np.maximum(inter, 0., out=inter)
    ih = np.minimum(a[:, None, 3], b[None, :, 3])
    ih -= np.maximum(a[:, None, 1], b[None, :, 1])
    np.maximum(ih, 0., out=ih)
    inter *= ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :]
    union -= inter
    np.maximum(union, np.finfo(np.float64).eps, out=union)
    inter /= union
    return inter


def _by_coordinate(boxes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The coordinates (4, P) of boxes ``idx`` (P,) of ``boxes`` (K, 4):
    one ``take`` of the transposed array, several times cheaper than
    gathering rows of the (K, 4) array for the few boxes of a frame."""
    return np.ascontiguousarray(boxes.T).take(idx, axis=1)


def _iou_of(pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """IoU of P pairs of boxes given by coordinate, ``pa`` and ``pb``
    (4, P) as (x1, y1, x2, y2) rows."""
    # x and y at once, as (2, P) blocks
    iwh = np.minimum(pa[2:], pb[2:]) - np.maximum(pa[:2], pb[:2])
    np.maximum(iwh, 0., out=iwh)
    inter = iwh[0] * iwh[1]
    wha, whb = pa[2:] - pa[:2], pb[2:] - pb[:2]
    union = wha[0] * wha[1] + whb[0] * whb[1] - inter
    return inter / np.maximum(union, np.finfo(np.float64).eps)


def window_pairs(order: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The pairs of K queries and the entries of a sorted window each:
    query ``i`` with the entries ``order[lo[i]:hi[i]]``, where ``order``
    (N,) sorts the entries by the key the windows were searched on.

    Returns:
        tuple[np.ndarray, np.ndarray]: Query (P,) and entry (P,) indices,
        by query, each query's entries in sorted order.
    """
    counts = np.maximum(hi - lo, 0)
    rows = np.arange(lo.size).repeat(counts)
    start = (lo - counts.cumsum() + counts).repeat(counts)
    return rows, order[np.arange(rows.size) + start]


def _overlaps(a: np.ndarray, b: np.ndarray,
              with_iou: bool) -> Tuple[np.ndarray, ...]:
    """The pairs of :func:`overlapping_pairs`, and with ``with_iou``
    their IoU (P,) (else None)."""
    if a.shape[0] == 0 or b.shape[0] == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0) if with_iou else None
    order = b[:, 0].argsort(kind='stable')
    bx1 = b[order, 0]
    wmax = float((b[:, 2] - b[:, 0]).max())
    lo = bx1.searchsorted(a[:, 0] - wmax, side='right')
    hi = bx1.searchsorted(a[:, 2], side='left')
    rows, cols = window_pairs(order, lo, hi)
    pa, pb = _by_coordinate(a, rows), _by_coordinate(b, cols)
    ok = (pa[:2] < pb[2:]) & (pb[:2] < pa[2:])  # (2, P): x and y
    ok = ok[0] & ok[1]
    # the IoU of every candidate, then the overlapping ones: the same
    # numbers, one selection fewer
    return rows[ok], cols[ok], _iou_of(pa, pb)[ok] if with_iou else None


def overlapping_pairs(a: np.ndarray,
                      b: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """All pairs of a box of ``a`` (M, 4) and one of ``b`` (N, 4) that
    overlap (IoU > 0), without the (M, N) matrix.

    ``b`` is sorted by ``x1``; each box of ``a`` can only meet the boxes
    of ``b`` starting before its ``x2`` and after its ``x1`` minus the
    widest box of ``b``, found by binary search.

    Returns:
        tuple[np.ndarray, np.ndarray]: Indices into ``a`` (P,) and ``b``
        (P,) of the overlapping pairs, by row of ``a``.
    """
    return _overlaps(a, b, False)[:2]


def overlapping_iou(a: np.ndarray,
                    b: np.ndarray) -> Tuple[np.ndarray, ...]:
    """:func:`overlapping_pairs` and their :func:`pair_iou` in one pass.

    Returns:
        tuple[np.ndarray, ...]: Indices into ``a`` (P,) and ``b`` (P,)
        of the overlapping pairs, and their IoU (P,).
    """
    return _overlaps(a, b, True)


def pair_iou(a: np.ndarray, b: np.ndarray, rows: np.ndarray,
             cols: np.ndarray) -> np.ndarray:
    """IoU of the P pairs ``(a[rows], b[cols])`` of (x1, y1, x2, y2) boxes.

    Returns:
        np.ndarray: (P,) IoU, the entries ``[rows, cols]`` of
        :func:`box_iou`.
    """
    return _iou_of(_by_coordinate(a, rows), _by_coordinate(b, cols))


def largest_overlap_with_others(boxes: np.ndarray, among: np.ndarray,
                                own: np.ndarray) -> np.ndarray:
    """For each of ``boxes`` (K, 4), the largest IoU with a box of
    ``among`` (N, 4) other than its own, ``among[own]`` (K,).

    Returns:
        np.ndarray: (K,) IoU, 0 where nothing else overlaps.
    """
    r, c, iou = overlapping_iou(boxes, among)
    iou[c == own[r]] = 0.  # a box with itself
    worst = np.zeros(boxes.shape[0])
    np.maximum.at(worst, r, iou)
    return worst
