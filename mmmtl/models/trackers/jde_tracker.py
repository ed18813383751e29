"""JDE / FairMOT association of detections with appearance embeddings,
with the optional stages of ByteTrack, BoT-SORT and Deep OC-SORT."""
import inspect
from typing import Dict, Optional, Tuple, Union

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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from torch import Tensor

from .camera_motion import rescale_warp, warp_kalman_states
from .kalman_ops import (
    check_kalman_filter,
    kf_gating_distance,
    kf_initiate,
    kf_pair_gating_distance,
    kf_predict,
    kf_project,
    kf_update,
)
from .presets import TRACKER_PRESETS

# Stand-in for a forbidden (gated, other-class) pair: far above every
# threshold, finite so that any assignment solver accepts it.
_FORBIDDEN = 1e5

_ASSIGNMENTS = ('lapjv', 'hungarian')
# Up to this many rows (or columns) left after the direct matches, one
# solve; beyond, one solve per connected group.
_ONE_SOLVE = 64
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
    rest_rows, row_pos = np.unique(rows[rest], return_inverse=True)
    rest_cols, col_pos = np.unique(cols[rest], return_inverse=True)
    rest_cost = cost[rest]
    out_rows, out_cols = [rows[single]], [cols[single]]
    n_r, n_c = rest_rows.size, rest_cols.size
    if n_r <= _ONE_SOLVE or n_c <= _ONE_SOLVE:
        blocks = [(np.arange(row_pos.size), row_pos, col_pos, n_r, n_c)]
    else:
        # Independent groups of rows and columns (connected components of
        # the candidate graph) are solved apart: the same optimum, several
        # small solves instead of one large one. (A group of columns only
        # has no pair, so every group has rows.)
        graph = coo_matrix((np.ones(row_pos.size), (row_pos, n_r + col_pos)),
                           shape=(n_r + n_c, ) * 2)
        n_comp, comp = connected_components(graph, directed=False)
        # pack consecutive small groups into blocks of about _ONE_SOLVE
        # rows: a block-diagonal problem has the same optimum
        size = np.bincount(comp[:n_r], minlength=n_comp)
        block = (np.cumsum(size) - size) // _ONE_SOLVE
        _, block = np.unique(block, return_inverse=True)
        comp, n_comp = block[comp], int(block.max()) + 1
        # position of each row (column) inside its component
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
        pair_comp = comp[row_pos]
        order = np.argsort(pair_comp, kind='stable')
        bounds = np.searchsorted(pair_comp[order], np.arange(n_comp + 1))
        blocks = []
        for k in range(n_comp):
            sel = order[bounds[k]:bounds[k + 1]]
            blocks.append((sel, local[row_pos[sel]], local[n_r + col_pos[sel]],
                           sizes[0][k], sizes[1][k]))
        row_of = np.empty((n_comp, int(sizes[0].max())), np.int64)
        col_of = np.empty((n_comp, int(sizes[1].max())), np.int64)
        row_of[comp[:n_r], local[:n_r]] = np.arange(n_r)
        col_of[comp[n_r:], local[n_r:]] = np.arange(n_c)
    for k, (sel, r_pos, c_pos, nr, nc) in enumerate(blocks):
        sub = np.full((nr, nc), _FORBIDDEN)
        sub[r_pos, c_pos] = rest_cost[sel]
        _, x, _ = lap.lapjv(sub, extend_cost=True, cost_limit=thr)
        sub_rows = np.flatnonzero(x >= 0)
        if len(blocks) == 1:
            out_rows.append(rest_rows[sub_rows])
            out_cols.append(rest_cols[x[sub_rows]])
        else:
            out_rows.append(rest_rows[row_of[k, sub_rows]])
            out_cols.append(rest_cols[col_of[k, x[sub_rows]]])
    return np.concatenate(out_rows), np.concatenate(out_cols)


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


_ASSOCIATIONS = ('fairmot', 'fused', 'adaptive')
_APPEARANCE_GATES = ('iou', 'iou_or_motion')


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


def _best_other(groups: np.ndarray, values: np.ndarray,
                num_groups: int) -> np.ndarray:
    """For each of P entries, the largest value among the other entries
    of its group (``-inf`` if it is alone).

    Args:
        groups (np.ndarray): (P,) group index of each entry, in
            ``[0, num_groups)``.
        values (np.ndarray): (P,) values.
        num_groups (int): Number of groups.

    Returns:
        np.ndarray: (P,) the best value of the rest of the entry's group.
    """
    out = np.full(values.shape, -np.inf)
    if values.size == 0:
        return out
    order = np.lexsort((-values, groups))  # by group, best first
    g, v = groups[order], values[order]
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    best = np.full(num_groups, -np.inf)
    best[g[first]] = v[first]
    nxt = np.minimum(first + 1, g.size - 1)
    has_second = (first + 1 < g.size) & (g[nxt] == g[first])
    second = np.full(num_groups, -np.inf)
    second[g[first[has_second]]] = v[nxt[has_second]]
    is_first = np.zeros(g.size, bool)
    is_first[first] = True
    # the best entry's rival is the second; every other entry's the best
    # (a tie for the best gives each the other's value)
    out[order] = np.where(is_first, second[g], best[g])
    return out


