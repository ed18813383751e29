"""Tests of JDETracker, its assignment and its batched Kalman steps."""
import lap
import numpy as np
import pytest
import torch
from mmdet.models.task_modules.tracking import KalmanFilter
from mmdet.structures import DetDataSample
from tracker_test_utils import EMB_DIM, box, build, ids_at, make_frame, unit

from mmmtl.models.trackers import linear_assignment
from mmmtl.models.trackers.box_ops import box_iou
from mmmtl.models.trackers.kalman_ops import (
    kf_initiate,
    kf_pair_gating_distance,
    kf_predict,
    kf_project,
    kf_update,
)


def unit_embeds(rng, n, dim=EMB_DIM):
    return unit(rng.normal(size=(n, dim)))


def id_of(result, target_box):
    """Identity of the output box overlapping ``target_box`` most."""
    ident = ids_at(result, [target_box])[0]
    assert ident is not None, 'target not in the output'
    return ident


# --------------------------------------------------------------- Kalman --
@pytest.mark.parametrize('use_nsa', [False, True])
def test_kalman_ops_match_mmdet(use_nsa):
    kf = KalmanFilter(use_nsa=use_nsa)
    rng = np.random.default_rng(0)
    meas = np.c_[rng.uniform(0, 1000, (5, 2)),
                 rng.uniform(0.3, 0.6, 5),
                 rng.uniform(30, 200, 5)]
    scores = rng.uniform(0.4, 1, 5)
    mean, cov = kf_initiate(kf, meas)
    for i in range(5):
        m, c = kf.initiate(meas[i])
        np.testing.assert_allclose(mean[i], m)
        np.testing.assert_allclose(cov[i], c)
    mean[:, 4:] = rng.normal(0, 2, (5, 4))
    p_mean, p_cov = kf_predict(kf, mean, cov)
    new = meas + rng.normal(0, 3, meas.shape)
    u_mean, u_cov = kf_update(kf, p_mean, p_cov, new, scores)
    j_mean, j_cov = kf_project(kf, p_mean, p_cov, scores)
    # mmdet's distances of every state to every measurement
    gate = np.stack([kf.gating_distance(p_mean[i], p_cov[i], new)
                     for i in range(5)])
    gate_pos = np.stack([
        kf.gating_distance(p_mean[i], p_cov[i], new, only_position=True)
        for i in range(5)])
    rows, cols = np.array([0, 4, 2, 2]), np.array([1, 4, 0, 3])
    for only_pos, dense in ((False, gate), (True, gate_pos)):
        np.testing.assert_allclose(
            kf_pair_gating_distance(kf, p_mean, p_cov, new, rows, cols,
                                    only_pos),
            dense[rows, cols],
            rtol=1e-6)
    for i in range(5):
        m, c = kf.predict(mean[i], cov[i])
        np.testing.assert_allclose(p_mean[i], m)
        np.testing.assert_allclose(p_cov[i], c)
        m2, c2 = kf.project(m, c, scores[i])
        np.testing.assert_allclose(j_mean[i], m2)
        np.testing.assert_allclose(j_cov[i], c2)
        m3, c3 = kf.update(m, c, new[i], scores[i])
        np.testing.assert_allclose(u_mean[i], m3, rtol=1e-9)
        np.testing.assert_allclose(u_cov[i], c3, rtol=1e-7, atol=1e-9)


def test_box_iou_matches_mmdet():
    from mmdet.structures.bbox import bbox_overlaps
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 100, (7, 2, 2)), axis=1).reshape(7, 4)
    a = a[:, [0, 2, 1, 3]]  # x1 < x2 and y1 < y2
    b = a[::-1] + rng.normal(0, 5, a.shape)
    b[:, 2:] = np.maximum(b[:, 2:], b[:, :2] + 1)
    np.testing.assert_allclose(
        box_iou(a, b),
        bbox_overlaps(torch.tensor(a), torch.tensor(b)).numpy(),
        rtol=1e-6,
        atol=1e-12)
    assert box_iou(a[:0], b).shape == (0, 7)


