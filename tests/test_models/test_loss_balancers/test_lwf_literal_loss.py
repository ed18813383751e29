"""LWFLiteralLoss: eq. 9-10 as printed, and the collapse it predicts."""
import warnings

import pytest
import torch
import torch.nn as nn
from mmdet.registry import MODELS

import mmmtl  # noqa: F401  (registers the balancers)

TASKS = ('cls', 'reg', 'reid')


def build(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return MODELS.build(dict(type='LWFLiteralLoss', **kwargs))


def leaf_losses(values=(0.8, 2.0, 4.0)):
    return [torch.tensor(float(v), requires_grad=True) for v in values]


def as_dict(ls):
    return dict(loss_cls=ls[0], loss_bbox=ls[1], loss_reid=ls[2])


@pytest.mark.parametrize('reading,hidden,out', [('printed', nn.Sigmoid,
                                                 nn.ReLU),
                                                ('senet', nn.ReLU,
                                                 nn.Sigmoid)])
def test_layers_of_each_reading(reading, hidden, out):
    bal = build(reading=reading, num_hidden_layers=1)
    kinds = [type(m) for m in bal.mlp]
    assert kinds == [nn.Linear, hidden, nn.Linear, hidden, nn.Linear, out]
    assert bal.num_weights == 1216  # the paper's 1.22k at C = 32, N = 1


def test_gaussian_init_and_warning():
    with pytest.warns(UserWarning, match='collapse'):
        bal = MODELS.build(dict(type='LWFLiteralLoss', init_std=0.05))
    w = torch.cat([m.weight.flatten() for m in bal.mlp
                   if isinstance(m, nn.Linear)])
    assert 0.035 < float(w.std()) < 0.065
    assert all(float(m.bias.abs().sum()) == 0 for m in bal.mlp
               if isinstance(m, nn.Linear))


def test_inputs_are_the_raw_losses_with_their_graph():
    torch.manual_seed(0)
    bal = build(reading='senet', init_std=0.5)
    ls = leaf_losses()
    out = bal(as_dict(ls))
    total = out['loss_cls'] + out['loss_bbox'] + out['loss_reid']
    total.backward()
    w = torch.stack([out[f'w_{n}'] for n in TASKS])
    # d total / d L_i = w_i + sum_j L_j dw_j/dL_i: the weights depend on
    # the losses, so the gradient differs from the weights
    grads = torch.stack([v.grad for v in ls])
    assert not torch.allclose(grads, w, atol=1e-4)
    # the MLP input is the raw loss: same weights as the MLP on the values
    with torch.no_grad():
        expect = bal.mlp(torch.tensor([0.8, 2.0, 4.0]))
    torch.testing.assert_close(w, expect)


@pytest.mark.parametrize('reading', ['printed', 'senet'])
def test_training_by_the_weighted_loss_collapses_the_weights(reading):
    """d(sum w_i L_i)/dw_i = L_i > 0: descent drives every weight to 0."""
    torch.manual_seed(0)
    bal = build(reading=reading, init_std=0.5)
    opt = torch.optim.Adam(bal.parameters(), lr=1e-2)
    first = None
    for _ in range(300):
        out = bal(as_dict(leaf_losses()))
        w = torch.stack([out[f'w_{n}'] for n in TASKS])
        first = w if first is None else first
        opt.zero_grad()
        (out['loss_cls'] + out['loss_bbox'] + out['loss_reid']).backward()
        opt.step()
    assert float(first.max()) > 0.1
    assert float(w.max()) < 0.01, w


def test_bad_reading_is_named():
    with pytest.raises(ValueError, match='reading'):
        build(reading='both')


def test_senet_reading_trains_the_losses_upwards():
    """Through the weights' graph the total rewards larger losses.

    The MLP reads the losses with their graph, so d total / d L_i is
    ``w_i + sum_j L_j dw_j/dL_i``. Once descent has taught the MLP that
    larger losses give smaller weights, the second term wins and the
    gradient on every loss is negative: a model trained by this total is
    pushed to raise its own losses (the study's SENet run: raw box loss
    4.1 -> 385 within 150 iterations). Here the losses are free
    parameters ``L = exp(theta)`` trained with the MLP.
    """
    torch.manual_seed(0)
    bal = build(reading='senet')
    theta = torch.tensor([0.8, 2.0, 4.0]).log().requires_grad_()
    opt = torch.optim.Adam([*bal.parameters(), theta], lr=2e-3)
    for _ in range(150):
        losses = theta.exp()
        out = bal(as_dict(losses))
        opt.zero_grad()
        (out['loss_cls'] + out['loss_bbox'] + out['loss_reid']).backward()
        opt.step()
    w = torch.stack([out[f'w_{n}'] for n in TASKS])
    assert float(w.max()) < 0.01, w
    # descent on theta now raises every loss
    assert bool((theta.grad < 0).all()), theta.grad
