"""Tests of JDETracker's optional stages (BYTE, lost tracks in the IoU
stage, fused cost, appearance memory, camera motion) and its presets.

Each mechanism is checked on a scene where it matters: the test runs the
tracker with the mechanism on and off and requires that only the former
keeps every identity.
"""
import cv2
import numpy as np
import pytest
from mmdet.registry import TASK_UTILS
from tracker_test_utils import EMB_DIM, box, build, ids_at, make_frame, unit

from mmmtl.models.trackers import TRACKER_PRESETS
from mmmtl.models.trackers.camera_motion import (
    rescale_warp,
    warp_kalman_states,
)


# ---------------------------------------------------------- presets --
def test_presets_are_data_and_overridable():
    fair = build()
    assert fair.preset == 'fairmot' and fair.low_score_thr is None
    assert fair.association == 'fairmot' and not fair.iou_lost_tracks
    robust = build(preset='robust', obj_score_thr=0.3)
    assert robust.obj_score_thr == 0.3 and robust.low_score_thr == 0.1
    assert set(TRACKER_PRESETS['robust']) == set(TRACKER_PRESETS['fairmot'])
    with pytest.raises(ValueError, match='preset'):
        build(preset='nope')
    with pytest.raises(TypeError, match='unknown arguments'):
        build(obj_score_threshold=0.3)
    with pytest.raises(ValueError, match='association'):
        build(association='greedy')


# --------------------------------------------- lost tracks by IoU --
def _hidden_walker(tracker, hidden=20):
    """One person walking right at 4 px/frame, hidden for ``hidden``
    frames; it comes back with an embedding that has drifted (cosine
    similarity 0.4 to the one it had). Returns the identities before and
    after."""
    e = np.eye(EMB_DIM)
    before = unit(e[0])
    after = unit(0.4 * e[0] + np.sqrt(1 - 0.16) * e[1])
    ids = []
    for f in range(40 + hidden):
        b = box(100 + 4 * f, 300)
        if 15 <= f < 15 + hidden:
            res = tracker.track(make_frame(f, np.zeros((0, 4)), e[:0]))
            assert len(res) == 0
            continue
        emb = before if f < 15 else after
        res = tracker.track(make_frame(f, [b], [emb]))
        if f in (14, 15 + hidden + 2):
            ids.append(ids_at(res, [b])[0])
    return ids


@pytest.mark.parametrize('preset', ['fairmot', 'robust'])
def test_person_hidden_20_frames_keeps_identity(preset):
    # the Kalman prediction of the lost track meets the person again
    assert _hidden_walker(build(preset=preset, iou_lost_tracks=True)) \
        == [0, 0]
    # without lost tracks in the IoU stage only appearance could re-find
    # the person, and the drifted embedding is too far
    # (the new track then overlaps the lost one and, being younger, is
    # dropped as its duplicate: the person is not output at all)
    ids = _hidden_walker(build(preset=preset, iou_lost_tracks=False))
    assert ids[0] == 0 and ids[1] != 0


# ------------------------------------------------------------ BYTE --
@pytest.mark.parametrize('byte', [True, False])
def test_low_score_detection_continues_but_never_starts_a_track(byte):
    tracker = build(preset='robust', low_score_thr=0.1 if byte else None)
    e = np.eye(EMB_DIM)
    lone = box(600, 300)  # a low-score false positive, every frame
    kept = []
    for f in range(20):
        b = box(100 + 3 * f, 300)
        # frames 8-15: partly occluded, the score drops to 0.25
        score = 0.25 if 8 <= f < 16 else 0.9
        res = tracker.track(
            make_frame(f, [b, lone], [e[0], e[1]], scores=[score, 0.3]))
        assert ids_at(res, [lone]) == [None]
        if 8 <= f < 16:
            kept.append(ids_at(res, [b])[0])
    assert tracker.next_id == 1
    if byte:
        assert kept == [0] * 8
    else:
        assert kept == [None] * 8


# ------------------------------------------------ appearance memory --
def _corrupted_overlap(tracker):
    """A stands still; B walks up behind A and stands there, partly
    hidden (box IoU 0.4), for 20 frames, its embedding showing A while
    their boxes overlap by IoU > 0.2; B is then hidden for 15 frames and
    steps back out to the left. Returns the identities of (A, B) before
    the overlap and on the last frame."""
    e = np.eye(EMB_DIM)
    ea, eb = e[0], e[1]
    a = box(300, 300)
    first = last = None
    for f in range(60):
        if f < 10:
            cx_b = 250 + 3.3 * f
        elif f < 30:
            cx_b = 283.
        elif f < 45:
            cx_b = None  # hidden
        else:
            cx_b = 250 - 2 * (f - 45)
        boxes, embs = [a], [ea]
        if cx_b is not None:
            dx = abs(cx_b - 300)
            iou = max(0., 40 - dx) / (40 + dx)
            boxes.append(box(cx_b, 300))
            embs.append(ea if iou > 0.2 else eb)
        res = tracker.track(make_frame(f, boxes, embs))
        if f == 3:
            first = ids_at(res, boxes)
        if f == 59:
            last = ids_at(res, boxes)
    return first, last


def test_overlap_corrupted_embedding_does_not_swap():
    first, last = _corrupted_overlap(build(preset='robust'))
    assert first == [0, 1] and last == [0, 1]
    # the same tracker blending every matched embedding (FairMOT's rule)
    first, last = _corrupted_overlap(
        build(preset='robust', embed_update_score_thr=None,
              embed_update_max_iou=None, dynamic_embed_momentum=False,
              embed_momentum=0.9))
    assert first == [0, 1] and last != [0, 1]