# ----------------------------------------------------------- assignment --
def test_linear_assignment_lapjv_vs_hungarian():
    # Two matches cost 0.65 in total, one match plus two unmatched costs
    # 0.1 + 0.4: the cost-limited solver keeps one pair, the full
    # assignment followed by a threshold keeps two.
    cost = np.array([[0.1, 0.3], [0.35, 0.9]])
    rows, cols = linear_assignment(cost, 0.4, 'lapjv')
    assert list(zip(rows, cols)) == [(0, 0)]
    rows, cols = linear_assignment(cost, 0.4, 'hungarian')
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 1), (1, 0)]
    # The full assignment must pair row 0 with column 0 (its only allowed
    # column), which pushes row 1 onto a pair above the threshold: no match,
    # where the cost-limited solver keeps (1, 0).
    cost = np.array([[0.89, np.inf], [0.09, 0.88]])
    rows, cols = linear_assignment(cost, 0.4, 'lapjv')
    assert list(zip(rows, cols)) == [(1, 0)]
    rows, cols = linear_assignment(cost, 0.4, 'hungarian')
    assert rows.size == 0
    # A forced forbidden pair is dropped by the threshold.
    cost = np.array([[0.1, np.inf], [np.inf, np.inf]])
    for mode in ('lapjv', 'hungarian'):
        rows, cols = linear_assignment(cost, 0.4, mode)
        assert list(zip(rows, cols)) == [(0, 0)]
        rows, cols = linear_assignment(np.zeros((0, 3)), 0.4, mode)
        assert rows.size == 0 and cols.size == 0


def test_linear_assignment_pruning_is_exact():
    """The split problem has the optimum of FairMOT's lap.lapjv call."""
    rng = np.random.default_rng(1)
    for _ in range(300):
        m, n = rng.integers(1, 9, 2)
        cost = rng.uniform(0, 1, (m, n))
        cost[rng.random((m, n)) < 0.5] = np.inf
        thr = rng.uniform(0.1, 0.9)
        rows, cols = linear_assignment(cost, thr, 'lapjv')
        assert len(set(rows)) == len(rows) and len(set(cols)) == len(cols)
        assert (cost[rows, cols] < thr).all()
        _, x, _ = lap.lapjv(cost, extend_cost=True, cost_limit=thr)
        ref = sum(cost[i, j] - thr for i, j in enumerate(x) if j >= 0)
        assert np.isclose((cost[rows, cols] - thr).sum(), ref)


# --------------------------------------------------------------- scenes --
@pytest.mark.parametrize('assignment', ['lapjv', 'hungarian'])
def test_crossing_targets_keep_identities(assignment):
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 2)
    # detection boxes are output so that each maps to exactly one target
    tracker = build(assignment=assignment, output_bboxes='detection')
    first_ids = None
    for f in range(40):
        boxes = [box(100 + 10 * f, 200), box(500 - 10 * f, 205)]
        noisy = emb + rng.normal(0, 0.05, emb.shape)
        res = tracker.track(make_frame(f, boxes, noisy))
        assert len(res) == 2
        ids = [id_of(res, b) for b in boxes]
        if first_ids is None:
            first_ids = ids
        assert ids == first_ids, f'identity switch at frame {f}'
    assert sorted(first_ids) == [0, 1]
    assert tracker.next_id == 2


@pytest.mark.parametrize('hidden,same_id', [(5, True), (6, False)])
def test_occlusion_within_and_beyond_buffer(hidden, same_id):
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 1)
    # buffer = int(30 / 30 * 5) = 5 frames
    tracker = build(track_buffer=5)
    target = box(300, 300)
    for f in range(10):
        res = tracker.track(make_frame(f, [target], emb))
    assert res.instances_id.tolist() == [0]
    for f in range(10, 10 + hidden):
        res = tracker.track(make_frame(f, np.zeros((0, 4)), emb[:0]))
        assert len(res) == 0
    back = 10 + hidden
    res = tracker.track(make_frame(back, [target], emb))
    if same_id:
        assert res.instances_id.tolist() == [0]
    else:
        # a fresh track starts unconfirmed, then is confirmed with id 1
        assert len(res) == 0
        res = tracker.track(make_frame(back + 1, [target], emb))
        assert res.instances_id.tolist() == [1]


