"""CameraMotionEstimator at its working size: known motion recovered,
detections masked out, keypoints reused, bad frames refused."""
import cv2
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmmtl.models.trackers.camera_motion import BOTSORT_GMC

init_default_scope('mmdet')


def _texture(width, height, seed=0, contrast=255.):
    """(H, W, 3) uint8 smooth noise (blurred, so sub-pixel shifts are
    well defined)."""
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 1, (height, width)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 3.0)
    noise = cv2.normalize(noise, None, 0, 1, cv2.NORM_MINMAX)
    grey = 128 + (noise - 0.5) * contrast
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, 2)


def _shifted(world, x, y, width, height):
    """The ``width`` x ``height`` view of ``world`` whose top-left corner
    is at sub-pixel ``(x, y)``."""
    m = np.array([[1., 0., x], [0., 1., y]])
    return cv2.warpAffine(world, m, (width, height),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)


def build(**kwargs):
    return TASK_UTILS.build(dict(type='CameraMotionEstimator', **kwargs))


def test_known_pan_recovered_at_working_size():
    width, height = 1280, 720
    world = _texture(1600, 900)
    gmc = build()  # working size 320: a quarter of the frame's width
    grey, scale = gmc.working_grey(world[:height, :width])
    assert grey.shape == (180, 320) and grey.dtype == np.uint8
    assert scale == (0.25, 0.25)
    # the camera moves (+7.3, -2.6) px per frame: the image by the inverse
    cams = [(40 + 7.3 * k, 100 - 2.6 * k) for k in range(5)]
    assert np.array_equal(
        gmc.apply(_shifted(world, *cams[0], width, height)), np.eye(2, 3))
    for x, y in cams[1:]:
        warp = gmc.apply(_shifted(world, x, y, width, height))
        np.testing.assert_allclose(warp[:, :2], np.eye(2), atol=2e-3)
        # full-size pixels, from a quarter-size estimate
        np.testing.assert_allclose(warp[:, 2], [-7.3, 2.6], atol=0.15)


def test_zoom_recovered_in_full_size_pixels():
    width, height = 960, 540
    world = _texture(width, height, seed=3)
    gmc = build()
    gmc.apply(world)
    # zoom in 2 % about the frame centre
    c = np.array([(width - 1) / 2., (height - 1) / 2.])
    true = np.array([[1.02, 0., 0.], [0., 1.02, 0.]])
    true[:, 2] = c - 1.02 * c
    curr = cv2.warpAffine(world, true, (width, height),
                          flags=cv2.INTER_LINEAR)
    warp = gmc.apply(curr)
    np.testing.assert_allclose(np.sqrt(np.linalg.det(warp[:, :2])), 1.02,
                               atol=2e-3)
    corners = np.array([[0, 0, 1], [width - 1, height - 1, 1]], float).T
    np.testing.assert_allclose(warp @ corners, true @ corners, atol=0.5)


def _block_scene(block_x):
    """Low-contrast background, fixed camera; a high-contrast textured
    block (a person), 40 % of the frame, at ``block_x``. Returns the
    frame and the block's box."""
    width, height = 640, 360
    frame = _texture(width, height, seed=1, contrast=40.)
    rng = np.random.default_rng(2)
    block = rng.uniform(0, 255, (60, 40)).astype(np.float32)
    block = cv2.resize(block, (240, 360), interpolation=cv2.INTER_NEAREST)
    block = cv2.GaussianBlur(block, (0, 0), 1.0).astype(np.uint8)
    frame[:, block_x:block_x + 240] = block[..., None]
    return frame, np.array([[block_x, 0, block_x + 240, 360]], float)


def test_detections_are_masked_out_of_the_corner_search():
    # the block walks 6 px/frame to the right; the camera stands still
    frames = [_block_scene(100 + 6 * k) for k in range(4)]
    naive, masked = build(), build()
    for k, (frame, box) in enumerate(frames):
        w_naive = naive.apply(frame)
        w_masked = masked.apply(frame, box)
        if k == 0:
            continue
        # its corners outshine the background's: unmasked, the estimate
        # follows the block
        assert abs(w_naive[0, 2]) > 3.
        np.testing.assert_allclose(w_masked[:, 2], [0., 0.], atol=0.2)
        np.testing.assert_allclose(w_masked[:, :2], np.eye(2), atol=2e-3)
        # no kept corner lies on the block (working size 320: scale 0.5)
        xy = masked._keypoints.reshape(-1, 2) / 0.5
        x0, x1 = box[0, 0], box[0, 2]
        assert not ((xy[:, 0] > x0) & (xy[:, 0] < x1)).any()
    # masking can be switched off, as in BoT-SORT
    off = build(mask_detections=False)
    off.apply(frames[0][0], frames[0][1])
    assert abs(off.apply(frames[1][0], frames[1][1])[0, 2]) > 3.


def test_corners_outside_the_boxes_or_anywhere_when_boxes_cover_all():
    frame, _ = _block_scene(100)
    gmc = build()
    gmc.apply(frame, np.array([[0, 0, 640, 360]], float))
    # the whole frame is a detection: corners are searched everywhere
    # rather than not at all
    assert len(gmc._keypoints) >= gmc.min_points


