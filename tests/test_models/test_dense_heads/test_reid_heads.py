"""Behaviour shared by the six Re-ID heads of the CE paper (Fig. 2a-f)."""
import copy
import logging

import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the heads)
from mmmtl.testing import HEAD_TYPES, demo_det_inputs, tiny_detector_cfg

EMBED = 8  # embed_channels of the tiny config
STRIDES = (8, 16, 32)


@pytest.fixture(autouse=True, scope='module')
def mmdet_scope():
    init_default_scope('mmdet')
    # init_weights logs one line per parameter at INFO
    MMLogger.get_current_instance().setLevel(logging.WARNING)


def build_head(head, **overrides):
    cfg = tiny_detector_cfg(head, **overrides)
    bbox_head = copy.deepcopy(cfg['bbox_head'])
    bbox_head.update(train_cfg=cfg['train_cfg'], test_cfg=cfg['test_cfg'])
    return MODELS.build(bbox_head)


def feats(batch=2, size=(64, 96), seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(batch, 16, size[0] // s, size[1] // s, generator=g)
        for s in STRIDES
    ]


def img_metas(batch=2, size=(64, 96)):
    return [
        dict(
            img_shape=size,
            pad_shape=size,
            ori_shape=size,
            batch_input_shape=size,
            scale_factor=(1.0, 1.0)) for _ in range(batch)
    ]


def total(losses):
    return sum(sum(v) if isinstance(v, list) else v for v in losses.values())


def reduced(losses):
    return {
        k: float(sum(v) if isinstance(v, list) else v)
        for k, v in losses.items()
    }


@pytest.mark.parametrize('head', HEAD_TYPES)
def test_forward_shapes(head):
    model = build_head(head)
    x = feats()
    outs = model(x)
    cls_scores, bbox_preds, reid_feats = outs[:3]
    # head (b) also returns the logits of its Re-ID-side attention map
    assert len(outs) == (4 if head == 'JointBranchHead' else 3)
    for level, f in enumerate(x):
        h, w = f.shape[-2:]
        assert cls_scores[level].shape == (2, 1, h, w)
        assert bbox_preds[level].shape == (2, 4, h, w)
        assert reid_feats[level].shape == (2, EMBED, h, w)
        if len(outs) == 4:
            assert outs[3][level].shape == (2, 1, h, w)
    if model.cls_activated:  # CE: probabilities J
        assert all(((c > 0) & (c < 1)).all() for c in cls_scores)


@pytest.mark.parametrize('head', HEAD_TYPES)
def test_loss_keys_and_every_parameter_learns(head):
    torch.manual_seed(0)
    model = MODELS.build(tiny_detector_cfg(head, num_identities=4))
    model.init_weights()
    inputs, samples = demo_det_inputs(batch=2, size=(64, 64), num_ids=4)
    data = model.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    extra = {'loss_idv'} if head == 'JointBranchHead' else set()
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_reid'} | extra
    assert len(losses['loss_cls']) == len(STRIDES)
    vals = reduced(losses)
    assert all(v > 0 and v == v for v in vals.values()), vals
    total(losses).backward()
    dead = [
        name for name, p in model.named_parameters()
        if p.requires_grad and (p.grad is None or not p.grad.abs().sum() > 0)
    ]
    assert not dead, f'{head}: no gradient reaches {dead}'


@pytest.mark.parametrize('head', HEAD_TYPES)
def test_empty_gt_and_missing_identities(head):
    model = build_head(head, num_identities=4)
    x = [f.requires_grad_() for f in feats(batch=1)]
    metas = img_metas(batch=1)
    boxes = torch.tensor([[10., 5., 30., 55.], [50., 8., 70., 58.]])

    def loss(gt):
        return model.loss_by_feat(*model(x), [gt], metas)

    # no ground truth: only background classification
    empty = loss(
        InstanceData(
            bboxes=torch.zeros(0, 4),
            labels=torch.zeros(0, dtype=torch.long),
            instances_ids=torch.zeros(0, dtype=torch.long)))
    vals = reduced(empty)
    assert vals['loss_cls'] > 0
    assert vals['loss_bbox'] == 0 and vals['loss_reid'] == 0
    assert empty['loss_reid'].requires_grad
    total(empty).backward()

    # boxes but no identity (absent, or -1): no Re-ID loss, no NaN
    labels = torch.zeros(2, dtype=torch.long)
    for gt in (InstanceData(bboxes=boxes, labels=labels),
               InstanceData(
                   bboxes=boxes,
                   labels=labels,
                   instances_ids=torch.tensor([-1, -1])),
               InstanceData(
                   bboxes=boxes,
                   labels=labels,
                   instances_ids=torch.tensor([-1, 2]))):
        vals = reduced(loss(gt))
        assert vals['loss_bbox'] > 0
        if (gt.get('instances_ids', torch.tensor([-1])) >= 0).any():
            assert vals['loss_reid'] > 0
        else:
            assert vals['loss_reid'] == 0


def test_identity_targets_follow_the_assigned_gt():
    model = build_head('TripleBranchHead', num_identities=8)
    metas = img_metas(batch=1)
    x = feats(batch=1)
    sizes = [f.shape[-2:] for f in x]
    anchors, valid = model.get_anchors(sizes, metas, device='cpu')
    # two well separated boxes with identities 5 and 3, one without (-1)
    gt = InstanceData(
        bboxes=torch.tensor([[4., 2., 24., 52.], [40., 6., 58., 52.],
                             [70., 10., 90., 60.]]),
        labels=torch.zeros(3, dtype=torch.long),
        instances_ids=torch.tensor([5, 3, -1]))
    labels, _, _, _, _, id_targets = model.get_targets(anchors, valid, [gt],
                                                       metas)
    labels = torch.cat(labels, 1)[0]
    ids = torch.cat(id_targets, 1)[0]
    assert (ids[labels == model.num_classes] == -1).all()
    pos_ids = ids[labels < model.num_classes]
    assert set(pos_ids.tolist()) == {5, 3, -1}
    # every positive anchor carries the id of the gt it overlaps most
    flat = torch.cat(anchors[0])[labels < model.num_classes]
    best = bbox_overlaps(flat, gt.bboxes).argmax(1)
    assert torch.equal(pos_ids, gt.instances_ids[best])

    # ids beyond num_identities are a config error, named as such
    gt.instances_ids = torch.tensor([5, 8, 1])
    with pytest.raises(ValueError, match='num_identities=8'):
        model.loss_by_feat(*model(x), [gt], metas)


@pytest.mark.parametrize('head', HEAD_TYPES)
def test_predict_keeps_each_box_with_its_embedding(head):
    model = build_head(head)
    model.test_cfg.update(score_thr=0.0, nms_pre=50, max_per_img=20)
    size = (64, 96)
    cls_scores, bbox_preds, reid_feats = model(feats(batch=1,
                                                     size=size))[:3]
    low, high = (0.01, 0.95) if model.cls_activated else (-5.0, 5.0)
    codes = torch.eye(EMBED)
    expect = {}
    # one confident anchor per level, boxes overlapping little (IoU < 0.25,
    # NMS keeps all three), each with its own code
    for level, (y, x) in enumerate([(4, 10), (1, 1), (1, 2)]):
        cls_scores[level] = torch.full_like(cls_scores[level], low)
        cls_scores[level][0, 0, y, x] = high - 0.01 * level
        bbox_preds[level] = torch.zeros_like(bbox_preds[level])
        reid_feats[level][0, :, y, x] = 3.0 * codes[level]
        expect[level] = codes[level]
    res = model.predict_by_feat(
        cls_scores, bbox_preds, reid_feats, batch_img_metas=img_metas(1, size))
    pred = res[0]
    assert set(pred.keys()) >= {'bboxes', 'scores', 'labels', 'embeds'}
    n = len(pred.bboxes)
    assert 3 <= n <= 20 and pred.embeds.shape == (n, EMBED)
    torch.testing.assert_close(pred.embeds.norm(dim=1), torch.ones(n))
    top = pred.scores.argsort(descending=True)[:3]
    for rank, i in enumerate(top.tolist()):
        torch.testing.assert_close(pred.embeds[i], expect[rank])


@pytest.mark.parametrize('key, value', [('num_identities', 0),
                                        ('num_identities', -3),
                                        ('num_identities', 2.5),
                                        ('embed_channels', 0),
                                        ('embed_channels', -8)])
@pytest.mark.parametrize('head', ['TripleBranchHead', 'CEHead'])
def test_bad_values_fail_at_build_naming_the_key(head, key, value):
    with pytest.raises(ValueError, match=key):
        build_head(head, **{key: value})


def test_unknown_head_type_is_named():
    with pytest.raises(KeyError, match='QuadBranchHead'):
        build_head('QuadBranchHead')


def test_cross_entropy_reid_loss_is_selectable():
    ce = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)
    model = build_head('DoubleBranchRegHead', loss_reid=ce, num_identities=4)
    gt = InstanceData(
        bboxes=torch.tensor([[10., 5., 30., 55.]]),
        labels=torch.zeros(1, dtype=torch.long),
        instances_ids=torch.tensor([2]))
    losses = model.loss_by_feat(*model(feats(batch=1)), [gt], img_metas(1))
    assert float(losses['loss_reid']) > 0