def test_frame_rate_scales_the_buffer():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 1)
    # at 60 FPS the buffer is int(60 / 30 * 5) = 10 frames
    tracker = build(track_buffer=5)
    target = box(300, 300)
    for f in range(5):
        tracker.track(make_frame(f, [target], emb, frame_rate=60))
    for f in range(5, 13):
        tracker.track(make_frame(f, np.zeros((0, 4)), emb[:0], frame_rate=60))
    assert tracker.num_lost == 1
    res = tracker.track(make_frame(13, [target], emb, frame_rate=60))
    assert res.instances_id.tolist() == [0]


def test_empty_and_single_frames():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 3)
    tracker = build()
    res = tracker.track(make_frame(0, np.zeros((0, 4)), emb[:0]))
    assert res.bboxes.shape == (0, 4) and res.instances_id.numel() == 0
    assert tracker.empty
    # the tracker's first frame confirms its tracks at once
    boxes = [box(100, 100), box(300, 100), box(500, 100)]
    res = tracker.track(make_frame(0, boxes, emb))
    assert sorted(res.instances_id.tolist()) == [0, 1, 2]
    assert res.bboxes.dtype == torch.float32
    assert res.instances_id.dtype == torch.long
    torch.testing.assert_close(res.bboxes, torch.tensor(boxes))
    # an empty frame loses every track and outputs nothing
    res = tracker.track(make_frame(1, np.zeros((0, 4)), emb[:0]))
    assert len(res) == 0 and tracker.num_lost == 3


def test_jde_style_first_frame_and_unconfirmed_tracks():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 2)
    tracker = build(activate_first_frame=False)
    a, b = box(100, 100), box(400, 100)
    assert len(tracker.track(make_frame(0, [a], emb[:1]))) == 0
    assert tracker.track(make_frame(1, [a], emb[:1])).instances_id.tolist() \
        == [0]
    # a detection seen once is never output and is removed when unmatched
    res = tracker.track(make_frame(2, [a, b], emb))
    assert res.instances_id.tolist() == [0]
    assert sorted(tracker.ids) == [0, 1]
    res = tracker.track(make_frame(3, [a], emb[:1]))
    assert res.instances_id.tolist() == [0] and tracker.ids == [0]


def test_score_thresholds():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 3)
    tracker = build(obj_score_thr=0.3, init_track_thr=0.6)
    boxes = [box(100, 100), box(300, 100), box(500, 100)]
    res = tracker.track(
        make_frame(0, boxes, emb, scores=[0.9, 0.5, 0.2]))
    assert res.instances_id.tolist() == [0]
    # a low-score detection still continues an existing track
    res = tracker.track(make_frame(1, boxes[:1], emb[:1], scores=[0.35]))
    assert res.instances_id.tolist() == [0]
    torch.testing.assert_close(res.scores, torch.tensor([0.35]))


def test_hundreds_of_targets():
    rng = np.random.default_rng(0)
    n = 300
    emb = unit_embeds(rng, n, 32)
    centres = np.c_[rng.uniform(0, 4000, n), rng.uniform(0, 4000, n)]
    vel = rng.normal(0, 2, (n, 2))
    tracker = build(output_bboxes='detection')
    for f in range(6):
        c = centres + f * vel
        boxes = np.c_[c - [10, 25], c + [10, 25]]
        res = tracker.track(
            make_frame(f, boxes, emb + rng.normal(0, 0.05, emb.shape)))
        assert len(res) == n
        # identity i was given to detection i on frame 0 and stays with it
        order = np.argsort(res.instances_id.numpy())
        np.testing.assert_allclose(
            res.bboxes.numpy()[order], boxes, rtol=1e-6)
    assert tracker.next_id == n


def test_instances_do_not_share_identities():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 3)
    boxes = [box(100, 100), box(300, 100), box(500, 100)]
    first, second = build(), build()
    first.track(make_frame(0, boxes, emb))
    res = second.track(make_frame(0, boxes[:2], emb[:2]))
    assert sorted(res.instances_id.tolist()) == [0, 1]
    assert first.next_id == 3 and second.next_id == 2
    res = first.track(make_frame(1, boxes, emb))
    assert sorted(res.instances_id.tolist()) == [0, 1, 2]


