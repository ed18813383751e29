"""Joint Attention Module of head (b) (CTracker's JAM)."""
import torch
from mmdet.registry import MODELS

import mmmtl  # noqa: F401  (registers JointAttention)


def build(**kwargs):
    return MODELS.build(dict(type='JointAttention', **kwargs))


def test_features_times_both_maps():
    torch.manual_seed(0)
    jam = build(reid_channels=6)
    x = torch.randn(2, 5, 4, 4)
    cls_score = torch.randn(2, 1, 4, 4)
    reid = torch.randn(2, 6, 4, 4)
    out, id_logits = jam(x, cls_score, reid)
    assert out.shape == x.shape and id_logits.shape == (2, 1, 4, 4)
    expect = x * cls_score.sigmoid() * jam.id_conv(reid).sigmoid()
    torch.testing.assert_close(out, expect)
    torch.testing.assert_close(id_logits, jam.id_conv(reid))


def test_product_not_mean():
    jam = build(reid_channels=2)
    x = torch.ones(1, 3, 2, 2)
    reid = torch.zeros(1, 2, 2, 2)
    with torch.no_grad():
        jam.id_conv.weight.fill_(0.0)
    # sigmoid(50) ~ 1, sigmoid(-50) ~ 0: a product is 0 as soon as one map
    # is 0 (a mean of the two maps would give 0.5)
    for bias, cls, expect in ((50.0, 50.0, 1.0), (-50.0, 50.0, 0.0),
                              (50.0, -50.0, 0.0)):
        with torch.no_grad():
            jam.id_conv.bias.fill_(bias)
        out, _ = jam(x, torch.full((1, 1, 2, 2), cls), reid)
        torch.testing.assert_close(out, torch.full_like(x, expect))


def test_both_maps_receive_gradient():
    jam = build(reid_channels=4)
    x = torch.randn(1, 3, 4, 4)
    cls_score = torch.randn(1, 1, 4, 4, requires_grad=True)
    reid = torch.randn(1, 4, 4, 4, requires_grad=True)
    out, _ = jam(x, cls_score, reid)
    out.pow(2).sum().backward()
    assert jam.id_conv.weight.grad.abs().sum() > 0
    assert cls_score.grad.abs().sum() > 0 and reid.grad.abs().sum() > 0


def test_several_anchors_and_classes_reduce_to_one_map_per_location():
    jam = build(reid_channels=4, num_anchors=3)
    x = torch.randn(1, 2, 3, 3)
    cls_score = torch.randn(1, 6, 3, 3)  # A = 3 anchors x K = 2 classes
    reid = torch.randn(1, 4, 3, 3)
    out, id_logits = jam(x, cls_score, reid)
    assert id_logits.shape == (1, 3, 3, 3)
    expect = (x * cls_score.max(1, keepdim=True)[0].sigmoid() *
              id_logits.max(1, keepdim=True)[0].sigmoid())
    torch.testing.assert_close(out, expect)
