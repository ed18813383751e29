"""CEHead (Fig. 2f): J = sigmoid(I) * Q, its loss, gradients and checks."""
import copy
import logging

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the heads)
from mmmtl.testing import tiny_detector_cfg


@pytest.fixture(autouse=True, scope='module')
def mmdet_scope():
    init_default_scope('mmdet')
    MMLogger.get_current_instance().setLevel(logging.WARNING)


def build_head(init=True, **overrides):
    cfg = tiny_detector_cfg('CEHead', num_identities=4, **overrides)
    bbox_head = copy.deepcopy(cfg['bbox_head'])
    bbox_head.update(train_cfg=cfg['train_cfg'], test_cfg=cfg['test_cfg'])
    head = MODELS.build(bbox_head)
    if init:
        head.init_weights()
    return head


def feats(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(1, 16, 64 // s, 64 // s, generator=g)
            for s in (8, 16, 32)]


META = dict(
    img_shape=(64, 64),
    pad_shape=(64, 64),
    ori_shape=(64, 64),
    batch_input_shape=(64, 64),
    scale_factor=(1.0, 1.0))
GT = InstanceData(
    bboxes=torch.tensor([[10., 5., 30., 55.], [36., 4., 56., 60.]]),
    labels=torch.zeros(2, dtype=torch.long),
    instances_ids=torch.tensor([0, 3]))


def test_joint_score_is_classification_probability_times_quality():
    head = build_head()
    x = feats()[0]
    cls_score, bbox_pred, _ = head.forward_single(x)
    logits = head.retina_cls(head._run(head.cls_convs, x))
    quality = head.ce(bbox_pred)
    assert quality.shape == (1, 1, 8, 8)
    torch.testing.assert_close(cls_score, logits.sigmoid() * quality)
    torch.testing.assert_close(head.quality(bbox_pred), quality)


def test_quality_starts_near_init_quality():
    head = build_head(ce_cfg=dict(topk=2, hidden_channels=16,
                                  init_quality=0.3))
    _, bbox_preds, _ = head(feats())
    q = torch.cat([head.ce(b).flatten() for b in bbox_preds])
    assert (q - 0.3).abs().max() < 0.05
    # the classification prior survives: J starts near 0.01 * 0.3
    cls_scores, _, _ = head(feats())
    j = torch.cat([c.flatten() for c in cls_scores])
    assert 0.5 * 0.003 < j.mean() < 2 * 0.003


@pytest.mark.parametrize('detach_reg', [False, True])
def test_classification_loss_reaches_ce_and_maybe_regression(detach_reg):
    head = build_head(detach_reg=detach_reg)
    losses = head.loss_by_feat(*head(feats()), [GT], [META])
    sum(losses['loss_cls']).backward()
    for conv in (head.ce.conv1, head.ce.conv2, head.ce.conv3):
        assert conv.weight.grad.abs().sum() > 0
    reg_grad = head.retina_reg.weight.grad
    if detach_reg:
        assert reg_grad is None or reg_grad.abs().sum() == 0
    else:  # Algorithm 1: Q depends on R, so cls trains regression too
        assert reg_grad.abs().sum() > 0


def test_saturated_scores_keep_the_loss_finite():
    head = build_head()
    with torch.no_grad():
        head.retina_cls.bias.fill_(60.0)  # sigmoid(I) == 1 in float32
        head.ce.conv3.bias.fill_(60.0)  # Q == 1
    cls_scores, bbox_preds, reid = head(feats())
    assert max(float(c.max()) for c in cls_scores) < 1.0
    losses = head.loss_by_feat(cls_scores, bbox_preds, reid, [GT], [META])
    loss = sum(losses['loss_cls'])
    assert torch.isfinite(loss) and loss > 0


def test_predict_ranks_by_joint_score():
    head = build_head()
    head.test_cfg.update(score_thr=0.0, nms_pre=100, max_per_img=100)
    cls_scores, bbox_preds, reid = head(feats())
    res = head.predict_by_feat(cls_scores, bbox_preds, reid,
                               batch_img_metas=[META])[0]
    # scores are J itself (no second sigmoid), so the best one is max J
    best = max(float(c.max()) for c in cls_scores)
    torch.testing.assert_close(res.scores.max(), torch.tensor(best))


@pytest.mark.parametrize('ce_cfg, key', [
    (dict(topk=3), 'topk'),
    (dict(topk=4), 'topk'),
    (dict(topk=0), 'topk'),
    (dict(hidden_channels=0), 'hidden_channels'),
    (dict(hidden_channels=-16), 'hidden_channels'),
    (dict(init_quality=1.0), 'init_quality'),
])
def test_bad_ce_cfg_fails_at_build(ce_cfg, key):
    with pytest.raises(ValueError, match=key):
        build_head(init=False, ce_cfg=ce_cfg)


def test_logit_classification_loss_is_refused():
    loss = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25)
    with pytest.raises(ValueError, match='loss_cls'):
        build_head(init=False, loss_cls=loss)
    with pytest.raises(TypeError, match='ce_cfg'):
        build_head(init=False, ce_cfg=[2, 128])
