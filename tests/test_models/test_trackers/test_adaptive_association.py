"""JDETracker's adaptive first stage: motion first, appearance where it
separates a pair from its rivals, inside every track's motion gate."""
import numpy as np
import pytest
from mmdet.registry import MODELS
from tracker_test_utils import EMB_DIM, box, ids_at, make_frame, unit

from mmmtl.models.trackers import TRACKER_PRESETS
from mmmtl.models.trackers.adaptive_association import _best_other

DIM = EMB_DIM


def frame(frame_id, boxes, embeds, scores=None):
    return make_frame(frame_id, boxes, embeds, scores=scores, frame_rate=30.)


def id_of(res, b):
    return ids_at(res, [b])[0]


def test_best_other_takes_the_rest_of_each_group():
    groups = np.array([0, 0, 0, 1, 2, 2])
    values = np.array([0.9, 0.5, 0.7, 0.3, 0.6, 0.6])
    np.testing.assert_allclose(
        _best_other(groups, values),
        [0.7, 0.9, 0.9, -np.inf, 0.6, 0.6])


def test_the_adaptive_preset_is_robust_with_the_adaptive_stage():
    assert set(TRACKER_PRESETS['adaptive']) == set(TRACKER_PRESETS['fairmot'])
    diff = {k for k in TRACKER_PRESETS['adaptive']
            if TRACKER_PRESETS['adaptive'][k] != TRACKER_PRESETS['robust'][k]}
    assert diff <= {'association', 'appearance_margin', 'appearance_thr',
                    'fused_match_thr', 'low_score_thr', 'obj_score_thr',
                    'init_track_thr', 'track_buffer', 'fuse_score',
                    'embed_momentum', 'iou_match_thr', 'motion_lock_iou',
                    'lost_match_thr', 'lost_birth_score_thr'}
    assert TRACKER_PRESETS['adaptive']['association'] == 'adaptive'
    with pytest.raises(ValueError, match='appearance_margin'):
        MODELS.build(dict(type='JDETracker', preset='adaptive',
                          appearance_margin=1.5))


def run(tracker, frames):
    return [tracker.track(f) for f in frames]


def jump_scene():
    """Two people far apart; in frame 6 person A's detection jumps 40 px
    (a detector stutter or a fast step): no overlap with A's 30 px wide
    prediction, inside its motion gate; A's look is distinctive."""
    rng = np.random.default_rng(0)
    ea, eb = unit(rng.normal(size=(2, DIM)))
    frames = []
    for t in range(6):
        frames.append(frame(t, [box(100 + 2 * t, 200, 30, 200),
                                box(400, 200, 30, 200)], [ea, eb]))
    frames.append(frame(6, [box(152, 200, 30, 200), box(400, 200, 30, 200)],
                        [ea, eb]))
    return frames, box(152, 200, 30, 200)


def test_a_distinctive_person_is_refound_away_from_the_prediction():
    frames, jumped = jump_scene()
    # output the detection boxes: the Kalman box lags behind a jump
    adaptive = MODELS.build(dict(type='JDETracker', preset='adaptive',
                                 output_bboxes='detection'))
    robust = MODELS.build(dict(type='JDETracker', preset='robust',
                               output_bboxes='detection'))
    out_a, out_r = run(adaptive, frames), run(robust, frames)
    first = id_of(out_a[0], box(100, 200, 30, 200))
    assert first is not None and id_of(out_a[6], jumped) == first
    # the fused cost admits appearance only where the boxes overlap
    assert id_of(out_r[6], jumped) != id_of(out_r[0], box(100, 200, 30,
                                                           200))


def test_look_alikes_fall_back_to_motion():
    """Two people in identical clothes walk side by side; the detector's
    embeddings of the two are the same up to noise, and in frame 3 they
    are swapped (noise favours the wrong pairing). The separation check
    and the margin each keep appearance out, so motion keeps both
    identities; trusting appearance (neither, within the gate) swaps
    them."""
    rng = np.random.default_rng(1)
    e = unit(rng.normal(size=DIM))
    ea = unit(e + 0.02 * rng.normal(size=DIM))
    eb = unit(e + 0.02 * rng.normal(size=DIM))
    frames = []
    for t in range(4):
        ax, bx = 100 + 5 * t, 130 + 5 * t
        # frame 3: each detection carries the other's embedding
        embeds = [ea, eb] if t < 3 else [eb, ea]
        frames.append(frame(t, [box(ax, 200), box(bx, 200)], embeds))
    tracker = MODELS.build(dict(type='JDETracker', preset='adaptive'))
    out = run(tracker, frames)
    assert id_of(out[3], box(115, 200)) == id_of(out[0], box(100, 200))
    assert id_of(out[3], box(145, 200)) == id_of(out[0], box(130, 200))
    # the margin alone keeps them apart too
    margin_only = MODELS.build(dict(type='JDETracker', preset='adaptive',
                                    appearance_separation=0.))
    out = run(margin_only, frames)
    assert id_of(out[3], box(115, 200)) == id_of(out[0], box(100, 200))
    # so does the motion lock alone: each track overlaps its own
    # detection by IoU >= 0.7
    lock_only = MODELS.build(dict(type='JDETracker', preset='adaptive',
                                  appearance_margin=0.,
                                  appearance_separation=0.))
    out = run(lock_only, frames)
    assert id_of(out[3], box(115, 200)) == id_of(out[0], box(100, 200))
    # trusting appearance (no margin, no separation check, no lock) swaps
    # them
    naive = MODELS.build(dict(type='JDETracker', preset='adaptive',
                              appearance_margin=0.,
                              appearance_separation=0.,
                              motion_lock_iou=None))
    out = run(naive, frames)
    assert id_of(out[3], box(115, 200)) == id_of(out[0], box(130, 200))


