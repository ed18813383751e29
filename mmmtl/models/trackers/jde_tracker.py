"""JDE / FairMOT association of detections with appearance embeddings."""
from typing import Dict, Optional, Tuple

try:
    import lap
except ImportError:  # pragma: no cover - lap is a runtime requirement
    lap = None
import numpy as np
import torch
from mmdet.models.trackers import BaseTracker
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from .kalman_ops import (
    check_kalman_filter,
    kf_gating_distance,
    kf_initiate,
    kf_pair_gating_distance,
    kf_predict,
    kf_update,
)

# Stand-in for a forbidden (gated, other-class) pair: far above every
# threshold, finite so that any assignment solver accepts it.
_FORBIDDEN = 1e5

_ASSIGNMENTS = ('lapjv', 'hungarian')
_OUTPUT_BBOXES = ('kalman', 'detection')


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
        rows = np.flatnonzero(x >= 0)
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
    involved.

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
    rest_rows, row_pos = np.unique(rows[rest], return_inverse=True)
    rest_cols, col_pos = np.unique(cols[rest], return_inverse=True)
    sub = np.full((rest_rows.size, rest_cols.size), _FORBIDDEN)
    sub[row_pos, col_pos] = cost[rest]
    _, x, _ = lap.lapjv(sub, extend_cost=True, cost_limit=thr)
    sub_rows = np.flatnonzero(x >= 0)
    return (np.concatenate([rows[single], rest_rows[sub_rows]]),
            np.concatenate([cols[single], rest_cols[x[sub_rows]]]))


def _forbid_other_labels(cost: np.ndarray, row_labels: np.ndarray,
                         col_labels: np.ndarray) -> None:
    """Set ``cost`` (M, N) to inf where the labels (M,), (N,) differ."""
    if row_labels.size and col_labels.size and not (
            (row_labels == row_labels[0]).all() and
            (col_labels == row_labels[0]).all()):
        cost[row_labels[:, None] != col_labels[None, :]] = np.inf


def _xyah_to_xyxy(xyah: np.ndarray) -> np.ndarray:
    """(K, 4) boxes as (cx, cy, a, h) -> (K, 4) as (x1, y1, x2, y2)."""
    half = np.stack([xyah[:, 2] * xyah[:, 3], xyah[:, 3]], 1) / 2
    return np.concatenate([xyah[:, :2] - half, xyah[:, :2] + half], 1)


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