@pytest.mark.parametrize('head', ['TripleBranchHead', 'CEHead'])
def test_tiny_model_overfits_frames_with_identities(head):
    """80 Adam steps on 2 frames x 4 identities: each loss falls by at
    least 3x, every box is found again and the embeddings of one identity
    (across the two frames) are closer than those of different ones."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_detector_cfg(head, num_identities=4))
    model.init_weights()
    inputs, samples = demo_det_inputs(batch=2, size=(64, 64), num_ids=4,
                                      seed=1)
    data = model.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), True)
    optim = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in range(80):
        losses = model.loss(data['inputs'], data['data_samples'])
        optim.zero_grad()
        total(losses).backward()
        optim.step()
        history.append(reduced(losses))
    for key in ('loss_cls', 'loss_bbox', 'loss_reid'):
        last = sum(h[key] for h in history[-3:]) / 3
        assert last < history[0][key] / 3, (key, history[0][key], last)

    model.eval()
    with torch.no_grad():
        results = model.predict(data['inputs'], data['data_samples'])
    embeds, ids = [], []
    for result, sample in zip(results, samples):
        pred, gt = result.pred_instances, sample.gt_instances
        iou = bbox_overlaps(gt.bboxes, pred.bboxes)
        assert (iou.max(1).values >= 0.5).all(), iou.max(1).values
        embeds.append(pred.embeds[iou.argmax(1)])
        ids.append(gt.instances_ids)
    embeds, ids = torch.cat(embeds), torch.cat(ids)
    sim = embeds @ embeds.t()
    same = ids[:, None] == ids[None]
    off_diag = ~torch.eye(len(ids), dtype=torch.bool)
    intra, inter = sim[same & off_diag].mean(), sim[~same].mean()
    assert intra > inter + 0.5, (float(intra), float(inter))
    torch.testing.assert_close(
        F.normalize(embeds, dim=1), embeds)  # already unit length
