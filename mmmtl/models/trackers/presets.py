"""The tracker's presets and the search spaces of its tuning, as data.

A preset names every tuning argument of :class:`JDETracker`; a config
picks one with ``preset=`` and may override any of its keys. A search
space maps some of those keys to the range ``tools/analysis_tools/
tune_tracker.py`` searches (``[kind, low, high]`` with kind ``'float'``,
``'log_float'`` or ``'int'``, or ``['categorical', [choices]]``).
"""
from typing import Any, Dict, List

#: Named tracker presets. ``'fairmot'`` is FairMOT's association exactly
#: (the papers' tables are measured with it); ``'robust'`` adds BYTE,
#: lost tracks in the IoU stage, BoT-SORT's fused cost and an
#: occlusion-safe appearance memory (see ``docs/tracker.md`` for the
#: benchmark that chose it).
TRACKER_PRESETS: Dict[str, Dict[str, Any]] = dict(
    fairmot=dict(
        obj_score_thr=0.4,
        init_track_thr=0.4,
        low_score_thr=None,
        association='fairmot',
        appearance_weight=0.98,
        gating_thr=None,
        gate_only_position=False,
        emb_match_thr=0.4,
        iou_match_thr=0.5,
        iou_lost_tracks=False,
        low_iou_match_thr=0.5,
        appearance_thr=0.25,
        appearance_margin=0.1,
        appearance_separation=2.,
        proximity_thr=0.5,
        fused_match_thr=0.8,
        fuse_score=False,
        appearance_gate='iou',
        unconfirmed_iou_thr=0.3,
        duplicate_iou_thr=0.85,
        embed_momentum=0.9,
        embed_update_score_thr=None,
        embed_update_max_iou=None,
        dynamic_embed_momentum=False,
        track_buffer=30,
        frame_rate=30.,
        assignment='lapjv',
        activate_first_frame=True,
        output_bboxes='kalman',
        min_box_area=0.,
        max_aspect_ratio=None))
TRACKER_PRESETS['robust'] = dict(
    TRACKER_PRESETS['fairmot'],
    obj_score_thr=0.3,  # BYTE recovers the rest; see docs/tracker.md
    low_score_thr=0.1,  # ByteTrack
    association='fused',  # BoT-SORT
    iou_lost_tracks=True,  # ByteTrack, BoT-SORT
    appearance_thr=0.2,  # BoT-SORT 0.25; 0.2 on the benchmark
    fuse_score=True,  # BoT-SORT on MOT17
    appearance_gate='iou_or_motion',
    embed_momentum=0.95,  # Deep OC-SORT alpha_fixed_emb
    embed_update_score_thr=0.5,
    embed_update_max_iou=0.3,
    dynamic_embed_momentum=True,  # Deep OC-SORT
    track_buffer=60)  # the memory is safe for longer; see docs/tracker.md


#: ``'adaptive'``: ``'robust'`` with the adaptive first stage (motion
#: first; appearance wherever it separates a pair from its rivals,
#: inside the motion gate of every track). See ``docs/tracker.md``.
TRACKER_PRESETS['adaptive'] = dict(
    TRACKER_PRESETS['robust'],
    association='adaptive',
    # IoU > 0.1 as Roboflow's ByteTrack: erratic motion (dancers) keeps
    # little overlap with the prediction
    fused_match_thr=0.9)

#: Default search space of each preset for tune_tracker.py: the keys that
#: matter most for that association, in ranges seen in the published
#: trackers' configs.
TRACKER_SEARCH_SPACES: Dict[str, Dict[str, List]] = dict(
    fairmot=dict(
        obj_score_thr=['float', 0.2, 0.7],
        init_track_thr=['float', 0.2, 0.8],
        emb_match_thr=['float', 0.2, 0.7],
        appearance_weight=['float', 0.8, 1.0],
        iou_match_thr=['float', 0.3, 0.8],
        embed_momentum=['float', 0.7, 0.99],
        track_buffer=['int', 15, 120]),
    robust=dict(
        obj_score_thr=['float', 0.2, 0.7],
        init_track_thr=['float', 0.2, 0.8],
        low_score_thr=['float', 0.05, 0.3],
        appearance_thr=['float', 0.1, 0.45],
        proximity_thr=['float', 0.3, 0.9],
        fused_match_thr=['float', 0.5, 0.95],
        embed_momentum=['float', 0.8, 0.99],
        track_buffer=['int', 15, 120]))
# 'robust''s keys but proximity_thr (unused by the adaptive stage), and its
# own
TRACKER_SEARCH_SPACES['adaptive'] = dict(
    {k: v for k, v in TRACKER_SEARCH_SPACES['robust'].items()
     if k != 'proximity_thr'},
    appearance_margin=['float', 0.0, 0.3],
    appearance_separation=['float', 0.0, 4.0],
    fused_match_thr=['float', 0.6, 0.95])
