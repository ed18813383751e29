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


def overlapping_pairs(a: np.ndarray,
                      b: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """All pairs of a box of ``a`` (M, 4) and one of ``b`` (N, 4) that
    overlap (IoU > 0), without the (M, N) matrix.

    ``b`` is sorted by ``x1``; each box of ``a`` can only meet the boxes
    of ``b`` starting before its ``x2`` and after its ``x1`` minus the
    widest box of ``b``, found by binary search.

    Returns:
        tuple[np.ndarray, np.ndarray]: Indices into ``a`` (P,) and ``b``
        (P,) of the overlapping pairs.
    """
    empty = np.zeros(0, np.int64)
    if a.shape[0] == 0 or b.shape[0] == 0:
        return empty, empty
    order = np.argsort(b[:, 0], kind='stable')
    bx1 = b[order, 0]
    wmax = float((b[:, 2] - b[:, 0]).max())
    lo = np.searchsorted(bx1, a[:, 0] - wmax, side='right')
    hi = np.searchsorted(bx1, a[:, 2], side='left')
    counts = np.maximum(hi - lo, 0)
    rows = np.repeat(np.arange(a.shape[0]), counts)
    start = np.repeat(lo - np.cumsum(counts) + counts, counts)
    cols = order[np.arange(rows.size) + start]
    ok = ((a[rows, 0] < b[cols, 2]) & (b[cols, 0] < a[rows, 2])
          & (a[rows, 1] < b[cols, 3]) & (b[cols, 1] < a[rows, 3]))
    return rows[ok], cols[ok]


def pair_iou(a: np.ndarray, b: np.ndarray, rows: np.ndarray,
             cols: np.ndarray) -> np.ndarray:
    """IoU of the P pairs ``(a[rows], b[cols])`` of (x1, y1, x2, y2) boxes.

    Returns:
        np.ndarray: (P,) IoU, the entries ``[rows, cols]`` of
        :func:`box_iou`.
    """
    pa, pb = a[rows], b[cols]
    iw = np.minimum(pa[:, 2], pb[:, 2]) - np.maximum(pa[:, 0], pb[:, 0])
    ih = np.minimum(pa[:, 3], pb[:, 3]) - np.maximum(pa[:, 1], pb[:, 1])
    inter = np.maximum(iw, 0.) * np.maximum(ih, 0.)
    union = ((pa[:, 2] - pa[:, 0]) * (pa[:, 3] - pa[:, 1]) +
             (pb[:, 2] - pb[:, 0]) * (pb[:, 3] - pb[:, 1]) - inter)
    return inter / np.maximum(union, np.finfo(np.float64).eps)


def largest_overlap_with_others(boxes: np.ndarray, among: np.ndarray,
                                own: np.ndarray) -> np.ndarray:
    """For each of ``boxes`` (K, 4), the largest IoU with a box of
    ``among`` (N, 4) other than its own, ``among[own]`` (K,).

    Returns:
        np.ndarray: (K,) IoU, 0 where nothing else overlaps.
    """
    r, c = overlapping_pairs(boxes, among)
    iou = pair_iou(boxes, among, r, c)
    iou[c == own[r]] = 0.  # a box with itself
    worst = np.zeros(boxes.shape[0])
    if r.size:  # the pairs come sorted by row: one segment per box
        start = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        worst[r[start]] = np.maximum(np.maximum.reduceat(iou, start), 0.)
    return worst
