"""Tests of OneShotMOT with a scripted detector (boxes + embeddings)."""
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs, demo_track_inputs
from mmengine.model import BaseModule
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from torch import nn

import mmmtl  # noqa: F401  (registers OneShotMOT and JDETracker)
from mmmtl.testing import tiny_mot_cfg

EMB_DIM = 8
# the pre-processor of configs/_base_/models/oneshot-mot_retinanet_r50_fpn.py
DATA_PREPROCESSOR = tiny_mot_cfg()['model']['data_preprocessor']


@MODELS.register_module(force=True)
class ScriptedReIDDetector(BaseModule):
    """Two targets walking towards each other, one embedding each."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.predict_calls = []

    def loss(self, inputs, data_samples):
        m = (inputs.mean() * self.scale).abs().sum()
        return dict(loss_cls=m + 1, loss_bbox=m + 0.5, loss_reid=m + 2)

    def predict(self, inputs, data_samples, rescale=True):
        self.predict_calls.append((tuple(inputs.shape), rescale))
        for sample in data_samples:
            x = 5. * sample.frame_id
            sample.pred_instances = InstanceData(
                bboxes=torch.tensor([[10 + x, 10, 30 + x, 60],
                                     [90 - x, 12, 110 - x, 62]]),
                scores=torch.tensor([0.9, 0.8]),
                labels=torch.tensor([0, 0]),
                embeds=torch.eye(EMB_DIM)[:2])
        return data_samples

    def _forward(self, inputs, data_samples=None):
        return (inputs.mean(dim=(1, 2, 3)) * self.scale, )


@MODELS.register_module(force=True)
class RecordingLossBalancer(BaseModule):
    """Doubles every loss and remembers what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = []

    def forward(self, losses):
        self.calls.append(dict(losses))
        return {k: 2 * v for k, v in losses.items()}


@pytest.fixture(autouse=True, scope='module')
def mmdet_scope():
    # the data preprocessor is looked up as configs do, in mmdet's scope
    init_default_scope('mmdet')


def build_model(**kwargs):
    cfg = dict(
        type='OneShotMOT',
        detector=dict(type='ScriptedReIDDetector'),
        tracker=dict(type='JDETracker'),
        data_preprocessor=DATA_PREPROCESSOR)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def train_batch(model):
    data = demo_mm_inputs(batch_size=2, image_shapes=(3, 40, 56))
    return model.data_preprocessor(data, training=True)


def test_loss_without_balancer():
    model = build_model()
    assert not model.with_loss_balancer
    data = train_batch(model)
    assert data['inputs'].shape == (2, 3, 64, 64)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_reid'}
    expected = model.detector.loss(data['inputs'], data['data_samples'])
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value)


def test_loss_goes_through_the_balancer():
    model = build_model(loss_balancer=dict(type='RecordingLossBalancer'))
    data = train_batch(model)
    losses = model(**data, mode='loss')
    raw = model.detector.loss(data['inputs'], data['data_samples'])
    assert len(model.loss_balancer.calls) == 1
    assert set(model.loss_balancer.calls[0]) == set(raw)
    for key, value in raw.items():
        torch.testing.assert_close(losses[key], 2 * value)
    total, _ = model.parse_losses(losses)
    total.backward()
    assert model.detector.scale.grad is not None


def test_loss_with_a_package_balancer():
    model = build_model(
        loss_balancer=dict(
            type='FixedWeightLoss',
            weights=dict(cls=2., reg=1., reid=0.5)))
    data = train_batch(model)
    losses = model(**data, mode='loss')
    raw = model.detector.loss(data['inputs'], data['data_samples'])
    torch.testing.assert_close(losses['loss_cls'], 2 * raw['loss_cls'])
    torch.testing.assert_close(losses['loss_reid'], 0.5 * raw['loss_reid'])


def test_predict_tracks_a_three_frame_video():
    model = build_model().eval()
    data = demo_track_inputs(
        batch_size=1, num_frames=3, image_shapes=(3, 40, 56))
    with torch.no_grad():
        results = model.test_step(data)
    assert len(results) == 1 and len(results[0]) == 3
    assert model.detector.predict_calls == [((1, 3, 64, 64), True)] * 3
    for frame in results[0]:
        tracks = frame.pred_track_instances
        assert tracks.instances_id.tolist() == [0, 1]
        assert tracks.bboxes.shape == (2, 4)
        x = 5. * frame.frame_id
        torch.testing.assert_close(
            tracks.bboxes[0], torch.tensor([10 + x, 10, 30 + x, 60]),
            atol=2., rtol=0)  # the Kalman state lags the new velocity
        dets = frame.pred_det_instances
        assert set(dets.keys()) == {'bboxes', 'scores', 'labels'}
    # a new video (frame_id 0) restarts the identities
    with torch.no_grad():
        results = model.test_step(data)
    assert results[0][2].pred_track_instances.instances_id.tolist() == [0, 1]


def test_tensor_mode_and_bad_inputs():
    model = build_model()
    out = model(torch.ones(2, 3, 8, 8), mode='tensor')
    torch.testing.assert_close(out[0], torch.ones(2))
    with pytest.raises(ValueError, match='single images'):
        model.loss(torch.zeros(1, 2, 3, 8, 8), [])
    data = demo_track_inputs(batch_size=2, num_frames=2,
                             image_shapes=(3, 32, 32))
    data = model.data_preprocessor(data, training=False)
    with pytest.raises(ValueError, match='one video'):
        model.predict(data['inputs'], data['data_samples'])


def test_with_the_tiny_ce_detector():
    """The package's RetinaNet + CE head: losses, then a tracked video."""
    from mmmtl.testing import demo_det_inputs, tiny_detector_cfg
    detector = tiny_detector_cfg()
    detector['test_cfg']['score_thr'] = 0.  # random weights score low
    model = build_model(
        detector=detector,
        tracker=dict(type='JDETracker', obj_score_thr=0., init_track_thr=0.))
    inputs, samples = demo_det_inputs(batch=2, size=(64, 64))
    losses = model(inputs, samples, mode='loss')
    assert {'loss_cls', 'loss_bbox', 'loss_reid'} <= set(losses)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)

    model.eval()
    data = demo_track_inputs(
        batch_size=1, num_frames=3, image_shapes=(3, 64, 64))
    with torch.no_grad():
        frames = model.test_step(data)[0]
    first = frames[0]
    assert first.pred_instances.embeds.shape[1] == 8
    # every detection of the tracker's first frame starts a track
    assert len(first.pred_track_instances) == len(
        first.pred_det_instances) > 0
    ids = first.pred_track_instances.instances_id
    assert sorted(ids.tolist()) == list(range(len(ids)))
    for frame in frames[1:]:
        assert 'instances_id' in frame.pred_track_instances