def test_keypoints_are_reused_while_they_track():
    width, height = 640, 360
    world = _texture(1400, height + 40, seed=4)
    gmc = build()
    gmc.apply(_shifted(world, 0, 10, width, height))
    assert gmc.num_searches == 1
    first = gmc._keypoints.reshape(-1, 2).copy()
    warp = gmc.apply(_shifted(world, 4, 10, width, height))
    np.testing.assert_allclose(warp[:, 2], [-4, 0], atol=0.1)
    # no new search: the corners are the old ones, moved with the image
    # (2 working px = 4 frame px to the left) and less those leaving it
    assert gmc.num_searches == 1
    kept = gmc._keypoints.reshape(-1, 2)
    assert len(kept) >= 0.9 * len(first)
    d = first[:, None] - np.array([2., 0.]) - kept[None]
    err = np.linalg.norm(d, axis=2).min(0)
    # RANSAC inliers: within its threshold, nearly all much closer
    assert err.max() < gmc.ransac_thr and np.median(err) < 0.01
    # a long pan leaves too few of them: searched again
    for k in range(2, 12):
        gmc.apply(_shifted(world, 60 * k, 10, width, height))
    assert 1 < gmc.num_searches < 11
    # without reuse, every frame is searched (BoT-SORT)
    every = build(reuse_keypoints=False)
    for k in range(4):
        every.apply(_shifted(world, 4 * k, 10, width, height))
    assert every.num_searches == 4


def test_new_video_and_new_frame_size_start_over():
    world = _texture(700, 400, seed=5)
    gmc = build()
    gmc.apply(world[:360, :640])
    assert not np.allclose(gmc.apply(world[:360, 20:660]), np.eye(2, 3))
    # a frame of another size is a new video: identity, nothing mixed
    np.testing.assert_array_equal(gmc.apply(world[:300, :500]),
                                  np.eye(2, 3))
    gmc.reset()
    np.testing.assert_array_equal(gmc.apply(world[:360, :640]),
                                  np.eye(2, 3))


def test_detector_tensor_input_and_estimate_on_two_frames():
    width, height = 640, 384
    world = _texture(800, height, seed=6)
    prev, curr = world[:, 100:100 + width], world[:, 108:108 + width]
    gmc = build()
    for img in (prev, curr):
        # as a detector gets it: (1, C, H, W), normalised floats
        t = torch.from_numpy(img).permute(2, 0, 1)[None].float()
        warp = gmc.apply((t - 110.) / 58.)
    np.testing.assert_allclose(warp[:, 2], [-8, 0], atol=0.15)
    # float (H, W, 3) frames and the stateless two-frame estimate
    gmc = build()
    gmc.apply(prev.astype(np.float32) / 255.)
    warp = gmc.apply(curr.astype(np.float32) / 255.)
    np.testing.assert_allclose(warp[:, 2], [-8, 0], atol=0.15)
    for settings in (dict(), BOTSORT_GMC):
        est = TASK_UTILS.build(dict(settings, type='CameraMotionEstimator'))
        np.testing.assert_allclose(
            est.estimate(prev[..., 0], curr[..., 0])[:, 2], [-8, 0],
            atol=0.15)


def test_ecc_method_at_working_size():
    world = _texture(800, 384, seed=8)
    gmc = build(method='ecc')
    gmc.apply(world[:, 100:740])
    warp = gmc.apply(world[:, 108:748])
    np.testing.assert_allclose(warp[:, 2], [-8, 0], atol=0.3)
    assert gmc._keypoints is None  # no corners for ECC


def test_bad_frames_and_settings_are_refused():
    gmc = build()
    with pytest.raises(TypeError, match='uint8 or floating, got dtype int64'):
        gmc.apply(np.zeros((64, 64, 3), np.int64))
    with pytest.raises(TypeError, match='uint8 or floating.*torch.bool'):
        gmc.apply(torch.zeros(1, 3, 64, 64, dtype=torch.bool))
    with pytest.raises(TypeError, match='numpy array or a torch tensor'):
        gmc.apply([[0] * 64] * 64)
    with pytest.raises(ValueError, match=r'\(H, W, 3\).*\(64, 64, 4\)'):
        gmc.apply(np.zeros((64, 64, 4), np.uint8))
    with pytest.raises(ValueError, match=r'holds one frame.*\(2, 3, 64'):
        gmc.apply(torch.zeros(2, 3, 64, 64))
    with pytest.raises(ValueError, match='too small'):
        gmc.apply(np.zeros((4, 64), np.uint8))
    with pytest.raises(ValueError, match=r'bboxes must be \(N, 4\)'):
        gmc.apply(np.zeros((64, 64, 3), np.uint8), np.zeros((2, 5)))
    for kwargs, key in ((dict(method='orb'), 'method'),
                        (dict(working_size=8), 'working_size'),
                        (dict(downscale=0), 'downscale'),
                        (dict(max_corners=4), 'min_points'),
                        (dict(redetect_ratio=2.), 'redetect_ratio')):
        with pytest.raises(ValueError, match=key):
            build(**kwargs)


def test_tracker_passes_its_detections_to_the_estimator():
    world = _texture(900, 360, seed=7)
    tracker = MODELS.build(
        dict(type='JDETracker', preset='robust',
             gmc=dict(type='CameraMotionEstimator')))
    box = np.array([[200., 60., 300., 300.]], np.float32)
    for f in range(3):
        s = DetDataSample(metainfo=dict(frame_id=f))
        s.pred_instances = InstanceData(
            bboxes=torch.from_numpy(box), scores=torch.tensor([0.9]),
            labels=torch.zeros(1, dtype=torch.long),
            embeds=torch.ones(1, 8))
        tracker.track(s, img=world[:, 10 * f:10 * f + 640])
    # working size 320: scale 0.5; no kept corner inside the box (+ the
    # margin of 2 working px)
    xy = tracker.gmc._keypoints.reshape(-1, 2) / 0.5
    inside = ((xy[:, 0] > 200 + 4) & (xy[:, 0] < 300 - 4)
              & (xy[:, 1] > 60 + 4) & (xy[:, 1] < 300 - 4))
    assert len(xy) and not inside.any()
