"""The match stages of :class:`JDETracker`: FairMOT's appearance and
motion cost, BoT-SORT's fused cost and IoU.

Each stage costs the pairs of tracks and detections that can matter
(:func:`~.assignment.needed_pairs`, or the overlapping boxes, every other
pair costing 1) and hands them to :func:`~.assignment.match_pairs`, which
chooses between the sparse and the dense problem.
"""
from typing import Tuple

import numpy as np

from .assignment import match_pairs, needed_pairs
from .box_ops import overlapping_iou
from .kalman_ops import kf_pair_gating_distance, kf_pair_within_gate
from .track_table import TrackTable


def check_embed_size(tracks: TrackTable, dets: dict) -> None:
    """Raise if the detections' embeddings differ in size from the
    tracks' memories."""
    if tracks['embeds'].shape[1] != dets['embeds'].shape[1]:
        raise ValueError(
            'JDETracker.track: embedding size changed from '
            f"{tracks['embeds'].shape[1]} to {dets['embeds'].shape[1]}")


class MatchStagesMixin:
    """The match stages, methods of :class:`JDETracker`: they read its
    ``track_table``, ``motion`` and thresholds.

    Every stage matches tracks ``idx`` (K,) with detections ``det_idx``
    (N,) and returns the matched track and detection indices.
    """

    def _match(self, idx: np.ndarray, det_idx: np.ndarray, dets: dict,
               rows: np.ndarray, cols: np.ndarray, cost: np.ndarray,
               thr: float) -> Tuple[np.ndarray, np.ndarray]:
        """Solve a stage given the costs (P,) of the pairs ``(idx[rows],
        det_idx[cols])``; every other pair costs 1, pairs of other labels
        are forbidden (with ``per_class``), and costs below ``thr`` are
        accepted."""
        r, c = match_pairs(rows, cols, cost, thr, self.assignment,
                           self._match_labels(self.track_table['labels'][idx]),
                           self._match_labels(dets['labels'][det_idx]))
        return idx[r], det_idx[c]

    def _appearance_match(self, idx: np.ndarray, det_idx: np.ndarray,
                          dets: dict) -> Tuple[np.ndarray, np.ndarray]:
        """FairMOT stage 1 (``embedding_distance`` + ``fuse_motion``):
        ``lambda * cosine + (1 - lambda) * d_M^2``, forbidden outside the
        Mahalanobis gate."""
        tracks = self.track_table
        check_embed_size(tracks, dets)
        # Both sides are unit vectors: the cosine distance is 1 - sim,
        # clipped at 0 like FairMOT's np.maximum(0, cdist(..., 'cosine')).
        sim = tracks['embeds'][idx] @ dets['embeds'][det_idx].T  # (K, N)
        w, thr = self.appearance_weight, self.emb_match_thr
        # d_M^2 >= 0, so only pairs with w * (1 - sim) < thr can pass: the
        # Mahalanobis distance is needed for those few pairs only.
        rows, cols = needed_pairs(sim > (1. - thr / w if w > 0 else -2.),
                                  self.assignment)
        maha = kf_pair_gating_distance(self.motion, tracks['mean'][idx],
                                       tracks['cov'][idx],
                                       dets['xyah'][det_idx], rows, cols,
                                       self.gate_only_position)
        cost = w * np.maximum(1. - sim[rows, cols], 0.) + (1 - w) * maha
        cost[maha > self.gating_thr] = np.inf
        return self._match(idx, det_idx, dets, rows, cols, cost, thr)

    def _fused_match(self, idx: np.ndarray, det_idx: np.ndarray,
                     dets: dict) -> Tuple[np.ndarray, np.ndarray]:
        """BoT-SORT's first association: ``min(d_IoU, d_app)``, appearance
        only for close pairs.

        Only pairs that can cost less than 1 are looked at: boxes that
        overlap, and with ``appearance_gate='iou_or_motion'`` a lost
        track's detections inside its Mahalanobis gate.
        """
        tracks = self.track_table
        check_embed_size(tracks, dets)
        t_boxes = tracks.boxes(idx)
        d_boxes = dets['bboxes'][det_idx]
        rows, cols, iou = overlapping_iou(t_boxes, d_boxes)
        close = iou >= 1. - self.proximity_thr
        lost = tracks['lost'][idx]
        if self.appearance_gate == 'iou_or_motion' and lost.any():
            rows, cols, iou, close = self._add_gated_lost(
                idx, det_idx, dets, rows, cols, iou, close)
        if self.fuse_score:
            iou = iou * dets['scores'][det_idx][cols]
        cost = 1. - iou
        if not self.iou_lost_tracks:
            cost[lost[rows]] = 1.
        # BoT-SORT: half the cosine distance of unit embeddings, needed
        # for the close pairs only (any other pair's counts 1)
        near = close.nonzero()[0]
        app = np.einsum('pd,pd->p',
                        tracks['embeds'].take(idx[rows[near]], axis=0),
                        dets['embeds'].take(det_idx[cols[near]], axis=0))
        app = np.maximum(1. - app, 0.) / 2.
        app[app > self.appearance_thr] = 1.
        cost[near] = np.minimum(cost[near], app)
        return self._match(idx, det_idx, dets, rows, cols, cost,
                           self.fused_match_thr)

    def _add_gated_lost(self, idx: np.ndarray, det_idx: np.ndarray,
                        dets: dict, rows: np.ndarray, cols: np.ndarray,
                        iou: np.ndarray,
                        close: np.ndarray) -> Tuple[np.ndarray, ...]:
        """The fused stage's pairs (P,) with the lost tracks' detections
        inside their Mahalanobis gate: those count as close (a hidden
        person's box drifts), and join the pairs at IoU 0 when their
        boxes do not overlap.

        Such a joining pair costs 1, the cost of a pair not given, unless
        its half cosine distance is at most ``appearance_thr``: with
        ``fused_match_thr <= 1`` only those may join, found by one
        product of the lost tracks' and the detections' embeddings (its
        float32 rounding, about 1e-5, far inside the 1e-3 margin). The
        gate is measured for the pairs that can use it only: a lost
        track's overlapping pairs and its pairs that may join.

        Returns:
            tuple[np.ndarray, ...]: ``rows``, ``cols``, ``iou`` and
            ``close`` of the P + G pairs.
        """
        tracks = self.track_table
        lost_rows = tracks['lost'][idx].nonzero()[0]
        t = idx[lost_rows]
        # the position among the lost tracks of each pair's track, -1 if
        # not lost
        at = np.full(idx.size, -1)
        at[lost_rows] = np.arange(lost_rows.size)
        p = (at[rows] >= 0).nonzero()[0]
        if self.fused_match_thr <= 1:
            sim = tracks['embeds'][t] @ dets['embeds'][det_idx].T
            join = sim >= 1. - 2. * self.appearance_thr - 1e-3
        else:
            join = np.ones((t.size, det_idx.size), bool)
        join[at[rows[p]], cols[p]] = False  # overlapping: given already
        gr, gc = np.nonzero(join)
        gated = kf_pair_within_gate(
            self.motion, tracks['mean'][t], tracks['cov'][t],
            dets['xyah'][det_idx], np.concatenate([at[rows[p]], gr]),
            np.concatenate([cols[p], gc]), self.gating_thr,
            self.gate_only_position)
        close = close.copy()
        close[p] |= gated[:p.size]
        gr, gc = gr[gated[p.size:]], gc[gated[p.size:]]
        return (np.concatenate([rows, lost_rows[gr]]),
                np.concatenate([cols, gc]),
                np.concatenate([iou, np.zeros(gr.size)]),
                np.concatenate([close, np.ones(gr.size, bool)]))

    def _iou_match(self, idx: np.ndarray, det_idx: np.ndarray, dets: dict,
                   iou_thr: float) -> Tuple[np.ndarray, np.ndarray]:
        """Match by IoU of the (predicted) track box, ``IoU > iou_thr``
        (FairMOT/ByteTrack ``iou_distance``)."""
        if idx.size == 0 or det_idx.size == 0:
            return idx[:0], det_idx[:0]
        t_boxes = self.track_table.boxes(idx)
        d_boxes = dets['bboxes'][det_idx]
        # boxes that do not overlap cost 1, as every pair not given
        rows, cols, iou = overlapping_iou(t_boxes, d_boxes)
        cost = 1. - iou
        return self._match(idx, det_idx, dets, rows, cols, cost,
                           1. - iou_thr)
