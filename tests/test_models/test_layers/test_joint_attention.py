"""Joint Attention Module of head (b) (CTracker's JAM)."""
import torch
from mmdet.registry import MODELS

import mmmtl  # noqa: F401  (registers JointAttention)


def test_attention_scales_the_feature_between_0_and_1():
    jam = MODELS.build(dict(type='JointAttention', reid_channels=6))
    x = torch.randn(2, 5, 4, 4)
    cls_score = torch.randn(2, 3, 4, 4)
    reid = torch.randn(2, 6, 4, 4)
    out = jam(x, cls_score, reid)
    assert out.shape == x.shape
    ratio = out / x
    assert ((ratio > 0) & (ratio < 1)).all()
    # the ratio is the same for every channel of a location
    torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio))


def test_attention_follows_classification_and_reid():
    jam = MODELS.build(dict(type='JointAttention', reid_channels=2))
    with torch.no_grad():
        jam.reid_att.weight.fill_(0.0)
    x = torch.ones(1, 3, 2, 2)
    reid = torch.zeros(1, 2, 2, 2)
    # confident object everywhere, Re-ID attention pinned by the bias
    for bias, cls, expect in ((50.0, 50.0, 1.0), (-50.0, -50.0, 0.0),
                              (50.0, -50.0, 0.5)):
        with torch.no_grad():
            jam.reid_att.bias.fill_(bias)
        out = jam(x, torch.full((1, 1, 2, 2), cls), reid)
        torch.testing.assert_close(out, torch.full_like(x, expect))


def test_reid_attention_learns():
    jam = MODELS.build(dict(type='JointAttention', reid_channels=4))
    x = torch.randn(1, 3, 4, 4)
    cls_score = torch.randn(1, 1, 4, 4, requires_grad=True)
    reid = torch.randn(1, 4, 4, 4, requires_grad=True)
    jam(x, cls_score, reid).pow(2).sum().backward()
    assert jam.reid_att.weight.grad.abs().sum() > 0
    assert cls_score.grad.abs().sum() > 0 and reid.grad.abs().sum() > 0
