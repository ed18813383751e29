"""MMMTLTrackVisualizer: trajectory tails on top of mmdet's drawing."""
import numpy as np
import pytest
import torch
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.visualization.local_visualizer import random_color
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the visualizer)

H, W, GREY = 64, 96, 128
TRACK_ID = 7


def _sample(frame_id, x1, extra_box=None):
    boxes = [[x1, 20.0, x1 + 10.0, 50.0]]
    ids = [TRACK_ID]
    if extra_box is not None:
        boxes.append(extra_box)
        ids.append(TRACK_ID + 1)
    sample = DetDataSample(metainfo=dict(frame_id=frame_id))
    sample.pred_track_instances = InstanceData(
        bboxes=torch.tensor(boxes),
        scores=torch.full((len(ids), ), 0.9),
        labels=torch.zeros(len(ids), dtype=torch.long),
        instances_id=torch.tensor(ids))
    return sample


@pytest.fixture
def vis(request):
    return VISUALIZERS.build(
        dict(
            type='MMMTLTrackVisualizer',
            name=f'test_vis_{request.node.name}',
            tail_length=3,
            tail_width=3))


def _draw(vis, frame_id, x1, **kwargs):
    image = np.full((H, W, 3), GREY, np.uint8)
    vis.add_datasample(
        'mot', image, _sample(frame_id, x1, **kwargs), draw_gt=False)
    return vis.get_image()


def _is_tail(pixel):
    return np.abs(pixel.astype(int) - random_color(TRACK_ID)).max() < 40


def test_tail_follows_the_last_bottom_centres(vis):
    # Bottom centres at x = 10, 22, 34, 46 on row y = 50; box 4 spans
    # x in [41, 51], so row 50 left of it is tail or background.
    for frame_id, x1 in enumerate((5.0, 17.0, 29.0, 41.0)):
        drawn = _draw(vis, frame_id, x1)
    assert drawn.shape == (H, W, 3)
    assert _is_tail(drawn[50, 28]) and _is_tail(drawn[50, 36])
    # tail_length=3 keeps x = 22, 34, 46: nothing left of 22.
    assert (drawn[50, 12] == GREY).all()
    assert (drawn[35, 28] == GREY).all()


def test_tails_restart_with_a_new_video(vis):
    for frame_id, x1 in enumerate((5.0, 17.0, 29.0)):
        _draw(vis, frame_id, x1)
    drawn = _draw(vis, 0, 41.0)  # frame 0 of the next video
    assert (drawn[50, 28] == GREY).all()


def test_boxes_past_the_border_keep_the_frame_size(vis):
    drawn = _draw(vis, 0, 5.0, extra_box=[70.0, 40.0, 200.0, 150.0])
    assert drawn.shape == (H, W, 3)
    # The frame is not shrunk inside a wider (white) canvas: far from the
    # boxes it is unchanged.
    assert (drawn[60, 3] == GREY).all() and (drawn[3, 60] == GREY).all()


def test_amodal_boxes_draw_without_out_of_bounds_warnings(vis, recwarn):
    # Boxes of people half out of the frame (MOTChallenge GT is amodal).
    _draw(vis, 0, -20.0, extra_box=[60.0, -10.0, 200.0, 150.0])
    bounds = [w for w in recwarn if 'out of bounds' in str(w.message)]
    assert not bounds, [str(w.message) for w in bounds]


def test_zero_tail_length_draws_no_tail():
    vis = VISUALIZERS.build(
        dict(type='MMMTLTrackVisualizer', name='test_vis_no_tail',
             tail_length=0))
    for frame_id, x1 in enumerate((5.0, 17.0, 29.0, 41.0)):
        drawn = _draw(vis, frame_id, x1)
    assert (drawn[50, 28] == GREY).all()
    with pytest.raises(ValueError, match='tail_length'):
        VISUALIZERS.build(
            dict(type='MMMTLTrackVisualizer', name='test_vis_bad',
                 tail_length=-1))


def test_labels_show_the_identity_class_and_score_on_request(vis):
    vis.dataset_meta = dict(classes=('pedestrian', ))
    assert vis.label(12, 0, 0.96) == '12'
    vis.dataset_meta = dict(classes=('pedestrian', 'car'))
    assert vis.label(12, 1, 0.96) == 'car 12'
    vis.show_score = True
    assert vis.label(12, 1, 0.96) == 'car 12 0.96'


def test_line_width_and_font_follow_the_frame_size():
    vis = VISUALIZERS.build(
        dict(type='MMMTLTrackVisualizer', name='test_vis_style'))
    assert vis.style(192, 320) == (1, 1, 6)
    assert vis.style(1080, 1920) == (5, 5, 16)
    fixed = VISUALIZERS.build(
        dict(type='MMMTLTrackVisualizer', name='test_vis_fixed',
             line_width=3, tail_width=2, font_size=9))
    assert fixed.style(1080, 1920) == (3, 2, 9)


def test_label_sits_above_the_box(vis):
    """The label is drawn over the background above the box, not over
    the person inside it."""
    vis.dataset_meta = dict(classes=('pedestrian', ))
    image = np.full((H, W, 3), GREY, np.uint8)
    sample = _sample(0, 40.0)
    vis.add_datasample('mot', image, sample, draw_gt=False)
    drawn = vis.get_image().astype(int)
    changed = np.abs(drawn - GREY).max(2) > 30
    inside = changed[22:48, 42:48]  # the box's interior, off its edges
    assert not inside.any()
    assert changed[:20, 38:60].any()  # label above y1 = 20
