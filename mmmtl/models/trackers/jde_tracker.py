"""JDE / FairMOT association of detections with appearance embeddings,
with the optional stages of ByteTrack, BoT-SORT and Deep OC-SORT."""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmdet.models.trackers import BaseTracker
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from torch import Tensor

from .adaptive_association import AdaptiveAssociationMixin
from .assignment import lap
from .box_ops import largest_overlap_with_others, row_norms, xyxy_to_xyah
from .camera_motion import rescale_warp, warp_kalman_states
from .kalman_ops import check_kalman_filter, kf_initiate, kf_predict, kf_update
from .match_stages import MatchStagesMixin
from .presets import signature_with_presets, tracker_config
from .track_table import TrackTable


@MODELS.register_module()
class JDETracker(AdaptiveAssociationMixin, MatchStagesMixin, BaseTracker):
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
       ``metainfo['frame_rate']`` (packed by the test pipeline from the
       sequence's ``seqinfo.ini``, or from the video's fps by
       ``mmmtl.apis.track_video``) when present, else the constructor's.
    5. **Birth** (:meth:`_birth`): leftover high-score detections scoring
       ``>= init_track_thr`` (and ``lost_birth_score_thr`` if overlapping
       a lost track) start tracks, unconfirmed except on the first frame
       after a reset. Then, of a tracked and a lost track of one label
       overlapping with ``IoU > duplicate_iou_thr``, the one tracked for
       fewer frames is dropped (``remove_duplicate_stracks``; a tie drops
       the tracked one).
    6. **Output** (:meth:`_output`): the confirmed tracks matched in this
       frame, filtered by :meth:`_output_filter` (``min_box_area``,
       ``max_aspect_ratio``), which plays no part in association.

    With ``per_class`` (the default) a detection is never matched with a
    track of another label, in any stage, and duplicates are looked for
    within a label: several classes are tracked side by side, and a car
    never takes a person's identity. With one class this changes nothing.
    ``per_class=False`` associates across labels (for a detector whose
    labels flicker between similar classes); a track then takes the label
    of its latest detection.

    **State.** Every kept track (tracked, unconfirmed or lost) is a row of
    :attr:`track_table` (a :class:`TrackTable` of stacked column arrays),
    and :attr:`next_id` is the identity the next new track gets. mmdet's
    ``BaseTracker`` memo (``tracks``, ``num_tracks``, ``update``,
    ``memo``, ``get``: a dict of per-identity lists) is not used; its
    :attr:`empty` and :attr:`ids` read the table. :meth:`reset`, called
    at ``frame_id == 0``, clears all of it: identities count from 0 per
    instance and video. The stages live beside this class: the match
    stages in ``match_stages.py``, the adaptive stage in
    ``adaptive_association.py``, the assignment in ``assignment.py``.

    Args:
        preset (str): Name of the defaults in :data:`TRACKER_PRESETS`:
            ``'fairmot'``, ``'robust'`` or ``'adaptive'``. Defaults to
            ``'fairmot'``.
        motion (dict): Config of the motion model, an mmdet
            ``KalmanFilter`` (or subclass). Defaults to
            ``dict(type='KalmanFilter')``.
        gmc (dict, optional): Config of a camera motion estimator (e.g.
            ``dict(type='CameraMotionEstimator')``); used on frames passed
            to :meth:`track` as ``img``. Defaults to None (no
            compensation; also none when no frame is passed).
        per_class (bool): Associate detections only with tracks of their
            own label. Defaults to True.
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
            - motion_lock_iou (float, optional): Adaptive cost: a
              detection that a track tracked in the last frame overlaps
              by at least this IoU is that track's to lose by motion;
              appearance of other tracks does not count for it. FairMOT:
              None (off); adaptive: 0.7.
            - lost_match_thr (float, optional): Adaptive cost, once
              appearance is earned: a lost track matched by motion alone
              needs a cost below this, not ``fused_match_thr``. FairMOT:
              None; adaptive: 0.85.
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
            - lost_birth_score_thr (float, optional): A leftover
              detection that overlaps a lost track's prediction starts a
              track only when it scores at least this (and
              ``init_track_thr``): a person coming back from occlusion
              scores low for a few frames, and waits for its lost track
              instead of taking a new identity. FairMOT: None (off);
              adaptive: 0.5.
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
                 per_class: bool = True,
                 **kwargs) -> None:
        if lap is None:
            raise RuntimeError('JDETracker needs lap: pip install lap')
        cfg = tracker_config(type(self).__name__, preset, kwargs)
        self.preset = preset
        self.per_class = bool(per_class)
        for key, value in cfg.items():
            setattr(self, key, value)
        self.motion = check_kalman_filter(TASK_UTILS.build(motion))
        self.gating_thr = (
            self.motion.chi2inv95[2 if self.gate_only_position else 4]
            if self.gating_thr is None else self.gating_thr)
        self.gmc = TASK_UTILS.build(gmc) if gmc is not None else None
        # BaseTracker keeps its arguments and calls our reset()
        super().__init__()

    def _match_labels(self, labels: np.ndarray) -> np.ndarray:
        """The labels (N,) the association compares: the classes with
        ``per_class``, one label for all otherwise."""
        return labels if self.per_class else np.zeros_like(labels)

    @property
    def with_gmc(self) -> bool:
        """bool: Whether camera motion is compensated (given frames)."""
        return self.gmc is not None

    def reset(self) -> None:
        """Forget every track and restart the identities at 0."""
        self.next_id = 0  # identity of the next new track
        self.num_frames = 0  # frames seen since the reset
        self.track_table = TrackTable()
        self._reset_separation()

    @property
    def empty(self) -> bool:
        """bool: Whether no track (tracked, unconfirmed or lost) is kept."""
        return self.track_table.size == 0

    @property
    def ids(self) -> list:
        """list[int]: Identities of all kept tracks."""
        return self.track_table['ids'].tolist()

    @property
    def num_lost(self) -> int:
        """int: Number of lost tracks kept for re-identification."""
        return int(self.track_table['lost'].sum())

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
        # the stages between moves of the states share their boxes
        with self.track_table.states_fixed():
            matched_det, newly_lost, drop = self._associate(dets)
        self._update(dets, matched_det, newly_lost, frame_id)
        det_free = np.ones(dets['scores'].size, bool)
        det_free[matched_det[matched_det >= 0]] = False
        self._prune(drop, frame_id, frame_rate)
        with self.track_table.states_fixed():
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
        # an override of obj_score_thr below low_score_thr empties the band
        low = (self.obj_score_thr if self.low_score_thr is None else min(
            self.low_score_thr, self.obj_score_thr))
        # Boxes without area have no aspect ratio for the Kalman state.
        keep = (scores > low) & (bboxes[:, 2:] > bboxes[:, :2]).all(1)
        # the selection copies already: the cast to float32 need not
        embeds = pred.embeds.detach().cpu().numpy()[keep].astype(
            np.float32, copy=False)
        embeds /= np.maximum(row_norms(embeds), 1e-12)
        bboxes, scores = bboxes[keep], scores[keep]
        return dict(
            bboxes=bboxes,
            xyah=xyxy_to_xyah(bboxes),
            scores=scores,
            high=scores > self.obj_score_thr,
            labels=pred.labels.detach().cpu().numpy().astype(np.int64)[keep],
            embeds=embeds)

    def _predict(self) -> None:
        """Kalman prediction of the confirmed and lost tracks (FairMOT's
        ``STrack.multi_predict``: a lost track's height velocity is zeroed
        first). Unconfirmed tracks are not predicted, as in FairMOT and
        ByteTrack."""
        tracks = self.track_table
        pool = tracks['activated'].nonzero()[0]
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
        tracks = self.track_table
        tracks['mean'], tracks['cov'] = warp_kalman_states(
            tracks['mean'], tracks['cov'], warp)

    def _associate(self, dets: dict) -> Tuple[np.ndarray, ...]:
        """Match the tracks with the detections, stage by stage.

        Returns:
            tuple[np.ndarray, np.ndarray, np.ndarray]: ``matched_det``
            (M,), the detection of each track or -1; the confirmed tracks
            that become lost; the unconfirmed tracks to remove.
        """
        tracks = self.track_table
        matched_det = np.full(tracks.size, -1, np.int64)
        det_free = np.ones(dets['scores'].size, bool)
        was_lost = tracks['lost'].copy()
        pool = tracks['activated'].nonzero()[0]
        high = dets['high']

        def take(t_idx: np.ndarray, d_idx: np.ndarray) -> None:
            matched_det[t_idx] = d_idx
            det_free[d_idx] = False

        if pool.size and high.any():
            if self.association == 'fused':
                take(*self._fused_match(pool, high.nonzero()[0], dets))
            elif self.association == 'adaptive':
                take(*self._adaptive_match(pool, high.nonzero()[0],
                                           dets))
            else:
                take(*self._appearance_match(pool, high.nonzero()[0],
                                             dets))
                take(*self._iou_match(
                    pool[(matched_det[pool] < 0) &
                         (self.iou_lost_tracks | ~was_lost[pool])],
                    (det_free & high).nonzero()[0], dets,
                    self.iou_match_thr))
        # BYTE: tracks tracked last frame vs the low-score detections.
        remain = pool[(matched_det[pool] < 0) & ~was_lost[pool]]
        if self.low_score_thr is not None:
            take(*self._iou_match(remain, (det_free & ~high).nonzero()[0],
                                  dets, self.low_iou_match_thr))
        newly_lost = remain[matched_det[remain] < 0]
        # Unconfirmed tracks: confirm by IoU or remove.
        unconfirmed = (~tracks['activated']).nonzero()[0]
        take(*self._iou_match(unconfirmed, (det_free & high).nonzero()[0],
                              dets, self.unconfirmed_iou_thr))
        return (matched_det, newly_lost,
                unconfirmed[matched_det[unconfirmed] < 0])

    def _update(self, dets: dict, matched_det: np.ndarray,
                newly_lost: np.ndarray, frame_id: int) -> None:
        """Kalman and appearance update of every matched track at once
        (the stages above read states no earlier stage changed); the
        unmatched confirmed tracks become lost."""
        tracks = self.track_table
        matched = (matched_det >= 0).nonzero()[0]
        if matched.size:
            d = matched_det[matched]
            tracks['mean'][matched], tracks['cov'][matched] = kf_update(
                self.motion, tracks['mean'][matched], tracks['cov'][matched],
                dets['xyah'][d], dets['scores'][d])
            self._update_appearance(matched, d, dets)
            tracks['scores'][matched] = dets['scores'][d]
            tracks['labels'][matched] = dets['labels'][d]
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
        tracks = self.track_table
        scores = dets['scores'][d_idx]
        ok = dets['high'][d_idx]
        if self.embed_update_score_thr is not None:
            ok &= scores >= self.embed_update_score_thr
        if self.embed_update_max_iou is not None and ok.any():
            ok[ok] = largest_overlap_with_others(
                dets['bboxes'][d_idx[ok]], dets['bboxes'],
                d_idx[ok]) <= self.embed_update_max_iou
        t_idx, d_idx, scores = t_idx[ok], d_idx[ok], scores[ok]
        if t_idx.size == 0:
            return
        m = self.embed_momentum
        if self.dynamic_embed_momentum:
            t = (self.obj_score_thr if self.embed_update_score_thr is None
                 else self.embed_update_score_thr)
            trust = np.minimum(
                np.maximum((scores - t) / max(1. - t, 1e-6), 0.), 1.)
            a = (m + (1. - m) * (1. - trust))[:, None].astype(np.float32)
        else:
            a = m
        emb = a * tracks['embeds'][t_idx] + (1 - a) * dets['embeds'][d_idx]
        emb /= row_norms(emb)
        tracks['embeds'][t_idx] = emb

    def _prune(self, drop_unconfirmed: np.ndarray, frame_id: int,
               frame_rate: float) -> None:
        """Remove the unmatched unconfirmed tracks and the lost tracks
        beyond the buffer, ``int(frame_rate / 30 * track_buffer)``
        frames (FairMOT's ``max_time_lost``)."""
        tracks = self.track_table
        max_time_lost = int(frame_rate / 30.0 * self.track_buffer)
        keep = np.ones(tracks.size, bool)
        keep[drop_unconfirmed] = False
        keep &= ~(tracks['lost'] &
                  (frame_id - tracks['last_frame'] > max_time_lost))
        tracks.select(keep)

    def _birth(self, dets: dict, det_free: np.ndarray, frame_id: int,
               first_frame: bool) -> None:
        """New tracks from the confident leftover high-score detections,
        then FairMOT's ``remove_duplicate_stracks``."""
        new = (det_free & dets['high'] &
               (dets['scores'] >= self.init_track_thr)).nonzero()[0]
        tracks = self.track_table
        if self.lost_birth_score_thr is not None and new.size:
            # a weak detection near a lost track waits for that track
            weak = dets['scores'][new] < self.lost_birth_score_thr
            weak[weak] = tracks.overlaps_lost(dets['bboxes'][new[weak]],
                                              dets['labels'][new[weak]],
                                              self.per_class)
            new = new[~weak]
        if new.size:
            mean, cov = kf_initiate(self.motion, dets['xyah'][new])
            n = new.size
            tracks.append(
                dict(
                    ids=np.arange(self.next_id, self.next_id + n),
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
            self.next_id += n
        tracks.select(tracks.duplicates(self.duplicate_iou_thr,
                                        self.per_class))

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
        tracks = self.track_table
        out = (tracks['activated'] & ~tracks['lost']).nonzero()[0]
        if self.output_bboxes == 'kalman':
            bboxes = tracks.boxes(out)
        else:
            bboxes = tracks['det_bboxes'][out]
        show = self._output_filter(bboxes)
        out, bboxes = out[show], bboxes[show]
        fields = dict(
            bboxes=torch.from_numpy(bboxes.astype(np.float32)),
            scores=torch.from_numpy(tracks['scores'][out]),
            labels=torch.from_numpy(tracks['labels'][out]),
            instances_id=torch.from_numpy(tracks['ids'][out]))
        if device.type != 'cpu':
            fields = {k: v.to(device) for k, v in fields.items()}
        return InstanceData(**fields)


JDETracker.__init__.__signature__ = signature_with_presets(
    JDETracker.__init__)