def test_classes_never_matched_across():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 1)
    tracker = build()
    target = box(200, 200)
    res = tracker.track(make_frame(0, [target], emb, labels=[0]))
    assert res.instances_id.tolist() == [0]
    # same box, same embedding, other class: a new (unconfirmed) track
    assert len(tracker.track(make_frame(1, [target], emb, labels=[1]))) == 0
    assert tracker.num_lost == 1
    res = tracker.track(make_frame(2, [target], emb, labels=[1]))
    assert res.instances_id.tolist() == [1] and res.labels.tolist() == [1]
    # two classes side by side, each keeps its identity
    res = tracker.track(
        make_frame(3, [target, target], np.r_[emb, emb], labels=[1, 0]))
    assert dict(zip(res.labels.tolist(), res.instances_id.tolist())) == {
        0: 0,
        1: 1
    }


def test_younger_duplicate_of_a_lost_track_is_dropped():
    emb = np.eye(EMB_DIM)[:2]
    tracker = build()
    target = box(200, 200)
    for f in range(10):
        tracker.track(make_frame(f, [target], emb[:1]))
    tracker.track(make_frame(10, np.zeros((0, 4)), emb[:0]))
    assert tracker.num_lost == 1
    # another-looking object at the very same place: its new track
    # overlaps the older lost one and is dropped
    res = tracker.track(make_frame(11, [target], emb[1:]))
    assert len(res) == 0
    assert tracker.ids == [0] and tracker.num_lost == 1
    assert tracker.next_id == 2


def test_frame_id_zero_resets():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 3)
    boxes = [box(100, 100), box(300, 100), box(500, 100)]
    tracker = build()
    for f in range(3):
        tracker.track(make_frame(f, boxes, emb))
    tracker.track(make_frame(3, boxes[:1], emb[:1]))
    assert tracker.num_lost == 2
    res = tracker.track(make_frame(0, boxes[1:], emb[1:]))
    assert sorted(res.instances_id.tolist()) == [0, 1]
    assert tracker.num_lost == 0 and tracker.next_id == 2


def test_output_options():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 2)
    wide, tiny = box(100, 100, w=200, h=100), box(400, 100, w=8, h=10)
    jitter = [box(101, 99, w=200, h=100), box(401, 99, w=8, h=10)]
    kalman = build()
    det = build(output_bboxes='detection', min_box_area=100,
                max_aspect_ratio=1.6)
    for tracker in (kalman, det):
        tracker.track(make_frame(0, [wide, tiny], emb))
    res_k = kalman.track(make_frame(1, jitter, emb))
    res_d = det.track(make_frame(1, jitter, emb))
    assert len(res_k) == 2 and len(res_d) == 0
    det_wide = build(output_bboxes='detection')
    det_wide.track(make_frame(0, [wide], emb[:1]))
    res = det_wide.track(make_frame(1, jitter[:1], emb[:1]))
    torch.testing.assert_close(res.bboxes, torch.tensor(jitter[:1]))
    # the Kalman box lies between the previous state and the detection
    k_box = res_k.bboxes[res_k.instances_id == 0][0]
    assert 0 < k_box[0] < 1 and 49 < k_box[1] < 50


def test_bad_inputs_raise():
    rng = np.random.default_rng(0)
    emb = unit_embeds(rng, 1)
    tracker = build()
    sample = make_frame(0, [box(1, 1)], emb)
    del sample.pred_instances.embeds
    with pytest.raises(KeyError, match='embeds'):
        tracker.track(sample)
    sample = make_frame(0, [box(1, 1)], emb)
    no_frame = DetDataSample()
    no_frame.pred_instances = sample.pred_instances
    with pytest.raises(KeyError, match='frame_id'):
        tracker.track(no_frame)
    tracker.track(make_frame(0, [box(100, 100)], emb))
    with pytest.raises(ValueError, match='embedding size'):
        tracker.track(make_frame(1, [box(100, 100)], unit_embeds(rng, 1, 8)))
    with pytest.raises(ValueError, match='assignment'):
        build(assignment='greedy')
    with pytest.raises(TypeError, match='KalmanFilter'):
        build(motion=dict(type='CameraMotionCompensation'))
    # a score threshold above 1 would silently drop every detection
    for key in ('obj_score_thr', 'init_track_thr'):
        with pytest.raises(ValueError, match=f'{key} must be in'):
            build(**{key: 1.5})


