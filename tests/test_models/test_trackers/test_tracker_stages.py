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


def test_overlapping_iou_is_overlapping_pairs_with_their_iou():
    from mmmtl.models.trackers.box_ops import (
        overlapping_iou,
        overlapping_pairs,
        pair_iou,
    )
    rng = np.random.default_rng(1)
    for m, n in ((0, 5), (7, 0), (60, 80)):
        xy = rng.uniform(0, 400, (m + n, 2))
        boxes = np.c_[xy, xy + rng.uniform(5, 80, (m + n, 2))]
        a, b = boxes[:m], boxes[m:]
        rows, cols, iou = overlapping_iou(a, b)
        r, c = overlapping_pairs(a, b)
        np.testing.assert_array_equal(rows, r)
        np.testing.assert_array_equal(cols, c)
        assert iou.tobytes() == pair_iou(a, b, r, c).tobytes()


def test_row_norms_are_numpy_norms_bit_for_bit():
    from mmmtl.models.trackers.box_ops import row_norms
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=(33, 128)).astype(dtype)
        expected = np.linalg.norm(x, axis=1, keepdims=True)
        assert row_norms(x).dtype == expected.dtype
        assert row_norms(x).tobytes() == expected.tobytes()


def test_boxes_are_converted_once_while_the_states_stay():
    from mmmtl.models.trackers.box_ops import xyah_to_xyxy
    from mmmtl.models.trackers.track_table import TrackTable
    rng = np.random.default_rng(0)
    table = TrackTable()
    n = 6
    table.append(dict(ids=np.arange(n), labels=np.zeros(n, np.int64),
                      mean=np.c_[rng.uniform(50, 100, (n, 2)),
                                 rng.uniform(0.3, 0.5, n),
                                 rng.uniform(50, 100, n), np.zeros((n, 4))],
                      cov=np.zeros((n, 8, 8)),
                      embeds=np.zeros((n, 2), np.float32),
                      scores=np.ones(n, np.float32),
                      det_bboxes=np.zeros((n, 4)), lost=np.zeros(n, bool),
                      activated=np.ones(n, bool),
                      start_frame=np.zeros(n, np.int64),
                      last_frame=np.zeros(n, np.int64)))
    rows = np.array([4, 1])
    with table.states_fixed():
        np.testing.assert_array_equal(
            table.boxes(rows), xyah_to_xyxy(table['mean'][rows, :4]))
        table.select(np.arange(n) != 1)  # the kept boxes follow the rows
        np.testing.assert_array_equal(
            table.boxes(np.arange(n - 1)),
            xyah_to_xyxy(table['mean'][:, :4]))
    table['mean'][:, 0] += 10  # outside: always from the states
    np.testing.assert_array_equal(table.boxes(np.arange(n - 1)),
                                  xyah_to_xyxy(table['mean'][:, :4]))
    assert table._boxes is None


def test_overlaps_lost_finds_boxes_on_lost_tracks_of_their_label():
    from mmmtl.models.trackers.box_ops import xyxy_to_xyah
    from mmmtl.models.trackers.track_table import TrackTable
    table = TrackTable()
    boxes = np.array([[0, 0, 10, 20], [100, 0, 110, 20], [200, 0, 210, 20]],
                     np.float64)
    n = 3
    table.append(dict(ids=np.arange(n), labels=np.array([0, 0, 1]),
                      mean=np.c_[xyxy_to_xyah(boxes), np.zeros((n, 4))],
                      cov=np.zeros((n, 8, 8)),
                      embeds=np.zeros((n, 2), np.float32),
                      scores=np.ones(n, np.float32), det_bboxes=boxes,
                      lost=np.array([True, False, True]),
                      activated=np.ones(n, bool),
                      start_frame=np.zeros(n, np.int64),
                      last_frame=np.zeros(n, np.int64)))
    # on lost track 0; on tracked track 1; on lost track 2 of label 1;
    # touching nothing
    query = np.array([[5, 5, 15, 25], [105, 5, 115, 25], [205, 5, 215, 25],
                      [50, 0, 60, 20]], np.float64)
    labels = np.array([0, 0, 0, 0])
    assert table.overlaps_lost(query, labels).tolist() == [
        True, False, False, False]
    assert table.overlaps_lost(query, labels, per_class=False).tolist() == [
        True, False, True, False]
    assert table.overlaps_lost(query[:0], labels[:0]).shape == (0, )


@pytest.mark.parametrize('only_position', [False, True])
def test_gate_test_agrees_with_the_gating_distance(only_position):
    """Diagonal projected covariances (mmdet's filter) take the shortcut,
    others (camera motion mixes x and y) the inverse; both agree with
    the distance away from the threshold."""
    from mmdet.models.task_modules.tracking import KalmanFilter

    from mmmtl.models.trackers.kalman_ops import (
        kf_initiate,
        kf_pair_gating_distance,
        kf_pair_within_gate,
        kf_predict,
    )
    kf = KalmanFilter()
    rng = np.random.default_rng(0)
    xyah = np.c_[rng.uniform(0, 500, (20, 2)), rng.uniform(0.3, 0.6, 20),
                 rng.uniform(50, 150, 20)]
    mean, cov = kf_predict(kf, *kf_initiate(kf, xyah))
    mixed = cov.copy()
    mixed[:, 0, 1] = mixed[:, 1, 0] = 0.3 * mixed[:, 0, 0]
    meas = xyah + rng.normal(0, 1, xyah.shape) * [8, 8, 0.01, 5]
    rows, cols = np.nonzero(np.ones((20, 20), bool))
    for c in (cov, mixed):
        dist = kf_pair_gating_distance(kf, mean, c, meas, rows, cols,
                                       only_position)
        inside = kf_pair_within_gate(kf, mean, c, meas, rows, cols, 9.4877,
                                     only_position)
        clear = np.abs(dist - 9.4877) > 1e-9
        assert clear.sum() > 300 and (dist <= 9.4877).any()
        np.testing.assert_array_equal(inside[clear], dist[clear] <= 9.4877)
    assert kf_pair_within_gate(kf, mean, cov, meas, rows[:0], cols[:0],
                               9.4877).shape == (0, )


def test_pairs_within_reach_are_the_dense_matrix_pairs():
    from mmmtl.models.trackers.adaptive_association import _pairs_within
    rng = np.random.default_rng(0)
    for k, n in ((0, 4), (5, 0), (90, 70)):
        centres = rng.uniform(0, 1000, (k, 2))
        points = rng.uniform(0, 1000, (n, 2))
        reach = rng.uniform(0, 150, (k, 2))
        if k and n:  # point 0 exactly on the edge of some reaches
            reach[::7] = np.abs(points[0] - centres[::7])
        near = ((np.abs(points[None, :, 0] - centres[:, None, 0]) <=
                 reach[:, None, 0]) &
                (np.abs(points[None, :, 1] - centres[:, None, 1]) <=
                 reach[:, None, 1]))
        rows, cols = _pairs_within(centres, points, reach)
        assert (np.diff(rows) >= 0).all()  # by centre
        order = np.lexsort((cols, rows))
        exp_rows, exp_cols = np.nonzero(near)
        np.testing.assert_array_equal(rows[order], exp_rows)
        np.testing.assert_array_equal(cols[order], exp_cols)


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
