"""Softmax focal loss over identities (LWF paper, eq. 6)."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS

import mmmtl  # noqa: F401  (registers ReIDFocalLoss)


def build(**kwargs):
    return MODELS.build(dict(type='ReIDFocalLoss', **kwargs))


def test_exact_value():
    # p_t = softmax([0, ln 3])[1] = 0.75: -(1 - 0.75)^2 * ln(0.75)
    pred = torch.tensor([[0.0, math.log(3.0)]])
    target = torch.tensor([1])
    expect = -(0.25**2) * math.log(0.75)
    assert float(build()(pred, target)) == pytest.approx(expect, rel=1e-6)
    assert float(build(gamma=1.0, alpha=0.5)(pred, target)) == \
        pytest.approx(-0.5 * 0.25 * math.log(0.75), rel=1e-6)


def test_gamma_zero_is_cross_entropy():
    torch.manual_seed(0)
    pred, target = torch.randn(16, 7), torch.randint(0, 7, (16, ))
    torch.testing.assert_close(
        build(gamma=0.0)(pred, target), F.cross_entropy(pred, target))


def test_focal_term_down_weights_easy_identities():
    target = torch.tensor([0])
    easy, hard = torch.tensor([[4.0, 0.0, 0.0]]), torch.tensor([[0.5, 0, 0]])
    focal, ce = build(gamma=2.0), build(gamma=0.0)
    assert focal(easy, target) / ce(easy, target) < \
        focal(hard, target) / ce(hard, target)


def test_weights_reductions_and_avg_factor():
    torch.manual_seed(0)
    pred, target = torch.randn(6, 5), torch.randint(0, 5, (6, ))
    loss = build(loss_weight=2.0)
    per = loss(pred, target, reduction_override='none')
    assert per.shape == (6, )
    torch.testing.assert_close(loss(pred, target), per.mean())
    torch.testing.assert_close(
        loss(pred, target, reduction_override='sum'), per.sum())
    torch.testing.assert_close(
        loss(pred, target, avg_factor=3.0), per.sum() / 3.0)
    weight = torch.tensor([1., 0., 1., 0., 1., 0.])
    torch.testing.assert_close(
        loss(pred, target, weight=weight, reduction_override='sum'),
        per[::2].sum())


def test_extreme_logits_stay_finite():
    pred = torch.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = build()(pred, torch.tensor([1]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(pred.grad).all()


@pytest.mark.parametrize('kwargs, key', [(dict(gamma=-1.0), 'gamma'),
                                         (dict(reduction='avg'), 'avg')])
def test_bad_arguments(kwargs, key):
    with pytest.raises(ValueError, match=key):
        build(**kwargs)