# ------------------------------------------------ reference comparison --
def _ref_xyxy(t):
    """The reference's track box, x1y1x2y2."""
    cx, cy, a, h = t['mean'][:4]
    return np.array([cx - a * h / 2, cy - h / 2, cx + a * h / 2, cy + h / 2])


def _ref_iou_cost(a, b):
    """The reference's ``1 - IoU`` of two lists of boxes."""
    from mmdet.structures.bbox import bbox_overlaps
    if not a or not b:
        return np.zeros((len(a), len(b)))
    return 1 - bbox_overlaps(torch.tensor(np.array(a)),
                             torch.tensor(np.array(b))).numpy()


def _ref_assign(cost, thr):
    """The reference's assignment: matches, unmatched rows and columns."""
    if cost.size == 0:
        return [], list(range(cost.shape[0])), list(range(cost.shape[1]))
    _, x, y = lap.lapjv(cost, extend_cost=True, cost_limit=thr)
    return ([(i, j) for i, j in enumerate(x) if j >= 0],
            list(np.flatnonzero(x < 0)), list(np.flatnonzero(y < 0)))


def _reference_fairmot(frames, buffer=30):
    """FairMOT's ``JDETracker.update`` written per track, as its source
    does, with mmdet's per-track KalmanFilter (a removed lost track is gone
    in the same frame, see docs/tracker.md); returns per frame the output
    ``{id: xyxy box}``."""
    kf = KalmanFilter()
    tracked, lost, outputs, next_id = [], [], [], 0

    def update(t, d, f):
        t['mean'], t['cov'] = kf.update(t['mean'], t['cov'], d['xyah'])
        feat = 0.9 * t['feat'] + 0.1 * d['feat']
        t.update(feat=feat / np.linalg.norm(feat), last=f, lost=False,
                 activated=True)

    for step, (f, boxes, embeds) in enumerate(frames):
        dets = []
        for b, e in zip(boxes, embeds):
            w, h = b[2] - b[0], b[3] - b[1]
            dets.append(dict(box=np.asarray(b, float),
                             xyah=np.array([b[0] + w / 2, b[1] + h / 2,
                                            w / h, h]),
                             feat=e / np.linalg.norm(e)))
        unconfirmed = [t for t in tracked if not t['activated']]
        pool = [t for t in tracked if t['activated']] + lost
        for t in pool:
            m = t['mean'].copy()
            if t['lost']:
                m[7] = 0
            t['mean'], t['cov'] = kf.predict(m, t['cov'])
        cost = np.zeros((len(pool), len(dets)))
        if cost.size:
            feats = np.array([d['feat'] for d in dets])
            meas = np.array([d['xyah'] for d in dets])
            for r, t in enumerate(pool):
                cost[r] = np.maximum(0, 1 - feats @ t['feat'])
                g = kf.gating_distance(t['mean'], t['cov'], meas)
                cost[r, g > kf.chi2inv95[4]] = np.inf
                cost[r] = 0.98 * cost[r] + 0.02 * g
        matches, u_track, u_det = _ref_assign(cost, 0.4)
        for i, j in matches:
            update(pool[i], dets[j], f)
        dets = [dets[j] for j in u_det]
        r_tracked = [pool[i] for i in u_track if not pool[i]['lost']]
        matches, u_track, u_det = _ref_assign(
            _ref_iou_cost([_ref_xyxy(t) for t in r_tracked],
                          [d['box'] for d in dets]), 0.5)
        for i, j in matches:
            update(r_tracked[i], dets[j], f)
        newly_lost = [r_tracked[i] for i in u_track]
        dets = [dets[j] for j in u_det]
        matches, u_unc, u_det = _ref_assign(
            _ref_iou_cost([_ref_xyxy(t) for t in unconfirmed],
                          [d['box'] for d in dets]), 0.7)
        for i, j in matches:
            update(unconfirmed[i], dets[j], f)
        removed = [unconfirmed[i]['id'] for i in u_unc]
        for t in newly_lost:
            t['lost'] = True
        new = []
        for j in u_det:
            m, c = kf.initiate(dets[j]['xyah'])
            new.append(dict(id=next_id, mean=m, cov=c, feat=dets[j]['feat'],
                            lost=False, activated=step == 0, start=f,
                            last=f))
            next_id += 1
        everyone = [
            t for t in tracked + lost if t['id'] not in removed and not (
                t['lost'] and f - t['last'] > buffer)
        ] + new
        tracked = [t for t in everyone if not t['lost']]
        lost = [t for t in everyone if t['lost']]
        cost = _ref_iou_cost([_ref_xyxy(t) for t in tracked],
                             [_ref_xyxy(t) for t in lost])
        drop = set()
        for p, q in zip(*np.nonzero(cost < 0.15)):
            tp = tracked[p]['last'] - tracked[p]['start']
            tq = lost[q]['last'] - lost[q]['start']
            drop.add(lost[q]['id'] if tp > tq else tracked[p]['id'])
        tracked = [t for t in tracked if t['id'] not in drop]
        lost = [t for t in lost if t['id'] not in drop]
        outputs.append(
            {t['id']: _ref_xyxy(t)
             for t in tracked if t['activated']})
    return outputs


