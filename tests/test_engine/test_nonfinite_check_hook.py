"""NonFiniteCheckHook and its helpers name the first non-finite output
(scores, boxes or embeddings) and the frame."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmdet.registry import HOOKS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmmtl.engine.hooks.nonfinite_check_hook import (
    HeadOutputWatch,
    NonFiniteOutputError,
    check_frame_outputs,
)


class _Head(nn.Module):
    """Returns (scores, boxes, embeddings) maps, one level each; ``bad``
    names the one that holds a NaN."""

    def __init__(self) -> None:
        super().__init__()
        self.bad = None

    def forward(self, x):
        outs = [torch.zeros(1, 2, 4, 4), torch.zeros(1, 4, 4, 4),
                torch.zeros(1, 8, 4, 4)]
        if self.bad is not None:
            outs[self.bad][0, 0, 1, 2] = float('nan')
        return tuple([o] for o in outs)


def _model():
    model = nn.Module()
    model.detector = nn.Module()
    model.detector.bbox_head = _Head()
    return model


def _sample(frame_id=0, **fields):
    sample = DetDataSample(
        metainfo=dict(frame_id=frame_id, img_path='seq/img1/000001.jpg'))
    tracks = InstanceData()
    tracks.bboxes = fields.get('bboxes', torch.zeros(2, 4))
    tracks.scores = fields.get('scores', torch.ones(2))
    tracks.instances_id = torch.arange(2)
    sample.pred_track_instances = tracks
    return sample


@pytest.mark.parametrize('index, name', [(0, 'scores'), (1, 'boxes'),
                                         (2, 'embeddings')])
def test_the_head_watch_names_the_output(index, name):
    model = _model()
    with HeadOutputWatch(model) as watch:
        assert watch.active
        model.detector.bbox_head(None)
        assert watch.pop() is None
        model.detector.bbox_head.bad = index
        model.detector.bbox_head(None)
        with pytest.raises(NonFiniteOutputError) as err:
            check_frame_outputs(_sample(), 'frame 7 of clip.mp4', watch)
    msg = str(err.value)
    assert msg.startswith('frame 7 of clip.mp4: the model output '
                          f'non-finite {name} (head output {index}')
    assert '1 NaN of' in msg


def test_nonfinite_track_boxes_are_named():
    """A NaN box (a finite head, NaN after decoding) used to be dropped
    without a word."""
    boxes = torch.zeros(2, 4)
    boxes[1, 2] = float('inf')
    with pytest.raises(NonFiniteOutputError,
                       match=r'frame 2: the model output non-finite boxes '
                       r'\(pred_track_instances.bboxes: 1 inf of 8'):
        check_frame_outputs(_sample(bboxes=boxes), 'frame 2')
    check_frame_outputs(_sample(), 'frame 2')  # finite: no error


def test_the_hook_stops_the_test_at_the_frame():
    model = _model()
    hook = HOOKS.build(dict(type='NonFiniteCheckHook'))
    runner = SimpleNamespace(model=model)
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, outputs=[_sample(frame_id=0)])
    model.detector.bbox_head.bad = 1
    model.detector.bbox_head(None)
    with pytest.raises(NonFiniteOutputError,
                       match=r'^frame 3 \(seq/img1/000001.jpg\): the model '
                       r'output non-finite boxes'):
        hook.after_test_iter(runner, 2, outputs=[_sample(frame_id=2)])
    hook.after_test(runner)
    assert model.detector.bbox_head._forward_hooks == {}
