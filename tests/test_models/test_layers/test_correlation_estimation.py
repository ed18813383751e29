"""Correlation Estimation module (CE paper, Fig. 3, Algorithm 1)."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS

import mmmtl  # noqa: F401  (registers CorrelationEstimation)

# Table III of the CE paper: #params of the CE module for E = 16..256
TABLE_III_K = {16: 0.34, 32: 1.18, 64: 4.41, 128: 17.02, 256: 66.81}


def build(**kwargs):
    return MODELS.build(dict(type='CorrelationEstimation', **kwargs))


@pytest.mark.parametrize('hidden, paper_k', sorted(TABLE_III_K.items()))
def test_weight_count_matches_table_iii(hidden, paper_k):
    ce = build(topk=2, hidden_channels=hidden)
    weights = sum(m.weight.numel() for m in (ce.conv1, ce.conv2, ce.conv3))
    biases = sum(m.bias.numel() for m in (ce.conv1, ce.conv2, ce.conv3))
    assert weights == 4 * hidden + hidden * hidden + hidden
    # the paper rounds 0.336k up but cuts 4.416k and 66.816k down
    assert abs(weights / 1e3 - paper_k) < 0.01
    # the paper's counts leave the 2E + 1 biases out
    assert biases == 2 * hidden + 1
    assert sum(p.numel() for p in ce.parameters()) == weights + biases


@pytest.mark.parametrize('num_anchors', [1, 2])
def test_output_shape_and_range(num_anchors):
    ce = build(hidden_channels=8)
    ce.init_weights()
    q = ce(torch.randn(3, 4 * num_anchors, 5, 7) * 4)
    assert q.shape == (3, num_anchors, 5, 7)
    assert ((q > 0) & (q < 1)).all()


@pytest.mark.parametrize('topk, expect', [
    (2, [0.75, 0.25, 0.5, 0.5]),
    (1, [0.75, 0.5]),
])
def test_quality_input_is_topk_of_pair_softmax(topk, expect):
    """D = Topk(softmax over (dx, dy) and over (dw, dh)), eq. 2."""
    ce = build(topk=topk, hidden_channels=4)
    seen = []
    ce.conv1.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    offsets = torch.tensor([0.0, math.log(3.0), 1.5, 1.5])
    ce(offsets.view(1, 4, 1, 1))
    torch.testing.assert_close(seen[0].flatten(), torch.tensor(expect))


def test_matches_algorithm_1():
    """Same weights in the paper's nn.Sequential give the same Q."""
    torch.manual_seed(0)
    hidden = 8
    ce = build(topk=2, hidden_channels=hidden)
    ce.init_weights()
    ce_net = nn.Sequential(
        nn.Conv2d(4, hidden, kernel_size=1), nn.ReLU(inplace=True),
        nn.Conv2d(hidden, hidden, kernel_size=1), nn.ReLU(inplace=True),
        nn.Conv2d(hidden, 1, kernel_size=1), nn.Sigmoid())
    for dst, src in zip(ce_net[0::2], (ce.conv1, ce.conv2, ce.conv3)):
        dst.load_state_dict(src.state_dict())

    x = torch.randn(2, 4, 6, 6) * 3
    n, _, h, w = x.shape
    prob = F.softmax(x.reshape(n, 2, 2, h, w), dim=2)
    qe, _ = prob.topk(2, dim=2)
    expect = ce_net(qe.reshape(n, -1, h, w))
    torch.testing.assert_close(ce(x), expect)


@pytest.mark.parametrize('init_quality', [0.5, 0.2])
def test_init_sets_the_starting_quality(init_quality):
    torch.manual_seed(0)
    ce = build(hidden_channels=32, init_quality=init_quality)
    ce.init_weights()
    torch.testing.assert_close(
        torch.sigmoid(ce.conv3.bias),
        torch.tensor([init_quality]))
    q = ce(torch.randn(4, 4, 8, 8))
    assert (q - init_quality).abs().max() < 0.02


def test_gradients_reach_every_conv_and_the_offsets():
    ce = build(hidden_channels=8)
    ce.init_weights()
    x = torch.randn(2, 4, 4, 4, requires_grad=True)
    ce(x).sum().backward()
    for conv in (ce.conv1, ce.conv2, ce.conv3):
        assert conv.weight.grad.abs().sum() > 0
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs, key', [
    (dict(topk=0), 'topk'),
    (dict(topk=3), 'topk'),
    (dict(topk=4), 'topk'),
    (dict(hidden_channels=0), 'hidden_channels'),
    (dict(hidden_channels=1.5), 'hidden_channels'),
    (dict(init_quality=0.0), 'init_quality'),
])
def test_bad_arguments_name_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        build(**kwargs)