def test_matches_per_track_reference():
    """Births, deaths, misses, false positives and crossings give the same
    identities and boxes as FairMOT's per-track algorithm."""
    rng = np.random.default_rng(3)
    n, num_frames = 25, 40
    emb = unit_embeds(rng, n + 200)
    centres = rng.uniform(100, 700, (n, 2))
    vel = rng.normal(0, 6, (n, 2))
    born = rng.integers(0, 15, n)
    died = born + rng.integers(10, 40, n)
    # each target is hidden once for 1 to 12 frames (the buffer here is 5)
    hide_from = born + rng.integers(1, 10, n)
    hide_to = hide_from + rng.integers(1, 13, n)
    frames, fp = [], n
    for f in range(num_frames):
        boxes, embeds = [], []
        for i in range(n):
            hidden = hide_from[i] <= f < hide_to[i] or rng.random() < 0.1
            if born[i] <= f < died[i] and not hidden:
                c = centres[i] + f * vel[i] + rng.normal(0, 1.5, 2)
                boxes.append(box(*c, w=30, h=70))
                # noisy enough that some cosine distances pass 0.4
                embeds.append(emb[i] + rng.normal(0, 0.22, EMB_DIM))
        if rng.random() < 0.3:  # a false positive
            boxes.append(box(*rng.uniform(100, 700, 2), w=30, h=70))
            embeds.append(emb[fp])
            fp += 1
        frames.append((f, np.array(boxes).reshape(-1, 4),
                       np.array(embeds).reshape(-1, EMB_DIM)))
    expected = _reference_fairmot(frames, buffer=5)
    tracker = build(obj_score_thr=0., track_buffer=5)
    num_outputs = 0
    for (f, boxes, embeds), exp in zip(frames, expected):
        res = tracker.track(make_frame(f, boxes, embeds))
        got = dict(zip(res.instances_id.tolist(), res.bboxes.numpy()))
        assert sorted(got) == sorted(exp), f'frame {f}'
        for k in got:
            np.testing.assert_allclose(got[k], exp[k], atol=1e-3)
        num_outputs += len(got)
    assert num_outputs > 200  # the scene is not trivially empty
    assert tracker.next_id > n  # some targets came back as new tracks


def test_motion_only_cost():
    """appearance_weight=0: the gated Mahalanobis distance alone decides."""
    emb = np.eye(EMB_DIM)[:2]
    target = box(100, 100)
    results = []
    for weight, thr in ((0.98, 0.4), (0., 9.)):
        tracker = build(appearance_weight=weight, emb_match_thr=thr)
        tracker.track(make_frame(0, [target], emb[:1]))
        tracker.track(make_frame(1, np.zeros((0, 4)), emb[:0]))
        # the lost track comes back looking different: only stage 1 sees
        # lost tracks, and only the motion-only cost accepts the pair
        res = tracker.track(make_frame(2, [target], emb[1:]))
        results.append(res.instances_id.tolist())
    assert results == [[], [0]]
