"""The adaptive first stage of :class:`JDETracker` (``association=
'adaptive'``): motion first, appearance where it tells people apart, and
the running measure of whether this video's embeddings do."""
from typing import Tuple

import numpy as np

from .assignment import match_pairs
from .box_ops import pair_iou, window_pairs
from .kalman_ops import kf_pair_within_gate, kf_project
from .match_stages import check_embed_size


def _best_other(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each of P entries, the largest value among the other entries
    of its group (``-inf`` if it is alone).

    Per group (a run of entries after a stable sort by group, none
    needed when the entries come grouped): its best value, how many
    entries reach it, and the best of the rest; an entry that alone
    reaches the best gets the best of the rest, every other entry the
    best (a tie for the best gives each the other's value).

    Args:
        groups (np.ndarray): (P,) group index of each entry.
        values (np.ndarray): (P,) values.

    Returns:
        np.ndarray: (P,) the best value of the rest of the entry's group.
    """
    if values.size == 0:
        return np.full(values.shape, -np.inf)
    order = None
    if (groups[1:] < groups[:-1]).any():
        order = groups.argsort(kind='stable')
        groups, values = groups[order], values[order]
    new_group = np.concatenate([[True], groups[1:] != groups[:-1]])
    start = new_group.nonzero()[0]
    seg = new_group.cumsum() - 1  # (P,) the run of each entry
    best = np.maximum.reduceat(values, start)[seg]
    is_best = values == best
    alone = (np.add.reduceat(is_best, start) == 1)[seg] & is_best
    rest = np.maximum.reduceat(np.where(is_best, -np.inf, values),
                               start)[seg]
    out = np.where(alone, rest, best)
    if order is None:
        return out
    unsorted = np.empty_like(out)
    unsorted[order] = out
    return unsorted


def _pairs_within(centres: np.ndarray, points: np.ndarray,
                  reach: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The pairs of a centre of ``centres`` (K, 2) and a point of
    ``points`` (N, 2) with ``|p - c| <= reach`` (reach (K, 2)) along x
    and y, without the (K, N) matrix: ``np.nonzero``'s pairs of that
    matrix, by centre, each centre's points in the order of their x.

    The points are sorted by x; each centre's window, a little wider
    than its reach (a superset whatever the rounding), is found by
    binary search, and its points are tested as the matrix would.

    Returns:
        tuple[np.ndarray, np.ndarray]: Indices into ``centres`` (P,) and
        ``points`` (P,).
    """
    k, n = centres.shape[0], points.shape[0]
    if k == 0 or n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = points[:, 0].argsort(kind='stable')
    px = points[order, 0]
    wide = reach[:, 0] * (1 + 1e-6) + 1e-6 * (1 + np.abs(centres[:, 0]))
    lo = px.searchsorted(centres[:, 0] - wide, side='left')
    hi = px.searchsorted(centres[:, 0] + wide, side='right')
    rows, cols = window_pairs(order, lo, hi)
    # gathers of columns: cheaper than of (P, 2) rows
    ok = np.abs(points[:, 0].take(cols) - centres[:, 0].take(rows)) <= \
        reach[:, 0].take(rows)
    ok &= np.abs(points[:, 1].take(cols) - centres[:, 1].take(rows)) <= \
        reach[:, 1].take(rows)
    return rows[ok], cols[ok]


class AdaptiveAssociationMixin:
    """The adaptive stage, methods of :class:`JDETracker`: they read its
    ``track_table``, ``motion`` and thresholds, and keep ``_sep``, the
    decaying ``(count, sum, sum of squares)`` of the cosine similarity of
    one person's two views (row 0) and of two people (row 1), cleared by
    :meth:`_reset_separation` with the tracks."""

    def _reset_separation(self) -> None:
        """Forget what the embeddings of the last video showed."""
        self._sep = np.zeros((2, 3))

    def _adaptive_match(self, idx: np.ndarray, det_idx: np.ndarray,
                        dets: dict) -> Tuple[np.ndarray, np.ndarray]:
        """Motion first, appearance where it tells people apart; tracks
        ``idx`` (K,) vs detections ``det_idx`` (N,).

        Candidates are the pairs whose boxes overlap or that lie inside
        the track's motion gate (every track, not only lost ones: a person
        who comes back away from the prediction is re-found by
        appearance, as in FairMOT's first stage). A pair costs ``1 -
        IoU`` (times the score with ``fuse_score``; 1 without overlap),
        or BoT-SORT's half cosine distance when that is lower, below
        ``appearance_thr``, and the pair's similarity exceeds every other
        candidate of its track and of its detection by at least
        ``appearance_margin``. Where people look alike no pair clears the
        margin and the stage matches by motion alone; where embeddings
        are distinctive it matches by appearance even without overlap.
        Once appearance is earned, two limits keep it from handing
        identities over: it does not count for a detection that a track
        tracked last frame overlaps by ``motion_lock_iou`` or more
        (:meth:`_locked_by_motion`), and a lost track matched without it
        needs a cost below ``lost_match_thr``.
        The candidates are few by construction: the stage always solves
        with ``'lapjv'``.

        Returns:
            tuple[np.ndarray, np.ndarray]: Matched track and detection
            indices.
        """
        tracks = self.track_table
        check_embed_size(tracks, dets)
        t_boxes = tracks.boxes(idx)
        d_boxes = dets['bboxes'][det_idx]
        rows, cols, raw_iou = self._candidate_pairs(idx, det_idx, dets,
                                                    t_boxes, d_boxes)
        iou = raw_iou * dets['scores'][det_idx][cols] if self.fuse_score \
            else raw_iou
        cost = 1. - iou
        lost = tracks['lost'][idx]
        if not self.iou_lost_tracks:
            cost[lost[rows]] = 1.
        # until the video's embeddings separate people, skip the per-pair
        # appearance work: it could not change any cost
        if self._appearance_earned():
            sim = np.einsum('pd,pd->p',
                            tracks['embeds'].take(idx[rows], axis=0),
                            dets['embeds'].take(det_idx[cols], axis=0))
            rival = np.maximum(_best_other(rows, sim),
                               _best_other(cols, sim))
            app = np.maximum(1. - sim, 0.) / 2.
            trusted = (app <= self.appearance_thr) & (
                sim - rival >= self.appearance_margin)
            if self.motion_lock_iou is not None:
                trusted &= ~self._locked_by_motion(rows, cols, raw_iou,
                                                   lost, det_idx.size)
            cost = np.where(trusted, np.minimum(cost, app), cost)
            if self.lost_match_thr is not None:
                # appearance speaks for this video: a lost track's weak
                # overlap alone is more often another person
                cost[lost[rows] & ~trusted &
                     (cost >= self.lost_match_thr)] = 1.
        r, c = match_pairs(rows, cols, cost, self.fused_match_thr, 'lapjv',
                           self._match_labels(tracks['labels'][idx]),
                           self._match_labels(dets['labels'][det_idx]))
        self._learn_separation(idx, det_idx, dets, t_boxes, d_boxes, r, c)
        return idx[r], det_idx[c]

    def _locked_by_motion(self, rows: np.ndarray, cols: np.ndarray,
                          raw_iou: np.ndarray, lost: np.ndarray,
                          num_dets: int) -> np.ndarray:
        """Which candidate pairs appearance may not decide: those of a
        detection that a track tracked in the last frame overlaps by IoU
        >= ``motion_lock_iou``, other than that track's own pair. Motion
        is sure of such a detection; another track that merely looks
        more alike (an occluded person's memory, a lost look-alike) would
        take an identity from the person in plain view.

        Args:
            rows (np.ndarray): (P,) track position of each pair.
            cols (np.ndarray): (P,) detection position of each pair.
            raw_iou (np.ndarray): (P,) the pairs' IoU (without score).
            lost (np.ndarray): (K,) whether each track is lost.
            num_dets (int): N, the number of detections.

        Returns:
            np.ndarray: (P,) bool, True where appearance may not count.
        """
        sure = ~lost[rows] & (raw_iou >= self.motion_lock_iou)
        locked = np.zeros(num_dets, bool)
        locked[cols[sure]] = True
        return locked[cols] & ~sure

    def _candidate_pairs(self, idx: np.ndarray, det_idx: np.ndarray,
                         dets: dict, t_boxes: np.ndarray,
                         d_boxes: np.ndarray) -> Tuple[np.ndarray, ...]:
        """Pairs of tracks ``idx`` and detections ``det_idx`` whose boxes
        overlap or that lie inside the track's Mahalanobis gate, without
        the (K, N) distance matrix: the squared distance is at least
        ``dx^2 / S_xx`` (and ``dy^2 / S_yy``), and overlapping boxes have
        centres closer than their half widths (heights), so only pairs
        within the larger of the two bounds along x and y are measured
        (found by :func:`_pairs_within`).

        Returns:
            tuple[np.ndarray, ...]: Positions in ``idx`` (P,) and in
            ``det_idx`` (P,), by track, and the pairs' IoU (P,).
        """
        tracks = self.track_table
        mean, cov = tracks['mean'][idx], tracks['cov'][idx]
        proj, s = kf_project(self.motion, mean, cov)
        xyah = dets['xyah'][det_idx]
        t_half = (t_boxes[:, 2:] - t_boxes[:, :2]) / 2  # (K, 2)
        d_half = (d_boxes[:, 2:] - d_boxes[:, :2]).max(0) / 2  # (2,)
        reach = np.maximum(
            np.sqrt(self.gating_thr * np.stack([s[:, 0, 0], s[:, 1, 1]], 1)),
            t_half + d_half)
        rows, cols = _pairs_within(proj[:, :2], xyah[:, :2], reach)
        iou = pair_iou(t_boxes, d_boxes, rows, cols)
        inside = kf_pair_within_gate(self.motion, mean, cov, xyah, rows,
                                     cols, self.gating_thr,
                                     self.gate_only_position)
        keep = (iou > 0) | inside
        return rows[keep], cols[keep], iou[keep]

    def _appearance_earned(self) -> bool:
        """Whether this video's embeddings separate people well enough
        to be used: the sensitivity index ``d' = (mu_same - mu_other) /
        sqrt((var_same + var_other) / 2)`` of the cosine similarities of
        motion-certain matches (same person) and of the same tracks with
        the frame's other detections (other people) is at least
        ``appearance_separation`` (0 trusts appearance from the start)."""
        if self.appearance_separation <= 0:
            return True
        stats = self._sep
        if min(stats[0, 0], stats[1, 0]) < 5:  # too few samples yet
            return False
        mean = stats[:, 1] / stats[:, 0]
        var = np.maximum(stats[:, 2] / stats[:, 0] - mean**2, 1e-6)
        return bool((mean[0] - mean[1]) / np.sqrt(var.mean()) >=
                    self.appearance_separation)

    def _learn_separation(self, idx: np.ndarray, det_idx: np.ndarray,
                          dets: dict, t_boxes: np.ndarray,
                          d_boxes: np.ndarray, r: np.ndarray,
                          c: np.ndarray) -> None:
        """Add this frame's similarities to the running (decaying) sums
        behind :meth:`_appearance_earned`: a match (positions ``r``,
        ``c`` in ``idx``, ``det_idx``) whose boxes ``t_boxes[r]``,
        ``d_boxes[c]`` overlap by IoU >= 0.5 shows one person twice; its
        track against the frame's other detections shows different
        people (at most 64 tracks a frame)."""
        if self.appearance_separation <= 0 or r.size == 0:
            return
        sure = pair_iou(t_boxes, d_boxes, r, c) >= 0.5
        r, c = r[sure][:64], c[sure][:64]
        if r.size == 0:
            return
        t_emb = self.track_table['embeds'][idx[r]]
        sims = t_emb @ dets['embeds'][det_idx].T  # (S, N)
        same = sims[np.arange(r.size), c]
        other = np.ones_like(sims, bool)
        other[np.arange(r.size), c] = False
        self._sep *= 0.98  # forget slowly: the look of a video can change
        for k, v in enumerate((same, sims[other])):
            self._sep[k] += (v.size, v.sum(), (v**2).sum())