@MODELS.register_module()
class JDETracker(BaseTracker):
    """Online tracker of JDE and FairMOT: appearance first, then IoU.

    The association of ``JDETracker.update`` in FairMOT
    (``src/lib/tracker/multitracker.py``; JDE's ``tracker/multitracker.py``
    is the same with other defaults), run on stacked arrays instead of one
    Python object per track. Each frame:

    1. Kalman prediction of the confirmed and lost tracks (a lost track's
       height velocity is zeroed first).
    2. Stage 1, confirmed + lost tracks vs detections: cost
       ``lambda * cosine(track embed, det embed) + (1 - lambda) * d_M^2``,
       set to ``inf`` where ``d_M^2 > gating_thr`` or the labels differ;
       assignment (see :func:`linear_assignment`), accept cost
       ``< emb_match_thr``. A matched lost track is re-activated.
    3. Stage 2, confirmed tracks not lost before this frame and still
       unmatched vs the remaining detections: IoU of the predicted box,
       accept ``IoU > iou_match_thr``. Confirmed tracks still unmatched
       become lost.
    4. Unconfirmed tracks (born in a previous frame, seen once) vs what is
       left: IoU ``> unconfirmed_iou_thr`` confirms the track, otherwise it
       is removed. As in FairMOT these tracks are not Kalman-predicted.
    5. Leftover detections scoring ``>= init_track_thr`` start tracks;
       they are unconfirmed except on the first frame after a reset.
    6. Lost tracks unseen for more than ``int(frame_rate / 30 *
       track_buffer)`` frames are removed, in that frame (FairMOT's list
       bookkeeping keeps them one frame longer, see ``docs/tracker.md``).
    7. Of a tracked and a lost track of one label overlapping with
       ``IoU > duplicate_iou_thr``, the one tracked for fewer frames is
       dropped (``remove_duplicate_stracks``; a tie drops the tracked one).

    Matched tracks get a Kalman update with the detection box and their
    embedding becomes ``normalise(alpha * e + (1 - alpha) * d)`` with ``d``
    the L2-normalised detection embedding. Detections of different labels
    are never matched with each other's tracks, so several classes are
    tracked side by side. All state lives on the instance and is cleared at
    ``frame_id == 0``; identities count from 0 per instance and video.

    Args:
        motion (dict): Config of the motion model, an mmdet
            ``KalmanFilter`` (or subclass). Defaults to
            ``dict(type='KalmanFilter')``.
        obj_score_thr (float): Detections scoring at most this are ignored.
            Defaults to 0.4 (FairMOT ``--conf_thres``; JDE uses 0.5).
        init_track_thr (float): Minimum score to start a track. Defaults
            to 0.4 (FairMOT ``det_thresh = opt.conf_thres``).
        appearance_weight (float): ``lambda`` of the stage-1 cost.
            Defaults to 0.98 (``lambda_`` of ``matching.fuse_motion`` in
            JDE and FairMOT).
        gating_thr (float, optional): Gate on the squared Mahalanobis
            distance. Defaults to None, i.e. the motion model's 0.95
            chi-square quantile: ``chi2inv95[4] = 9.4877`` (2 dof, 5.9915,
            with ``gate_only_position``), as ``fuse_motion``.
        gate_only_position (bool): Gate on the box centre only. Defaults
            to False (``fuse_motion(only_position=False)``).
        emb_match_thr (float): Stage-1 cost limit. Defaults to 0.4
            (FairMOT ``linear_assignment(dists, thresh=0.4)``; JDE 0.7).
        iou_match_thr (float): Stage-2 minimum IoU. Defaults to 0.5
            (FairMOT/JDE ``iou_distance`` limit ``thresh=0.5``).
        unconfirmed_iou_thr (float): Minimum IoU to confirm an unconfirmed
            track. Defaults to 0.3 (FairMOT/JDE limit ``thresh=0.7`` on
            ``1 - IoU``).
        duplicate_iou_thr (float): IoU above which a tracked and a lost
            track are duplicates. Defaults to 0.85
            (``remove_duplicate_stracks``: ``1 - IoU < 0.15``).
        embed_momentum (float): ``alpha`` of the embedding moving average.
            Defaults to 0.9 (``STrack.alpha``).
        track_buffer (int): Frames a lost track is kept at 30 FPS.
            Defaults to 30 (FairMOT/JDE ``--track_buffer``).
        frame_rate (float): Frame rate used when the data sample's
            metainfo has no ``frame_rate``. Defaults to 30 (FairMOT/JDE
            ``JDETracker(frame_rate=30)``).
        assignment (str): ``'lapjv'`` (FairMOT's ``lap.lapjv`` with
            ``cost_limit``) or ``'hungarian'`` (full assignment, then
            threshold); see :func:`linear_assignment`. Defaults to
            ``'lapjv'``.
        activate_first_frame (bool): Whether tracks born on the first
            frame after a reset are confirmed at once. Defaults to True
            (FairMOT ``STrack.activate``; JDE never confirms at birth).
        output_bboxes (str): Output box of a track: ``'kalman'``, the
            corrected Kalman state (FairMOT's ``STrack.tlwh``), or
            ``'detection'``, the matched detection box. Defaults to
            ``'kalman'``.
        min_box_area (float): Output only tracks whose box area exceeds
            this. Defaults to 0 (FairMOT's evaluation script
            ``track.py`` uses ``--min-box-area 100``).
        max_aspect_ratio (float, optional): Output only tracks with
            ``w / h`` at most this. Defaults to None (FairMOT's
            ``track.py`` drops ``w / h > 1.6`` for pedestrians).
    """

    def __init__(self,
                 motion: dict = dict(type='KalmanFilter'),
                 obj_score_thr: float = 0.4,
                 init_track_thr: float = 0.4,
                 appearance_weight: float = 0.98,
                 gating_thr: Optional[float] = None,
                 gate_only_position: bool = False,
                 emb_match_thr: float = 0.4,
                 iou_match_thr: float = 0.5,
                 unconfirmed_iou_thr: float = 0.3,
                 duplicate_iou_thr: float = 0.85,
                 embed_momentum: float = 0.9,
                 track_buffer: int = 30,
                 frame_rate: float = 30.,
                 assignment: str = 'lapjv',
                 activate_first_frame: bool = True,
                 output_bboxes: str = 'kalman',
                 min_box_area: float = 0.,
                 max_aspect_ratio: Optional[float] = None) -> None:
        if lap is None:
            raise RuntimeError('JDETracker needs lap: pip install lap')
        name = type(self).__name__
        if assignment not in _ASSIGNMENTS:
            raise ValueError(f'{name}: assignment must be one of '
                             f'{_ASSIGNMENTS}, got {assignment!r}')
        if output_bboxes not in _OUTPUT_BBOXES:
            raise ValueError(f'{name}: output_bboxes must be one of '
                             f'{_OUTPUT_BBOXES}, got {output_bboxes!r}')
        for key, value in (('obj_score_thr', obj_score_thr),
                           ('init_track_thr', init_track_thr),
                           ('appearance_weight', appearance_weight),
                           ('embed_momentum', embed_momentum),
                           ('iou_match_thr', iou_match_thr),
                           ('unconfirmed_iou_thr', unconfirmed_iou_thr),
                           ('duplicate_iou_thr', duplicate_iou_thr)):
            if not 0 <= value <= 1:
                raise ValueError(
                    f'{name}: {key} must be in [0, 1], got {value}')
        if track_buffer < 0 or frame_rate <= 0:
            raise ValueError(f'{name}: need track_buffer >= 0 and '
                             f'frame_rate > 0, got {track_buffer} and '
                             f'{frame_rate}')
        self.motion = check_kalman_filter(TASK_UTILS.build(motion))
        self.obj_score_thr = obj_score_thr
        self.init_track_thr = init_track_thr
        self.appearance_weight = appearance_weight
        self.gate_only_position = gate_only_position
        self.gating_thr = (
            self.motion.chi2inv95[2 if gate_only_position else 4]
            if gating_thr is None else gating_thr)
        self.emb_match_thr = emb_match_thr
        self.iou_match_thr = iou_match_thr
        self.unconfirmed_iou_thr = unconfirmed_iou_thr
        self.duplicate_iou_thr = duplicate_iou_thr
        self.embed_momentum = embed_momentum
        self.track_buffer = track_buffer
        self.frame_rate = frame_rate
        self.assignment = assignment
        self.activate_first_frame = activate_first_frame
        self.output_bboxes = output_bboxes
        self.min_box_area = min_box_area
        self.max_aspect_ratio = max_aspect_ratio
        # BaseTracker's memo buffers are unused: the state is the arrays of
        # ``self._tracks``; its __init__ calls our reset().
        super().__init__()

    def reset(self) -> None:
        """Forget every track and restart the identity counter at 0."""
        self.num_tracks = 0  # next identity, as in mmdet's trackers
        self.num_frames = 0  # frames seen since the reset
        self.tracks = dict()  # unused BaseTracker memo, kept empty
        self._tracks: Dict[str, np.ndarray] = dict(
            ids=np.zeros(0, np.int64),
            labels=np.zeros(0, np.int64),
            mean=np.zeros((0, 8)),
            cov=np.zeros((0, 8, 8)),
            embeds=np.zeros((0, 0), np.float32),
            scores=np.zeros(0, np.float32),
            det_bboxes=np.zeros((0, 4)),
            lost=np.zeros(0, bool),
            activated=np.zeros(0, bool),
            start_frame=np.zeros(0, np.int64),
            last_frame=np.zeros(0, np.int64))

    @property
    def empty(self) -> bool:
        """bool: Whether no track (tracked, unconfirmed or lost) is kept."""
        return self._tracks['ids'].size == 0

    @property
    def ids(self) -> list:
        """list[int]: Identities of all kept tracks."""
        return self._tracks['ids'].tolist()

    @property
    def num_lost(self) -> int:
        """int: Number of lost tracks kept for re-identification."""
        return int(self._tracks['lost'].sum())

    def _read_detections(self, data_sample: DetDataSample) -> dict:
        """Gather the detections of a frame as float64/float32 arrays."""
        if 'pred_instances' not in data_sample:
            raise KeyError('JDETracker.track: the data sample has no '
                           'pred_instances; run the detector first')
        pred = data_sample.pred_instances
        missing = [
            k for k in ('bboxes', 'scores', 'labels', 'embeds')
            if k not in pred
        ]
        if missing:
            raise KeyError(
                f'JDETracker.track: pred_instances lacks {missing}; the '
                'detector must output bboxes, scores, labels and the Re-ID '
                'embeds (N, D) of every box')
        bboxes = pred.bboxes.detach().cpu().numpy().astype(np.float64)
        scores = pred.scores.detach().cpu().numpy().astype(np.float32)
        wh = bboxes[:, 2:] - bboxes[:, :2]
        # Boxes without area have no aspect ratio for the Kalman state.
        keep = (scores > self.obj_score_thr) & (wh > 0).all(1)
        embeds = pred.embeds.detach().cpu().numpy().astype(np.float32)[keep]
        embeds /= np.maximum(
            np.linalg.norm(embeds, axis=1, keepdims=True), 1e-12)
        bboxes, wh = bboxes[keep], wh[keep]
        return dict(
            bboxes=bboxes,
            xyah=np.concatenate(
                [bboxes[:, :2] + wh / 2, wh[:, :1] / wh[:, 1:], wh[:, 1:]],
                1),
            scores=scores[keep],
            labels=pred.labels.detach().cpu().numpy().astype(np.int64)[keep],
            embeds=embeds)

    def _appearance_match(self, idx: np.ndarray,
                          dets: dict) -> Tuple[np.ndarray, np.ndarray]:
        """Stage 1: match tracks ``idx`` (K,) with all N detections.

        Returns:
            tuple[np.ndarray, np.ndarray]: Matched positions in ``idx`` and
            matched detection indices.
        """
        tracks = self._tracks
        if tracks['embeds'].shape[1] != dets['embeds'].shape[1]:
            raise ValueError(
                'JDETracker.track: embedding size changed from '
                f"{tracks['embeds'].shape[1]} to {dets['embeds'].shape[1]}")
        # Both sides are unit vectors: the cosine distance is 1 - sim,
        # clipped at 0 like FairMOT's np.maximum(0, cdist(..., 'cosine')).
        sim = tracks['embeds'][idx] @ dets['embeds'].T  # (K, N)
        w, thr = self.appearance_weight, self.emb_match_thr
        mean, cov = tracks['mean'][idx], tracks['cov'][idx]
        if self.assignment == 'lapjv':
            # d_M^2 >= 0, so only pairs with w * (1 - sim) < thr can pass:
            # the Mahalanobis distance is needed for those few pairs only.
            rows, cols = np.nonzero(sim > (1. - thr / w if w > 0 else -2.))
            same = tracks['labels'][idx][rows] == dets['labels'][cols]
            rows, cols = rows[same], cols[same]
            maha = kf_pair_gating_distance(self.motion, mean, cov,
                                           dets['xyah'], rows, cols,
                                           self.gate_only_position)
            emb = np.maximum(1. - sim[rows, cols], 0.)
            cost = w * emb + (1 - w) * maha
            ok = (maha <= self.gating_thr) & (cost < thr)
            return sparse_lapjv(rows[ok], cols[ok], cost[ok], thr)
        maha = kf_gating_distance(self.motion, mean, cov, dets['xyah'],
                                  self.gate_only_position)
        cost = w * np.maximum(1. - sim, 0.) + (1 - w) * maha
        cost[maha > self.gating_thr] = np.inf
        _forbid_other_labels(cost, tracks['labels'][idx], dets['labels'])
        return linear_assignment(cost, thr, self.assignment)

    def _iou_match(self, idx: np.ndarray, det_idx: np.ndarray,
                   dets: dict, iou_thr: float) -> Tuple[np.ndarray, ...]:
        """Match tracks ``idx`` to detections ``det_idx`` by IoU."""
        tracks = self._tracks
        cost = 1. - box_iou(
            _xyah_to_xyxy(tracks['mean'][idx, :4]), dets['bboxes'][det_idx])
        _forbid_other_labels(cost, tracks['labels'][idx],
                             dets['labels'][det_idx])
        rows, cols = linear_assignment(cost, 1. - iou_thr, self.assignment)
        return idx[rows], det_idx[cols]

    def _remove_duplicates(self) -> np.ndarray:
        """Keep-mask after dropping the younger of tracked/lost duplicates.

        Returns:
            np.ndarray: (M,) bool, False for the tracks to drop.
        """
        tracks = self._tracks
        keep = np.ones(tracks['ids'].size, bool)
        tracked = np.flatnonzero(~tracks['lost'])
        lost = np.flatnonzero(tracks['lost'])
        if tracked.size == 0 or lost.size == 0:
            return keep
        ious = box_iou(
            _xyah_to_xyxy(tracks['mean'][tracked, :4]),
            _xyah_to_xyxy(tracks['mean'][lost, :4]))
        dup = (ious > self.duplicate_iou_thr) & (
            tracks['labels'][tracked][:, None] == tracks['labels'][lost][None])
        p, q = np.nonzero(dup)
        if p.size == 0:
            return keep
        age = tracks['last_frame'] - tracks['start_frame']
        older_tracked = age[tracked[p]] > age[lost[q]]
        keep[lost[q[older_tracked]]] = False
        keep[tracked[p[~older_tracked]]] = False
        return keep

    def _select(self, keep: np.ndarray) -> None:
        """Keep the tracks where ``keep`` (M,) is True."""
        self._tracks = {k: v[keep] for k, v in self._tracks.items()}

    def _append(self, new: dict) -> None:
        """Append the arrays of new tracks to the kept ones."""
        if self._tracks['ids'].size == 0:
            self._tracks = new
        else:
            self._tracks = {
                k: np.concatenate([v, new[k]])
                for k, v in self._tracks.items()
            }

    def track(self, data_sample: DetDataSample, **kwargs) -> InstanceData:
        """Associate the detections of one frame with the tracks.

        Args:
            data_sample (:obj:`DetDataSample`): The frame, with
                ``pred_instances`` holding ``bboxes`` (N, 4) as x1y1x2y2 in
                the original image, ``scores`` (N,), ``labels`` (N,) and
                ``embeds`` (N, D), and metainfo ``frame_id`` (0 starts a
                new video) and optionally ``frame_rate``.

        Returns:
            :obj:`InstanceData`: The confirmed tracks updated in this
            frame (K of them): ``bboxes`` (K, 4), ``scores`` (K,),
            ``labels`` (K,) and ``instances_id`` (K,), on the device of
            the input boxes.
        """
        metainfo = data_sample.metainfo
        if 'frame_id' not in metainfo:
            raise KeyError('JDETracker.track: the data sample metainfo has '
                           "no 'frame_id' (0 marks the first frame of a "
                           'video); got keys ' + str(sorted(metainfo)))
        frame_id = int(metainfo['frame_id'])
        if frame_id == 0:
            self.reset()
        frame_rate = metainfo.get('frame_rate') or self.frame_rate
        max_time_lost = int(frame_rate / 30.0 * self.track_buffer)
        device = data_sample.pred_instances.bboxes.device
        dets = self._read_detections(data_sample)
        first_frame = self.num_frames == 0
        self.num_frames += 1

        tracks = self._tracks
        num_tracks, num_dets = tracks['ids'].size, dets['scores'].size
        matched_det = np.full(num_tracks, -1, np.int64)
        det_free = np.ones(num_dets, bool)
        was_lost = tracks['lost'].copy()
        pool = np.flatnonzero(tracks['activated'])

        # 1. Kalman prediction of confirmed and lost tracks.
        if pool.size:
            mean = tracks['mean'][pool]
            mean[was_lost[pool], 7] = 0
            tracks['mean'][pool], tracks['cov'][pool] = kf_predict(
                self.motion, mean, tracks['cov'][pool])

        # 2. Appearance + motion association.
        if pool.size and num_dets:
            rows, cols = self._appearance_match(pool, dets)
            matched_det[pool[rows]] = cols
            det_free[cols] = False

        # 3. IoU association of tracks that were tracked last frame.
        remain = pool[(matched_det[pool] < 0) & ~was_lost[pool]]
        if remain.size and det_free.any():
            t_idx, d_idx = self._iou_match(remain, np.flatnonzero(det_free),
                                           dets, self.iou_match_thr)
            matched_det[t_idx] = d_idx
            det_free[d_idx] = False
        newly_lost = remain[matched_det[remain] < 0]

        # 4. Unconfirmed tracks: confirm by IoU or remove.
        unconfirmed = np.flatnonzero(~tracks['activated'])
        if unconfirmed.size and det_free.any():
            t_idx, d_idx = self._iou_match(unconfirmed,
                                           np.flatnonzero(det_free), dets,
                                           self.unconfirmed_iou_thr)
            matched_det[t_idx] = d_idx
            det_free[d_idx] = False
        keep = np.ones(num_tracks, bool)
        keep[unconfirmed[matched_det[unconfirmed] < 0]] = False

        # Kalman and embedding update of every matched track at once; the
        # stages above read states no earlier stage changed.
        matched = np.flatnonzero(matched_det >= 0)
        if matched.size:
            d = matched_det[matched]
            tracks['mean'][matched], tracks['cov'][matched] = kf_update(
                self.motion, tracks['mean'][matched], tracks['cov'][matched],
                dets['xyah'][d], dets['scores'][d])
            a = self.embed_momentum
            emb = a * tracks['embeds'][matched] + (1 - a) * dets['embeds'][d]
            emb /= np.linalg.norm(emb, axis=1, keepdims=True)
            tracks['embeds'][matched] = emb
            tracks['scores'][matched] = dets['scores'][d]
            tracks['det_bboxes'][matched] = dets['bboxes'][d]
            tracks['last_frame'][matched] = frame_id
            tracks['lost'][matched] = False
            tracks['activated'][matched] = True
        tracks['lost'][newly_lost] = True

        # 6. Lost tracks beyond the buffer are removed.
        keep &= ~(tracks['lost'] &
                  (frame_id - tracks['last_frame'] > max_time_lost))
        self._select(keep)

        # 5. New tracks from the confident leftover detections.
        new = np.flatnonzero(det_free
                             & (dets['scores'] >= self.init_track_thr))
        if new.size:
            mean, cov = kf_initiate(self.motion, dets['xyah'][new])
            n = new.size
            self._append(
                dict(
                    ids=np.arange(self.num_tracks, self.num_tracks + n),
                    labels=dets['labels'][new],
                    mean=mean,
                    cov=cov,
                    embeds=dets['embeds'][new],
                    scores=dets['scores'][new],
                    det_bboxes=dets['bboxes'][new],
                    lost=np.zeros(n, bool),
                    activated=np.full(n, first_frame
                                      and self.activate_first_frame),
                    start_frame=np.full(n, frame_id, np.int64),
                    last_frame=np.full(n, frame_id, np.int64)))
            self.num_tracks += n

        # 7. Duplicates between tracked and lost tracks.
        self._select(self._remove_duplicates())
        return self._output(device)

    def _output(self, device: torch.device) -> InstanceData:
        """Pack the confirmed, tracked tracks as an InstanceData."""
        tracks = self._tracks
        out = np.flatnonzero(tracks['activated'] & ~tracks['lost'])
        if self.output_bboxes == 'kalman':
            bboxes = _xyah_to_xyxy(tracks['mean'][out, :4])
        else:
            bboxes = tracks['det_bboxes'][out]
        bboxes = torch.from_numpy(bboxes)
        if self.min_box_area > 0 or self.max_aspect_ratio is not None:
            wh = bboxes[:, 2:] - bboxes[:, :2]
            show = wh.prod(1) > self.min_box_area
            if self.max_aspect_ratio is not None:
                show &= wh[:, 0] <= self.max_aspect_ratio * wh[:, 1]
            out, bboxes = out[show.numpy()], bboxes[show]
        results = InstanceData()
        results.bboxes = bboxes.float().to(device)
        results.scores = torch.from_numpy(tracks['scores'][out]).to(device)
        results.labels = torch.from_numpy(tracks['labels'][out]).to(device)
        results.instances_id = torch.from_numpy(tracks['ids'][out]).to(device)
        return results