def test_a_person_in_plain_view_keeps_its_identity_from_a_lost_look_alike():
    """A walks in plain view; B, close behind, is hidden from frame 5
    (lost). From frame 6 A's detection carries B's look (B's colours
    show through, or the detector confuses them): A's track still
    overlaps it by IoU > 0.7, so motion is sure and B's lost track may
    not take it by appearance; without the lock it does, and A's
    identity passes to B's track."""
    rng = np.random.default_rng(3)
    ea, eb = unit(rng.normal(size=(2, DIM)))
    frames = []
    for t in range(9):
        ax = 100 + 3 * t
        boxes, embeds = [box(ax, 200)], [ea if t < 6 else eb]
        if t < 5:
            boxes.append(box(ax + 30, 200))
            embeds.append(eb)
        frames.append(frame(t, boxes, embeds))

    def identity_at(tracker, t):
        return id_of(run(tracker, frames)[t], box(100 + 3 * t, 200))

    kw = dict(type='JDETracker', preset='adaptive', appearance_separation=0.)
    a_id = identity_at(MODELS.build(kw), 0)
    assert identity_at(MODELS.build(kw), 8) == a_id
    unlocked = MODELS.build(dict(kw, motion_lock_iou=None))
    assert identity_at(unlocked, 8) != a_id


def test_a_lost_track_needs_more_than_a_weak_overlap_once_appearance_counts():
    """A is lost behind a pillar; C, who looks nothing like A, steps out
    at the edge of A's prediction (IoU * score just above 0.1). Where
    appearance separates people, a match of a lost track by motion
    alone must cost below ``lost_match_thr`` (0.85): C gets a new
    identity. Without it, A's track takes C."""
    rng = np.random.default_rng(4)
    ea, ec = unit(rng.normal(size=(2, DIM)))
    frames = [frame(t, [box(100, 200)], [ea]) for t in range(5)]
    frames += [frame(t, np.zeros((0, 4)), np.zeros((0, DIM)))
               for t in range(5, 8)]
    # 30 px to the side of A's box (40 x 100): IoU 1/7, times 0.8: 0.114
    frames.append(frame(8, [box(130, 200)], [ec], scores=[0.8]))
    kw = dict(type='JDETracker', preset='adaptive', appearance_separation=0.)
    out = run(MODELS.build(kw), frames)
    a_id = id_of(out[0], box(100, 200))
    assert id_of(out[8], box(130, 200)) != a_id
    out = run(MODELS.build(dict(kw, lost_match_thr=None)), frames)
    assert id_of(out[8], box(130, 200)) == a_id


def test_a_weak_detection_near_a_lost_track_waits_for_it():
    """A comes back from a gap: for two frames its detection scores 0.45
    (above ``init_track_thr``) and lies off A's prediction (a detector
    stutter), then it is found where expected. Starting a track on the
    weak detection gives A a new identity, which holds on; with
    ``lost_birth_score_thr`` (0.5) the weak detections start nothing and
    A's lost track takes A back."""
    rng = np.random.default_rng(5)
    ea = unit(rng.normal(size=DIM))
    frames = [frame(t, [box(100, 200)], [ea]) for t in range(5)]
    frames += [frame(t, np.zeros((0, 4)), np.zeros((0, DIM)))
               for t in range(5, 8)]
    noise = unit(rng.normal(size=(2, DIM)))  # stutter: no usable look
    frames += [frame(8 + k, [box(128, 200)], [noise[k]], scores=[0.45])
               for k in range(2)]
    frames.append(frame(10, [box(128, 200)], [ea]))
    kw = dict(type='JDETracker', preset='adaptive', appearance_separation=0.)
    out = run(MODELS.build(kw), frames)
    a_id = id_of(out[0], box(100, 200))
    assert len(out[9]) == 0
    assert id_of(out[10], box(128, 200)) == a_id
    out = run(MODELS.build(dict(kw, lost_birth_score_thr=None)), frames)
    assert id_of(out[10], box(128, 200)) not in (None, a_id)


def test_appearance_is_earned_only_where_it_separates_people():
    """Ten people walking apart: with distinct looks the separation index
    passes the bar after a few frames; with one costume (embeddings that
    differ by noise only) it never does."""
    rng = np.random.default_rng(2)
    xs = np.arange(10) * 60. + 50

    def scene(protos):
        return [frame(t, [box(x + t, 200) for x in xs],
                      unit(protos + 0.05 * rng.normal(size=protos.shape)))
                for t in range(12)]

    distinct = MODELS.build(dict(type='JDETracker', preset='adaptive'))
    run(distinct, scene(unit(rng.normal(size=(10, DIM)))))
    assert distinct._appearance_earned()
    alike = MODELS.build(dict(type='JDETracker', preset='adaptive'))
    run(alike, scene(np.repeat(unit(rng.normal(size=(1, DIM))), 10, 0)))
    assert not alike._appearance_earned()
    # 0 switches the check off
    off = MODELS.build(dict(type='JDETracker', preset='adaptive',
                            appearance_separation=0.))
    assert off._appearance_earned()


def test_every_preset_has_a_valid_search_space_over_its_keys():
    from mmmtl.apis import check_search_space
    from mmmtl.models.trackers import TRACKER_SEARCH_SPACES
    assert set(TRACKER_SEARCH_SPACES) == set(TRACKER_PRESETS)
    for preset, space in TRACKER_SEARCH_SPACES.items():
        check_search_space(space, preset)
        assert set(space) <= set(TRACKER_PRESETS[preset]), preset
