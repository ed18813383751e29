"""Head (b): the supervised Re-ID-side map of the JAM and its loss."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.structures import InstanceData

from mmmtl.testing import tiny_detector_cfg

STRIDES = (8, 16, 32)
SIZE = (64, 96)


def build_head(**overrides):
    cfg = tiny_detector_cfg('JointBranchHead', num_identities=4, **overrides)
    head = copy.deepcopy(cfg['bbox_head'])
    head.update(train_cfg=cfg['train_cfg'], test_cfg=cfg['test_cfg'])
    return MODELS.build(head)


def feats(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(1, 16, SIZE[0] // s, SIZE[1] // s, generator=g,
                    requires_grad=True) for s in STRIDES
    ]


def metas():
    return [
        dict(img_shape=SIZE, pad_shape=SIZE, ori_shape=SIZE,
             batch_input_shape=SIZE, scale_factor=(1.0, 1.0))
    ]


def gt(ids=(1, 3)):
    return InstanceData(
        bboxes=torch.tensor([[10., 5., 30., 55.], [50., 8., 70., 58.]]),
        labels=torch.zeros(2, dtype=torch.long),
        instances_ids=torch.tensor(ids))


def test_idv_targets_are_the_cosine_to_the_identity_prototype():
    torch.manual_seed(0)
    head = build_head()
    outs = head(feats())
    _, id_targets = head._losses_and_id_targets(*outs[:3], [gt()], metas())
    ids, target = head.idv_targets(outs[2], id_targets)
    pos = ids >= 0
    assert pos.sum() > 0 and set(ids[pos].tolist()) <= {1, 3}
    assert (target[~pos] == 0).all()
    emb = head._flatten_embeds(outs[2]).reshape(-1, head.embed_channels)
    w = head.reid_classifier.weight
    cos = F.cosine_similarity(emb[pos], w[ids[pos]], dim=1)
    torch.testing.assert_close(target[pos], cos.clamp(0, 1).detach())
    assert not target.requires_grad


def test_loss_idv_trains_the_map_and_is_zero_target_without_ids():
    torch.manual_seed(0)
    head = build_head()
    x = feats()
    losses = head.loss_by_feat(*head(x), [gt()], metas())
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_reid', 'loss_idv'}
    assert float(losses['loss_idv']) > 0
    head.zero_grad()
    losses['loss_idv'].backward()
    assert head.jam.id_conv.weight.grad.abs().sum() > 0
    # the target is detached: loss_idv does not train the embedding
    assert head.reid_embed.weight.grad is None or \
        head.reid_embed.weight.grad.abs().sum() == 0
    # boxes without identities: every target is 0, still a finite loss
    none = head.loss_by_feat(*head(x), [gt((-1, -1))], metas())
    assert torch.isfinite(none['loss_idv']) and float(none['loss_idv']) > 0


def test_regression_loss_reaches_both_attention_maps():
    torch.manual_seed(0)
    head = build_head()
    losses = head.loss_by_feat(*head(feats()), [gt()], metas())
    loss_bbox = sum(losses['loss_bbox'])
    assert float(loss_bbox) > 0
    grads = torch.autograd.grad(
        loss_bbox, [head.retina_cls.weight, head.jam.id_conv.weight])
    assert all(g.abs().sum() > 0 for g in grads)


def test_predict_ignores_the_map():
    head = build_head()
    head.test_cfg.update(score_thr=0.0)
    with torch.no_grad():
        outs = head(feats())
        a = head.predict_by_feat(*outs, batch_img_metas=metas())
        b = head.predict_by_feat(*outs[:3], batch_img_metas=metas())
    torch.testing.assert_close(a[0].bboxes, b[0].bboxes)


@pytest.mark.parametrize('normalizer', ['num_pos', 'num_pos_neg'])
def test_cls_normalizer_rescales_only_the_classification_loss(normalizer):
    torch.manual_seed(0)
    ref = build_head()
    other = build_head(cls_normalizer=normalizer)
    other.load_state_dict(ref.state_dict())
    x = feats()
    la = ref.loss_by_feat(*ref(x), [gt()], metas())
    lb = other.loss_by_feat(*other(x), [gt()], metas())
    (_, label_weights, _, _, num_pos, _) = ref.get_targets(
        *ref.get_anchors([f.shape[-2:] for f in x], metas(), device='cpu'),
        [gt()], metas())[:6]
    num_pos_neg = sum(float((w > 0).sum()) for w in label_weights)
    factor = 1.0 if normalizer == 'num_pos' else num_pos / num_pos_neg
    assert num_pos_neg > 10 * num_pos  # the option matters
    torch.testing.assert_close(
        sum(lb['loss_cls']), sum(la['loss_cls']) * factor, rtol=1e-5,
        atol=0)
    for key in ('loss_bbox', 'loss_reid'):
        torch.testing.assert_close(
            torch.as_tensor(sum(lb[key]) if isinstance(lb[key], list)
                            else lb[key]),
            torch.as_tensor(sum(la[key]) if isinstance(la[key], list)
                            else la[key]))


def test_bad_cls_normalizer_is_named():
    with pytest.raises(ValueError, match='cls_normalizer'):
        build_head(cls_normalizer='all')