@MODELS.register_module()
class JDETracker(BaseTracker):
    """Online tracker of JDE and FairMOT, with optional stronger stages.

    With ``preset='fairmot'`` (the default) this is the association of
    ``JDETracker.update`` in FairMOT (``src/lib/tracker/multitracker.py``;
    JDE's ``tracker/multitracker.py`` is the same with other defaults), run
    on stacked arrays instead of one Python object per track. Each frame
    runs the stages of :meth:`track`:

    1. **Predict** (:meth:`_predict`): Kalman prediction of the confirmed
       and lost tracks (a lost track's height velocity is zeroed first);
       with ``gmc`` and a frame, the camera motion is compensated
       (:meth:`_compensate_camera`).
    2. **Associate** (:meth:`_associate`):

       - ``association='fairmot'``: stage 1, confirmed + lost tracks vs
         the high-score detections, cost ``lambda * cosine + (1 - lambda)
         * d_M^2`` (``inf`` where ``d_M^2 > gating_thr`` or the labels
         differ), accepted below ``emb_match_thr``; stage 2, the confirmed
         tracks tracked last frame (and with ``iou_lost_tracks`` the lost
         ones, at their Kalman prediction) still unmatched vs the remaining
         high-score detections by IoU, ``IoU > iou_match_thr``.
       - ``association='fused'`` (BoT-SORT, ``tracker/bot_sort.py``): one
         stage, confirmed + lost tracks vs the high-score detections, cost
         ``min(d_IoU, d_app)`` where ``d_app`` is half the cosine distance,
         set to 1 above ``appearance_thr`` or where the boxes are not
         close (``1 - IoU > proximity_thr``; with
         ``appearance_gate='iou_or_motion'`` a lost track also counts as
         close inside its Mahalanobis gate, since its box drifts while it
         is hidden), accepted below ``fused_match_thr``. ``fuse_score``
         multiplies the IoU by the detection score (BoT-SORT's and
         ByteTrack's ``fuse_score``).
       - **BYTE** (ByteTrack, with ``low_score_thr`` set): tracks tracked
         last frame and still unmatched vs the detections scoring in
         ``(low_score_thr, obj_score_thr]`` by IoU, ``IoU >
         low_iou_match_thr``. Low-score detections never start tracks.
       - Unconfirmed tracks (born in a previous frame, seen once) vs the
         remaining high-score detections: ``IoU > unconfirmed_iou_thr``
         confirms the track, otherwise it is removed. As in FairMOT these
         tracks are not Kalman-predicted.
    3. **Update** (:meth:`_update`): Kalman update of every matched track
       with its detection box; the appearance memory becomes
       ``normalise(alpha * e + (1 - alpha) * d)``. With
       ``embed_update_score_thr`` / ``embed_update_max_iou`` only
       detections scoring at least that, and overlapping no other
       detection by more than that IoU, update the memory (an occluded
       person's embedding shows the one in front); with
       ``dynamic_embed_momentum``, Deep OC-SORT's dynamic appearance,
       ``alpha = m + (1 - m) * (1 - (s - t) / (1 - t))`` for score ``s``,
       threshold ``t`` and ``m = embed_momentum``, so that a barely
       confident detection changes the memory least. Unmatched confirmed
       tracks become lost.
    4. **Prune** (:meth:`_prune`): lost tracks unseen for more than
       ``int(frame_rate / 30 * track_buffer)`` frames are removed, in that
       frame (FairMOT's list bookkeeping keeps them one frame longer, see
       ``docs/tracker.md``). ``frame_rate`` is the data sample's
       ``metainfo['frame_rate']`` (the sequence's ``seqinfo.ini``) when
       present, else the constructor's.
    5. **Birth** (:meth:`_birth`): leftover high-score detections scoring
       ``>= init_track_thr`` start tracks; they are unconfirmed except on
       the first frame after a reset. Then, of a tracked and a lost track
       of one label overlapping with ``IoU > duplicate_iou_thr``, the one
       tracked for fewer frames is dropped (``remove_duplicate_stracks``;
       a tie drops the tracked one).
    6. **Output** (:meth:`_output`): the confirmed tracks matched in this
       frame, filtered by :meth:`_output_filter` (``min_box_area``,
       ``max_aspect_ratio``), which plays no part in association.

    Detections of different labels are never matched with each other's
    tracks, so several classes are tracked side by side. All state lives
    on the instance and is cleared at ``frame_id == 0``; identities count
    from 0 per instance and video.

    Args:
        preset (str): Name of the defaults in :data:`TRACKER_PRESETS`:
            ``'fairmot'`` or ``'robust'``. Defaults to ``'fairmot'``.
        motion (dict): Config of the motion model, an mmdet
            ``KalmanFilter`` (or subclass). Defaults to
            ``dict(type='KalmanFilter')``.
        gmc (dict, optional): Config of a camera motion estimator (e.g.
            ``dict(type='CameraMotionEstimator')``); used on frames passed
            to :meth:`track` as ``img``. Defaults to None (no
            compensation; also none when no frame is passed).
        **kwargs: Overrides of the preset's values:

            - obj_score_thr (float): Detections scoring at most this are
              low-score (dropped unless ``low_score_thr`` is set).
              FairMOT: 0.4 (``--conf_thres``; JDE 0.5).
            - init_track_thr (float): Minimum score to start a track.
              FairMOT: 0.4 (``det_thresh = opt.conf_thres``).
            - low_score_thr (float, optional): Lower end of the BYTE
              detections, those scoring in ``(low_score_thr,
              obj_score_thr]`` (none if ``obj_score_thr`` is lower).
              FairMOT: None (off); robust: 0.1 (ByteTrack).
            - association (str): ``'fairmot'``, ``'fused'`` or
              ``'adaptive'``.
            - appearance_weight (float): ``lambda`` of the FairMOT cost.
              0.98 (``matching.fuse_motion``).
            - gating_thr (float, optional): Gate on the squared
              Mahalanobis distance. None: the 0.95 chi-square quantile,
              ``chi2inv95[4] = 9.4877`` (2 dof, 5.9915, with
              ``gate_only_position``), as ``fuse_motion``.
            - gate_only_position (bool): Gate on the box centre only.
              False (``fuse_motion(only_position=False)``).
            - emb_match_thr (float): FairMOT stage-1 cost limit. 0.4
              (FairMOT; JDE 0.7).
            - iou_match_thr (float): FairMOT stage-2 minimum IoU. 0.5.
            - iou_lost_tracks (bool): Lost tracks take part in the IoU
              stage (as in ByteTrack and BoT-SORT). FairMOT: False.
            - low_iou_match_thr (float): BYTE minimum IoU. 0.5
              (ByteTrack's second ``linear_assignment(thresh=0.5)``).
            - appearance_thr (float): Fused cost: largest half cosine
              distance that counts. 0.25 (BoT-SORT
              ``appearance_thresh``).
            - appearance_margin (float): Adaptive cost: how much more
              similar a pair must be than every other candidate of its
              track and of its detection for appearance to count. 0.1.
            - appearance_separation (float): Adaptive cost: appearance
              counts only once the video's embeddings separate people by
              a sensitivity index ``d'`` of at least this (see
              :meth:`_appearance_earned`); 0 trusts it from the start. 2.
            - proximity_thr (float): Fused cost: largest ``1 - IoU`` at
              which appearance counts. 0.5 (BoT-SORT
              ``proximity_thresh``).
            - fused_match_thr (float): Fused cost limit. 0.8 (BoT-SORT
              ``match_thresh``).
            - fuse_score (bool): Fused cost: IoU times detection score.
              Robust: True (BoT-SORT for MOT17).
            - appearance_gate (str): ``'iou'`` (BoT-SORT) or
              ``'iou_or_motion'``, see above.
            - unconfirmed_iou_thr (float): Minimum IoU to confirm an
              unconfirmed track. 0.3 (``thresh=0.7`` on ``1 - IoU``).
            - duplicate_iou_thr (float): IoU above which a tracked and a
              lost track are duplicates. 0.85
              (``remove_duplicate_stracks``).
            - embed_momentum (float): ``alpha`` of the memory's moving
              average, or ``m`` of the dynamic one. FairMOT: 0.9
              (``STrack.alpha``); robust: 0.95 (Deep OC-SORT
              ``alpha_fixed_emb``).
            - embed_update_score_thr (float, optional): Minimum score of
              a detection that updates the memory. FairMOT: None (all).
            - embed_update_max_iou (float, optional): Largest IoU with
              another detection of a detection that updates the memory.
              FairMOT: None (no check).
            - dynamic_embed_momentum (bool): Deep OC-SORT's score-dependent
              momentum. FairMOT: False.
            - track_buffer (int): Frames a lost track is kept at 30 FPS.
              30 (``--track_buffer``).
            - frame_rate (float): Frame rate used when the metainfo has no
              ``frame_rate``. 30 (``JDETracker(frame_rate=30)``).
            - assignment (str): ``'lapjv'`` (FairMOT's ``lap.lapjv`` with
              ``cost_limit``) or ``'hungarian'``; see
              :func:`linear_assignment`.
            - activate_first_frame (bool): Tracks born on the first frame
              after a reset are confirmed at once. True (FairMOT; JDE
              False).
            - output_bboxes (str): ``'kalman'`` (FairMOT's
              ``STrack.tlwh``) or ``'detection'``.
            - min_box_area (float): Output only boxes of larger area. 0
              (FairMOT's ``track.py`` uses 100).
            - max_aspect_ratio (float, optional): Output only boxes with
              ``w / h`` at most this. None (``track.py``: 1.6).
    """

    def __init__(self,
                 preset: str = 'fairmot',
                 motion: dict = dict(type='KalmanFilter'),
                 gmc: Optional[dict] = None,
                 **kwargs) -> None:
        if lap is None:
            raise RuntimeError('JDETracker needs lap: pip install lap')
        name = type(self).__name__
        if preset not in TRACKER_PRESETS:
            raise ValueError(f'{name}: preset must be one of '
                             f'{sorted(TRACKER_PRESETS)}, got {preset!r}')
        unknown = sorted(set(kwargs) - set(TRACKER_PRESETS[preset]))
        if unknown:
            raise TypeError(f'{name}: unknown arguments {unknown}; the '
                            'tuning arguments are '
                            f'{sorted(TRACKER_PRESETS[preset])}')
        cfg = dict(TRACKER_PRESETS[preset], **kwargs)
        self.preset = preset
        for key, choices in (('assignment', _ASSIGNMENTS),
                             ('output_bboxes', _OUTPUT_BBOXES),
                             ('association', _ASSOCIATIONS),
                             ('appearance_gate', _APPEARANCE_GATES)):
            if cfg[key] not in choices:
                raise ValueError(f'{name}: {key} must be one of '
                                 f'{choices}, got {cfg[key]!r}')
        # a score threshold above 1 would silently drop every detection
        for key in ('obj_score_thr', 'init_track_thr', 'low_score_thr',
                    'embed_update_score_thr', 'appearance_weight',
                    'embed_momentum', 'iou_match_thr',
                    'unconfirmed_iou_thr', 'duplicate_iou_thr',
                    'low_iou_match_thr', 'appearance_thr', 'proximity_thr',
                    'embed_update_max_iou', 'appearance_margin'):
            if cfg[key] is not None and not 0 <= cfg[key] <= 1:
                raise ValueError(
                    f'{name}: {key} must be in [0, 1], got {cfg[key]}')
        if cfg['track_buffer'] < 0 or cfg['frame_rate'] <= 0:
            raise ValueError(f'{name}: need track_buffer >= 0 and '
                             f"frame_rate > 0, got {cfg['track_buffer']} "
                             f"and {cfg['frame_rate']}")
        for key, value in cfg.items():
            setattr(self, key, value)
        self.motion = check_kalman_filter(TASK_UTILS.build(motion))
        self.gating_thr = (
            self.motion.chi2inv95[2 if self.gate_only_position else 4]
            if self.gating_thr is None else self.gating_thr)
        self.gmc = TASK_UTILS.build(gmc) if gmc is not None else None
        # BaseTracker's memo buffers are unused: the state is the arrays of
        # ``self._tracks``; its __init__ calls our reset().
        super().__init__()

    @property
    def with_gmc(self) -> bool:
        """bool: Whether camera motion is compensated (given frames)."""
        return self.gmc is not None

    def reset(self) -> None:
        """Forget every track and restart the identity counter at 0."""
        self.num_tracks = 0  # next identity, as in mmdet's trackers
        self.num_frames = 0  # frames seen since the reset
        self.tracks = dict()  # unused BaseTracker memo, kept empty
        self._prev_grey: Optional[np.ndarray] = None
        # decaying (count, sum, sum of squares) of the cosine similarity of
        # one person's two views (row 0) and of two people (row 1)
        self._sep = np.zeros((2, 3))
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

    # ------------------------------------------------------------ track --
    def track(self,
              data_sample: DetDataSample,
              img: Optional[Union[Tensor, np.ndarray]] = None,
              **kwargs) -> InstanceData:
        """Associate the detections of one frame with the tracks.

        Args:
            data_sample (:obj:`DetDataSample`): The frame, with
                ``pred_instances`` holding ``bboxes`` (N, 4) as x1y1x2y2 in
                the original image, ``scores`` (N,), ``labels`` (N,) and
                ``embeds`` (N, D), and metainfo ``frame_id`` (0 starts a
                new video) and optionally ``frame_rate`` and
                ``scale_factor``.
            img (Tensor | np.ndarray, optional): The frame, for camera
                motion compensation: the detector's input (1, C, H, W) (in
                ``scale_factor``-resized pixels) or an (H, W, 3) image in
                original pixels. Defaults to None (no compensation).

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
        dets = self._read_detections(data_sample)
        first_frame = self.num_frames == 0
        self.num_frames += 1

        self._predict()
        self._compensate_camera(img, metainfo, dets['bboxes'])
        matched_det, newly_lost, drop = self._associate(dets)
        self._update(dets, matched_det, newly_lost, frame_id)
        det_free = np.ones(dets['scores'].size, bool)
        det_free[matched_det[matched_det >= 0]] = False
        self._prune(drop, frame_id, frame_rate)
        self._birth(dets, det_free, frame_id, first_frame)
        return self._output(data_sample.pred_instances.bboxes.device)

    # ----------------------------------------------------------- stages --
    def _read_detections(self, data_sample: DetDataSample) -> dict:
        """Gather the detections of a frame as float64/float32 arrays.

        Detections scoring above ``low_score_thr`` (or ``obj_score_thr``
        without BYTE) with a box of positive area are kept; ``high`` marks
        those above ``obj_score_thr``.
        """
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
        # an override of obj_score_thr below low_score_thr empties the band
        low = (self.obj_score_thr if self.low_score_thr is None else min(
            self.low_score_thr, self.obj_score_thr))
        # Boxes without area have no aspect ratio for the Kalman state.
        keep = (scores > low) & (wh > 0).all(1)
        embeds = pred.embeds.detach().cpu().numpy().astype(np.float32)[keep]
        embeds /= np.maximum(
            np.linalg.norm(embeds, axis=1, keepdims=True), 1e-12)
        bboxes, wh, scores = bboxes[keep], wh[keep], scores[keep]
        return dict(
            bboxes=bboxes,
            xyah=np.concatenate(
                [bboxes[:, :2] + wh / 2, wh[:, :1] / wh[:, 1:], wh[:, 1:]],
                1),
            scores=scores,
            high=scores > self.obj_score_thr,
            labels=pred.labels.detach().cpu().numpy().astype(np.int64)[keep],
            embeds=embeds)

    def _predict(self) -> None:
        """Kalman prediction of the confirmed and lost tracks (FairMOT's
        ``STrack.multi_predict``: a lost track's height velocity is zeroed
        first). Unconfirmed tracks are not predicted, as in FairMOT and
        ByteTrack."""
        tracks = self._tracks
        pool = np.flatnonzero(tracks['activated'])
        if pool.size:
            mean = tracks['mean'][pool]
            mean[tracks['lost'][pool], 7] = 0
            tracks['mean'][pool], tracks['cov'][pool] = kf_predict(
                self.motion, mean, tracks['cov'][pool])

    def _compensate_camera(self,
                           img: Optional[Union[Tensor, np.ndarray]],
                           metainfo: dict,
                           bboxes: Optional[np.ndarray] = None) -> None:
        """Move every Kalman state by the camera's motion since the last
        frame (BoT-SORT's ``GMC.apply`` + ``STrack.multi_gmc``, applied to
        all tracks after prediction). The frame's detections ``bboxes``
        (N, 4), x1y1x2y2 in original pixels, are kept out of the estimate:
        moving people are not the camera. Without ``gmc`` or a frame,
        nothing happens."""
        if self.gmc is None or img is None:
            return
        if self.num_frames == 1:  # a new video: forget the last frame
            self.gmc.reset()
        # detector input (1, C, H, W) is in scale_factor-resized pixels
        scale_factor = metainfo.get('scale_factor') if isinstance(
            img, Tensor) else None
        if bboxes is not None and scale_factor is not None:
            bboxes = bboxes * np.tile(
                np.asarray(scale_factor, np.float64)[:2], 2)
        # every frame, tracks or not: the estimator keeps the last one
        warp = self.gmc.apply(img, bboxes)
        if self.empty:
            return
        warp = rescale_warp(warp, scale_factor)
        tracks = self._tracks
        tracks['mean'], tracks['cov'] = warp_kalman_states(
            tracks['mean'], tracks['cov'], warp)

    def _associate(self, dets: dict) -> Tuple[np.ndarray, ...]:
        """Match the tracks with the detections, stage by stage.

        Returns:
            tuple[np.ndarray, np.ndarray, np.ndarray]: ``matched_det``
            (M,), the detection of each track or -1; the confirmed tracks
            that become lost; the unconfirmed tracks to remove.
        """
        tracks = self._tracks
        num_tracks = tracks['ids'].size
        matched_det = np.full(num_tracks, -1, np.int64)
        det_free = np.ones(dets['scores'].size, bool)
        was_lost = tracks['lost'].copy()
        pool = np.flatnonzero(tracks['activated'])
        high = dets['high']

        def take(t_idx: np.ndarray, d_idx: np.ndarray) -> None:
            matched_det[t_idx] = d_idx
            det_free[d_idx] = False

        if pool.size and high.any():
            if self.association == 'fused':
                take(*self._fused_match(pool, np.flatnonzero(high), dets))
            elif self.association == 'adaptive':
                take(*self._adaptive_match(pool, np.flatnonzero(high),
                                           dets))
            else:
                take(*self._appearance_match(pool, np.flatnonzero(high),
                                             dets))
                take(*self._iou_match(
                    pool[(matched_det[pool] < 0) &
                         (self.iou_lost_tracks | ~was_lost[pool])],
                    np.flatnonzero(det_free & high), dets,
                    self.iou_match_thr))
        # BYTE: tracks tracked last frame vs the low-score detections.
        remain = pool[(matched_det[pool] < 0) & ~was_lost[pool]]
        if self.low_score_thr is not None:
            take(*self._iou_match(remain, np.flatnonzero(det_free & ~high),
                                  dets, self.low_iou_match_thr))
        newly_lost = remain[matched_det[remain] < 0]
        # Unconfirmed tracks: confirm by IoU or remove.
        unconfirmed = np.flatnonzero(~tracks['activated'])
        take(*self._iou_match(unconfirmed, np.flatnonzero(det_free & high),
                              dets, self.unconfirmed_iou_thr))
        return (matched_det, newly_lost,
                unconfirmed[matched_det[unconfirmed] < 0])

    def _appearance_match(self, idx: np.ndarray, det_idx: np.ndarray,
                          dets: dict) -> Tuple[np.ndarray, np.ndarray]:
        """FairMOT stage 1 (``embedding_distance`` + ``fuse_motion``):
        tracks ``idx`` (K,) vs detections ``det_idx`` (N,).

        Returns:
            tuple[np.ndarray, np.ndarray]: Matched track and detection
            indices.
        """
        tracks = self._tracks
        self._check_embed_size(dets)
        # Both sides are unit vectors: the cosine distance is 1 - sim,
        # clipped at 0 like FairMOT's np.maximum(0, cdist(..., 'cosine')).
        sim = tracks['embeds'][idx] @ dets['embeds'][det_idx].T  # (K, N)
        w, thr = self.appearance_weight, self.emb_match_thr
        mean, cov = tracks['mean'][idx], tracks['cov'][idx]
        xyah = dets['xyah'][det_idx]
        if self.assignment == 'lapjv':
            # d_M^2 >= 0, so only pairs with w * (1 - sim) < thr can pass:
            # the Mahalanobis distance is needed for those few pairs only.
            rows, cols = np.nonzero(sim > (1. - thr / w if w > 0 else -2.))
            same = tracks['labels'][idx][rows] == dets['labels'][det_idx][
                cols]
            rows, cols = rows[same], cols[same]
            maha = kf_pair_gating_distance(self.motion, mean, cov, xyah,
                                           rows, cols,
                                           self.gate_only_position)
            emb = np.maximum(1. - sim[rows, cols], 0.)
            cost = w * emb + (1 - w) * maha
            ok = (maha <= self.gating_thr) & (cost < thr)
            r, c = sparse_lapjv(rows[ok], cols[ok], cost[ok], thr)
            return idx[r], det_idx[c]
        maha = kf_gating_distance(self.motion, mean, cov, xyah,
                                  self.gate_only_position)
        cost = w * np.maximum(1. - sim, 0.) + (1 - w) * maha
        cost[maha > self.gating_thr] = np.inf
        _forbid_other_labels(cost, tracks['labels'][idx],
                             dets['labels'][det_idx])
        r, c = linear_assignment(cost, thr, self.assignment)
        return idx[r], det_idx[c]

    def _fused_match(self, idx: np.ndarray, det_idx: np.ndarray,
                     dets: dict) -> Tuple[np.ndarray, np.ndarray]:
        """BoT-SORT's first association: ``min(d_IoU, d_app)``, appearance
        only for close pairs; tracks ``idx`` (K,) vs detections
        ``det_idx`` (N,).

        Only pairs that can cost less than the limit are looked at: boxes
        that overlap, and with ``appearance_gate='iou_or_motion'`` a lost
        track's detections inside its Mahalanobis gate.

        Returns:
            tuple[np.ndarray, np.ndarray]: Matched track and detection
            indices.
        """
        tracks = self._tracks
        self._check_embed_size(dets)
        t_boxes = _xyah_to_xyxy(tracks['mean'][idx, :4])
        d_boxes = dets['bboxes'][det_idx]
        rows, cols = overlapping_pairs(t_boxes, d_boxes)
        iou = pair_iou(t_boxes, d_boxes, rows, cols)
        close = iou >= 1. - self.proximity_thr
        lost = tracks['lost'][idx]
        if self.appearance_gate == 'iou_or_motion' and lost.any():
            lost_rows = np.flatnonzero(lost)
            t = idx[lost_rows]
            gr, gc = np.nonzero(
                kf_gating_distance(self.motion, tracks['mean'][t],
                                   tracks['cov'][t], dets['xyah'][det_idx],
                                   self.gate_only_position) <=
                self.gating_thr)
            gated = np.zeros((idx.size, det_idx.size), bool)
            gated[lost_rows[gr], gc] = True
            close |= gated[rows, cols]
            gated[rows, cols] = False  # gated but not overlapping: IoU 0
            gr, gc = np.nonzero(gated)
            rows = np.concatenate([rows, gr])
            cols = np.concatenate([cols, gc])
            iou = np.concatenate([iou, np.zeros(gr.size)])
            close = np.concatenate([close, np.ones(gr.size, bool)])
        if self.fuse_score:
            iou = iou * dets['scores'][det_idx][cols]
        cost = 1. - iou
        if not self.iou_lost_tracks:
            cost[lost[rows]] = 1.
        # BoT-SORT: half the cosine distance of unit embeddings
        app = np.einsum('pd,pd->p', tracks['embeds'][idx[rows]],
                        dets['embeds'][det_idx[cols]])
        app = np.maximum(1. - app, 0.) / 2.
        app[(app > self.appearance_thr) | ~close] = 1.
        np.minimum(cost, app, out=cost)
        same = tracks['labels'][idx[rows]] == dets['labels'][det_idx[cols]]
        thr = self.fused_match_thr
        if self.assignment == 'lapjv':
            ok = same & (cost < thr)
            r, c = sparse_lapjv(rows[ok], cols[ok], cost[ok], thr)
            return idx[r], det_idx[c]
        dense = np.ones((idx.size, det_idx.size))
        dense[rows, cols] = np.where(same, cost, np.inf)
        _forbid_other_labels(dense, tracks['labels'][idx],
                             dets['labels'][det_idx])
        r, c = linear_assignment(dense, thr, self.assignment)
        return idx[r], det_idx[c]

    def _candidate_pairs(self, idx: np.ndarray, det_idx: np.ndarray,
                         dets: dict, t_boxes: np.ndarray,
                         d_boxes: np.ndarray) -> Tuple[np.ndarray, ...]:
        """Pairs of tracks ``idx`` and detections ``det_idx`` whose boxes
        overlap or that lie inside the track's Mahalanobis gate, without
        the (K, N) distance matrix: the squared distance is at least
        ``dx^2 / S_xx`` (and ``dy^2 / S_yy``), and overlapping boxes have
        centres closer than their half widths (heights), so only pairs
        within the larger of the two bounds along x and y are measured.

        Returns:
            tuple[np.ndarray, ...]: Positions in ``idx`` (P,) and in
            ``det_idx`` (P,), sorted by track then detection, and the
            pairs' IoU (P,).
        """
        tracks = self._tracks
        mean, cov = tracks['mean'][idx], tracks['cov'][idx]
        proj, s = kf_project(self.motion, mean, cov)
        xyah = dets['xyah'][det_idx]
        t_half = (t_boxes[:, 2:] - t_boxes[:, :2]) / 2  # (K, 2)
        d_half = (d_boxes[:, 2:] - d_boxes[:, :2]).max(0) / 2  # (2,)
        reach = np.maximum(
            np.sqrt(self.gating_thr * np.stack([s[:, 0, 0], s[:, 1, 1]], 1)),
            t_half + d_half)
        near = ((np.abs(xyah[None, :, 0] - proj[:, None, 0]) <=
                 reach[:, None, 0]) &
                (np.abs(xyah[None, :, 1] - proj[:, None, 1]) <=
                 reach[:, None, 1]))
        rows, cols = np.nonzero(near)
        iou = pair_iou(t_boxes, d_boxes, rows, cols)
        k = 2 if self.gate_only_position else 4
        inv = np.linalg.inv(s[:, :k, :k])
        diff = xyah[cols, :k] - proj[rows, :k]
        maha = np.einsum('pi,pij,pj->p', diff, inv[rows], diff)
        keep = (iou > 0) | (maha <= self.gating_thr)
        return rows[keep], cols[keep], iou[keep]

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

        Returns:
            tuple[np.ndarray, np.ndarray]: Matched track and detection
            indices.
        """
        tracks = self._tracks
        self._check_embed_size(dets)
        k, n = idx.size, det_idx.size
        t_boxes = _xyah_to_xyxy(tracks['mean'][idx, :4])
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
            sim = np.einsum('pd,pd->p', tracks['embeds'][idx[rows]],
                            dets['embeds'][det_idx[cols]])
            rival = np.maximum(_best_other(rows, sim, k),
                               _best_other(cols, sim, n))
            app = np.maximum(1. - sim, 0.) / 2.
            trusted = (app <= self.appearance_thr) & (
                sim - rival >= self.appearance_margin)
            cost = np.where(trusted, np.minimum(cost, app), cost)
        same = tracks['labels'][idx[rows]] == dets['labels'][det_idx[cols]]
        thr = self.fused_match_thr
        ok = same & (cost < thr)
        r, c = sparse_lapjv(rows[ok], cols[ok], cost[ok], thr)
        self._learn_separation(idx, det_idx, dets, rows, cols, raw_iou, r, c)
        return idx[r], det_idx[c]

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
                          dets: dict, rows: np.ndarray, cols: np.ndarray,
                          iou: np.ndarray, r: np.ndarray,
                          c: np.ndarray) -> None:
        """Add this frame's similarities to the running (decaying) sums
        behind :meth:`_appearance_earned`: a match whose boxes overlap by
        IoU >= 0.5 shows one person twice; its track against the frame's
        other detections shows different people (at most 64 tracks a
        frame)."""
        if self.appearance_separation <= 0 or r.size == 0:
            return
        # the candidates are sorted by (track, detection): find the matches
        keys = rows * det_idx.size + cols
        at = np.searchsorted(keys, r * det_idx.size + c)
        sure = iou[at] >= 0.5
        r, c = r[sure][:64], c[sure][:64]
        if r.size == 0:
            return
        t_emb = self._tracks['embeds'][idx[r]]
        sims = t_emb @ dets['embeds'][det_idx].T  # (S, N)
        same = sims[np.arange(r.size), c]
        other = np.ones_like(sims, bool)
        other[np.arange(r.size), c] = False
        self._sep *= 0.98  # forget slowly: the look of a video can change
        for k, v in enumerate((same, sims[other])):
            self._sep[k] += (v.size, v.sum(), (v**2).sum())

    def _iou_match(self, idx: np.ndarray, det_idx: np.ndarray, dets: dict,
                   iou_thr: float) -> Tuple[np.ndarray, np.ndarray]:
        """Match tracks ``idx`` to detections ``det_idx`` by IoU of the
        (predicted) track box (FairMOT/ByteTrack ``iou_distance``)."""
        if idx.size == 0 or det_idx.size == 0:
            return idx[:0], det_idx[:0]
        tracks = self._tracks
        t_boxes = _xyah_to_xyxy(tracks['mean'][idx, :4])
        d_boxes = dets['bboxes'][det_idx]
        if self.assignment == 'lapjv':
            # only overlapping pairs can pass: no (K, N) matrix
            rows, cols = overlapping_pairs(t_boxes, d_boxes)
            cost = 1. - pair_iou(t_boxes, d_boxes, rows, cols)
            ok = (cost < 1. - iou_thr) & (
                tracks['labels'][idx[rows]] == dets['labels'][det_idx[cols]])
            r, c = sparse_lapjv(rows[ok], cols[ok], cost[ok], 1. - iou_thr)
            return idx[r], det_idx[c]
        cost = 1. - box_iou(t_boxes, d_boxes)
        _forbid_other_labels(cost, tracks['labels'][idx],
                             dets['labels'][det_idx])
        rows, cols = linear_assignment(cost, 1. - iou_thr, self.assignment)
        return idx[rows], det_idx[cols]

    def _check_embed_size(self, dets: dict) -> None:
        if self._tracks['embeds'].shape[1] != dets['embeds'].shape[1]:
            raise ValueError(
                'JDETracker.track: embedding size changed from '
                f"{self._tracks['embeds'].shape[1]} to "
                f"{dets['embeds'].shape[1]}")

    def _update(self, dets: dict, matched_det: np.ndarray,
                newly_lost: np.ndarray, frame_id: int) -> None:
        """Kalman and appearance update of every matched track at once
        (the stages above read states no earlier stage changed); the
        unmatched confirmed tracks become lost."""
        tracks = self._tracks
        matched = np.flatnonzero(matched_det >= 0)
        if matched.size:
            d = matched_det[matched]
            tracks['mean'][matched], tracks['cov'][matched] = kf_update(
                self.motion, tracks['mean'][matched], tracks['cov'][matched],
                dets['xyah'][d], dets['scores'][d])
            self._update_appearance(matched, d, dets)
            tracks['scores'][matched] = dets['scores'][d]
            tracks['det_bboxes'][matched] = dets['bboxes'][d]
            tracks['last_frame'][matched] = frame_id
            tracks['lost'][matched] = False
            tracks['activated'][matched] = True
        tracks['lost'][newly_lost] = True

    def _update_appearance(self, t_idx: np.ndarray, d_idx: np.ndarray,
                           dets: dict) -> None:
        """Blend detections ``d_idx`` into the memories of ``t_idx``.

        FairMOT's ``STrack.update_features`` (fixed ``alpha``), restricted
        to trustworthy detections (high score, above
        ``embed_update_score_thr``, overlapping no other detection beyond
        ``embed_update_max_iou``) and, with ``dynamic_embed_momentum``,
        Deep OC-SORT's score-dependent ``alpha``.
        """
        tracks = self._tracks
        scores = dets['scores'][d_idx]
        ok = dets['high'][d_idx].copy()
        if self.embed_update_score_thr is not None:
            ok &= scores >= self.embed_update_score_thr
        if self.embed_update_max_iou is not None and ok.any():
            cand = dets['bboxes'][d_idx[ok]]
            r, c = overlapping_pairs(cand, dets['bboxes'])
            iou = pair_iou(cand, dets['bboxes'], r, c)
            iou[c == d_idx[ok][r]] = 0.  # a detection with itself
            worst = np.zeros(cand.shape[0])
            np.maximum.at(worst, r, iou)
            ok[ok] = worst <= self.embed_update_max_iou
        t_idx, d_idx, scores = t_idx[ok], d_idx[ok], scores[ok]
        if t_idx.size == 0:
            return
        m = self.embed_momentum
        if self.dynamic_embed_momentum:
            t = (self.obj_score_thr if self.embed_update_score_thr is None
                 else self.embed_update_score_thr)
            trust = np.clip((scores - t) / max(1. - t, 1e-6), 0., 1.)
            a = (m + (1. - m) * (1. - trust))[:, None].astype(np.float32)
        else:
            a = m
        emb = a * tracks['embeds'][t_idx] + (1 - a) * dets['embeds'][d_idx]
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        tracks['embeds'][t_idx] = emb

    def _prune(self, drop_unconfirmed: np.ndarray, frame_id: int,
               frame_rate: float) -> None:
        """Remove the unmatched unconfirmed tracks and the lost tracks
        beyond the buffer, ``int(frame_rate / 30 * track_buffer)``
        frames (FairMOT's ``max_time_lost``)."""
        tracks = self._tracks
        max_time_lost = int(frame_rate / 30.0 * self.track_buffer)
        keep = np.ones(tracks['ids'].size, bool)
        keep[drop_unconfirmed] = False
        keep &= ~(tracks['lost'] &
                  (frame_id - tracks['last_frame'] > max_time_lost))
        self._select(keep)

    def _birth(self, dets: dict, det_free: np.ndarray, frame_id: int,
               first_frame: bool) -> None:
        """New tracks from the confident leftover high-score detections,
        then FairMOT's ``remove_duplicate_stracks``."""
        new = np.flatnonzero(det_free & dets['high']
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
        self._select(self._remove_duplicates())

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
        a = _xyah_to_xyxy(tracks['mean'][tracked, :4])
        b = _xyah_to_xyxy(tracks['mean'][lost, :4])
        p, q = overlapping_pairs(a, b)
        dup = (pair_iou(a, b, p, q) > self.duplicate_iou_thr) & (
            tracks['labels'][tracked[p]] == tracks['labels'][lost[q]])
        p, q = p[dup], q[dup]
        if p.size == 0:
            return keep
        age = tracks['last_frame'] - tracks['start_frame']
        older_tracked = age[tracked[p]] > age[lost[q]]
        keep[lost[q[older_tracked]]] = False
        keep[tracked[p[~older_tracked]]] = False
        return keep

    def _select(self, keep: np.ndarray) -> None:
        """Keep the tracks where ``keep`` (M,) is True."""
        if not keep.all():
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

    def _output_filter(self, bboxes: np.ndarray) -> np.ndarray:
        """Which boxes (K, 4) are shown: FairMOT's evaluation-script
        filters ``min_box_area`` and ``max_aspect_ratio`` (``track.py``);
        association never sees them.

        Returns:
            np.ndarray: (K,) bool.
        """
        show = np.ones(bboxes.shape[0], bool)
        if self.min_box_area > 0 or self.max_aspect_ratio is not None:
            wh = bboxes[:, 2:] - bboxes[:, :2]
            show &= wh.prod(1) > self.min_box_area
            if self.max_aspect_ratio is not None:
                show &= wh[:, 0] <= self.max_aspect_ratio * wh[:, 1]
        return show

    def _output(self, device: torch.device) -> InstanceData:
        """Pack the confirmed tracks matched in this frame."""
        tracks = self._tracks
        out = np.flatnonzero(tracks['activated'] & ~tracks['lost'])
        if self.output_bboxes == 'kalman':
            bboxes = _xyah_to_xyxy(tracks['mean'][out, :4])
        else:
            bboxes = tracks['det_bboxes'][out]
        show = self._output_filter(bboxes)
        out, bboxes = out[show], bboxes[show]
        results = InstanceData()
        results.bboxes = torch.from_numpy(bboxes).float().to(device)
        results.scores = torch.from_numpy(tracks['scores'][out]).to(device)
        results.labels = torch.from_numpy(tracks['labels'][out]).to(device)
        results.instances_id = torch.from_numpy(tracks['ids'][out]).to(device)
        return results


def _signature_with_presets() -> inspect.Signature:
    """``JDETracker.__init__``'s signature with every preset key as a
    keyword argument (defaults: the ``'fairmot'`` preset), so that tools
    inspecting a tracker's arguments see ``obj_score_thr`` and the rest
    behind ``**kwargs``."""
    sig = inspect.signature(JDETracker.__init__)
    params = [p for p in sig.parameters.values()
              if p.kind is not inspect.Parameter.VAR_KEYWORD]
    params += [
        inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
        for k, v in TRACKER_PRESETS['fairmot'].items()
    ]
    return sig.replace(parameters=params)


JDETracker.__init__.__signature__ = _signature_with_presets()
