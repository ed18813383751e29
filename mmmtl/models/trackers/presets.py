"""The tracker's presets and the search spaces of its tuning, as data.

A preset names every tuning argument of :class:`JDETracker`; a config
picks one with ``preset=`` and may override any of its keys, within the
values of :data:`TRACKER_CHOICES` and :data:`UNIT_INTERVAL_KEYS`
(:func:`tracker_config` checks them). A search
space maps some of those keys to the range ``tools/analysis_tools/
tune_tracker.py`` searches (``[kind, low, high]`` with kind ``'float'``,
``'log_float'`` or ``'int'``, or ``['categorical', [choices]]``).
"""
import inspect
from typing import Any, Callable, Dict, List, Tuple

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
        motion_lock_iou=None,
        lost_match_thr=None,
        proximity_thr=0.5,
        fused_match_thr=0.8,
        fuse_score=False,
        appearance_gate='iou',
        unconfirmed_iou_thr=0.3,
        duplicate_iou_thr=0.85,
        lost_birth_score_thr=None,
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
    fused_match_thr=0.9,
    # BoT-SORT's own value: the margin test, not the threshold, keeps
    # look-alikes apart here (docs/tracker.md, "One default tracker")
    appearance_thr=0.25,
    # where appearance is trusted, it must not hand identities over
    # (docs/tracker.md, "Fewer identity switches")
    motion_lock_iou=0.7,
    lost_match_thr=0.85,
    lost_birth_score_thr=0.5)

# The ranges of the tuned keys, grouped by what they control; a preset's
# space joins its groups.
_DETECTION_RANGES = dict(
    obj_score_thr=['float', 0.2, 0.7],
    init_track_thr=['float', 0.2, 0.8])
_FAIRMOT_RANGES = dict(
    emb_match_thr=['float', 0.2, 0.7],
    appearance_weight=['float', 0.8, 1.0],
    iou_match_thr=['float', 0.3, 0.8])
_FUSED_RANGES = dict(
    low_score_thr=['float', 0.05, 0.3],
    appearance_thr=['float', 0.1, 0.45],
    proximity_thr=['float', 0.3, 0.9],
    fused_match_thr=['float', 0.5, 0.95])
_MEMORY_RANGES = dict(
    embed_momentum=['float', 0.8, 0.99],
    track_buffer=['int', 15, 120])

#: Default search space of each preset for tune_tracker.py: the keys that
#: matter most for that association, in ranges seen in the published
#: trackers' configs.
TRACKER_SEARCH_SPACES: Dict[str, Dict[str, List]] = dict(
    fairmot={
        **_DETECTION_RANGES,
        **_FAIRMOT_RANGES,
        **_MEMORY_RANGES,
        'embed_momentum': ['float', 0.7, 0.99],
    },
    robust={
        **_DETECTION_RANGES,
        **_FUSED_RANGES,
        **_MEMORY_RANGES,
    },
    # the robust ranges but proximity_thr (unused by the adaptive stage),
    # and its own
    adaptive={
        **_DETECTION_RANGES,
        **{k: v for k, v in _FUSED_RANGES.items() if k != 'proximity_thr'},
        'fused_match_thr': ['float', 0.6, 0.95],
        **_MEMORY_RANGES,
        'appearance_margin': ['float', 0.0, 0.3],
        'appearance_separation': ['float', 0.0, 4.0],
        'motion_lock_iou': ['float', 0.4, 1.0],
        'lost_match_thr': ['float', 0.6, 0.95],
        'lost_birth_score_thr': ['float', 0.3, 0.8],
    })

#: The keys that take one of a few values, and those values.
TRACKER_CHOICES: Dict[str, Tuple[str, ...]] = dict(
    assignment=('lapjv', 'hungarian'),
    output_bboxes=('kalman', 'detection'),
    association=('fairmot', 'fused', 'adaptive'),
    appearance_gate=('iou', 'iou_or_motion'))

#: The keys that are a score, a weight or an IoU, in [0, 1] (or None): a
#: score threshold above 1 would silently drop every detection.
UNIT_INTERVAL_KEYS = (
    'obj_score_thr', 'init_track_thr', 'low_score_thr',
    'embed_update_score_thr', 'appearance_weight', 'embed_momentum',
    'iou_match_thr', 'unconfirmed_iou_thr', 'duplicate_iou_thr',
    'low_iou_match_thr', 'appearance_thr', 'proximity_thr',
    'embed_update_max_iou', 'appearance_margin', 'motion_lock_iou',
    'lost_match_thr', 'lost_birth_score_thr')


def tracker_config(name: str, preset: str, overrides: dict) -> Dict[str,
                                                                     Any]:
    """A preset's values with ``overrides``, checked.

    Args:
        name (str): The tracker's class name, for the messages.
        preset (str): A key of :data:`TRACKER_PRESETS`.
        overrides (dict): Keyword arguments of the tracker.

    Returns:
        dict: Every tuning key and its value.
    """
    if preset not in TRACKER_PRESETS:
        raise ValueError(f'{name}: preset must be one of '
                         f'{sorted(TRACKER_PRESETS)}, got {preset!r}')
    unknown = sorted(set(overrides) - set(TRACKER_PRESETS[preset]))
    if unknown:
        raise TypeError(f'{name}: unknown arguments {unknown}; the '
                        'tuning arguments are '
                        f'{sorted(TRACKER_PRESETS[preset])}')
    cfg = dict(TRACKER_PRESETS[preset], **overrides)
    for key, choices in TRACKER_CHOICES.items():
        if cfg[key] not in choices:
            raise ValueError(f'{name}: {key} must be one of '
                             f'{choices}, got {cfg[key]!r}')
    for key in UNIT_INTERVAL_KEYS:
        if cfg[key] is not None and not 0 <= cfg[key] <= 1:
            raise ValueError(
                f'{name}: {key} must be in [0, 1], got {cfg[key]}')
    if cfg['track_buffer'] < 0 or cfg['frame_rate'] <= 0:
        raise ValueError(f'{name}: need track_buffer >= 0 and '
                         f"frame_rate > 0, got {cfg['track_buffer']} "
                         f"and {cfg['frame_rate']}")
    return cfg


def signature_with_presets(init: Callable) -> inspect.Signature:
    """The signature of ``init`` (a tracker's ``__init__`` taking
    ``**kwargs``) with every preset key as a keyword argument (defaults:
    the ``'fairmot'`` preset), so that tools inspecting a tracker's
    arguments see ``obj_score_thr`` and the rest behind ``**kwargs``."""
    sig = inspect.signature(init)
    params = [p for p in sig.parameters.values()
              if p.kind is not inspect.Parameter.VAR_KEYWORD]
    params += [
        inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
        for k, v in TRACKER_PRESETS['fairmot'].items()
    ]
    return sig.replace(parameters=params)