# ------------------------------------------------- camera motion --
def _texture(width, height, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 255, (height, width)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 4.0)
    noise = cv2.normalize(noise, None, 0, 255, cv2.NORM_MINMAX)
    return np.repeat(noise.astype(np.uint8)[..., None], 3, 2)


def test_camera_motion_estimator_finds_a_shift():
    world = _texture(800, 300)
    prev, curr = world[:, 100:500], world[:, 112:512]  # camera moves +12
    for method in ('sparse_flow', 'ecc'):
        gmc = TASK_UTILS.build(
            dict(type='CameraMotionEstimator', method=method))
        warp = gmc.estimate(prev[..., 0], curr[..., 0])
        np.testing.assert_allclose(warp[:, :2], np.eye(2), atol=0.02)
        np.testing.assert_allclose(warp[:, 2], [-12, 0], atol=1.0)
    # a warp found at half size, expressed in original pixels
    half = np.array([[1., 0., -6.], [0., 1., 2.]])
    np.testing.assert_allclose(
        rescale_warp(half, (0.5, 0.5)), [[1, 0, -12], [0, 1, 4]])
    mean = np.array([[10., 20., 0.5, 100., 1., 2., 0., 3.]])
    cov = np.eye(8)[None]
    m, c = warp_kalman_states(mean, cov, np.array([[2., 0., 5.],
                                                   [0., 2., -5.]]))
    np.testing.assert_allclose(m[0], [25, 35, 0.5, 200, 2, 4, 0, 6])
    assert c[0, 0, 0] == 4 and c[0, 2, 2] == 1


def _panning_camera(tracker, pass_frames=True):
    """Five people stand still; the camera pans 30 px/frame from frame
    10 on. Embeddings carry no identity (fresh noise every frame), so only
    motion can keep the identities. Returns the identity of each person
    per frame."""
    world = _texture(2200, 360)
    rng = np.random.default_rng(1)
    people = [300 + 110 * k for k in range(5)]
    out = []
    for f in range(25):
        cam = 0 if f < 10 else 30 * (f - 9)
        frame = world[:, cam:cam + 1200]
        boxes = [box(x - cam, 200) for x in people]
        embs = unit(rng.normal(size=(5, EMB_DIM)))
        res = tracker.track(
            make_frame(f, boxes, embs),
            img=frame if pass_frames else None)
        out.append(ids_at(res, boxes))
    return out


def test_camera_pan_keeps_identities_with_compensation():
    gmc = dict(type='CameraMotionEstimator')
    ids = _panning_camera(build(preset='robust', gmc=gmc))
    assert all(row == [0, 1, 2, 3, 4] for row in ids)
    # no compensation, or no frames to estimate it from: tracks break
    for tracker, frames in ((build(preset='robust'), True),
                            (build(preset='robust', gmc=gmc), False)):
        ids = _panning_camera(tracker, frames)
        assert ids[9] == [0, 1, 2, 3, 4]
        assert ids[-1] != [0, 1, 2, 3, 4]


# ------------------------------------------------- sparse helpers --
def test_overlapping_pairs_and_pair_iou_match_the_dense_iou():
    from mmmtl.models.trackers.box_ops import (
        box_iou,
        overlapping_pairs,
        pair_iou,
    )
    rng = np.random.default_rng(0)
    for m, n in ((0, 5), (7, 0), (60, 80)):
        xy = rng.uniform(0, 400, (m + n, 2))
        wh = rng.uniform(5, 80, (m + n, 2))
        boxes = np.c_[xy, xy + wh]
        a, b = boxes[:m], boxes[m:]
        rows, cols = overlapping_pairs(a, b)
        dense = box_iou(a, b)
        expected = set(zip(*np.nonzero(dense > 0)))
        assert set(zip(rows.tolist(), cols.tolist())) == expected
        assert len(expected) == rows.size  # each pair once
        np.testing.assert_allclose(pair_iou(a, b, rows, cols),
                                   dense[rows, cols])


def test_sparse_lapjv_by_groups_equals_one_solve():
    """Hundreds of rows in many small groups (the path beyond one dense
    solve) give FairMOT's ``lap.lapjv(cost_limit)`` optimum."""
    import lap

    from mmmtl.models.trackers.assignment import sparse_lapjv
    rng = np.random.default_rng(0)
    n, thr = 400, 0.5
    # a banded cost: row i only meets columns near i
    cost = np.full((n, n), 10.)
    for i in range(n):
        near = np.clip(i + rng.integers(-3, 4, 4), 0, n - 1)
        cost[i, near] = rng.uniform(0, 0.7, near.size)
    rows, cols = np.nonzero(cost < thr)
    r, c = sparse_lapjv(rows, cols, cost[rows, cols], thr)
    _, x, _ = lap.lapjv(cost, extend_cost=True, cost_limit=thr)
    expected = {(i, int(x[i])) for i in range(n) if x[i] >= 0}
    assert set(zip(r.tolist(), c.tolist())) == expected
    assert len(expected) > 200


def test_signature_lists_the_preset_keys():
    import inspect

    from mmmtl.models.trackers import JDETracker
    params = inspect.signature(JDETracker.__init__).parameters
    assert set(TRACKER_PRESETS['fairmot']) <= set(params)
    assert params['obj_score_thr'].default == 0.4
