"""GeometricLossBalance: the closed form of the safeguarded LWF's optimum."""
import math

import pytest
import torch
from mmdet.registry import MODELS

import mmmtl  # noqa: F401  (registers the balancers)

TASKS = ('cls', 'reg', 'reid')


def losses_of(cls, reg, reid):
    return dict(
        loss_cls=torch.tensor(float(cls), requires_grad=True),
        loss_bbox=[torch.tensor(float(reg), requires_grad=True)],
        loss_reid=torch.tensor(float(reid), requires_grad=True))


def build(**kwargs):
    return MODELS.build(dict(type='GeometricLossBalance', **kwargs))


def test_weighted_losses_reach_the_geometric_mean_on_fixed_losses():
    bal = build(max_weight=None)
    raw = (0.8, 2.0, 4.0)
    gm = math.prod(raw)**(1 / 3)
    for _ in range(50):
        out = bal(losses_of(*raw))
    weighted = [float(out[k]) for k in ('loss_cls', 'loss_bbox',
                                        'loss_reid')]
    for v in weighted:
        assert v == pytest.approx(gm, rel=0.01)
    w = torch.stack([out[f'w_{n}'] for n in TASKS])
    assert float(w.prod()) == pytest.approx(1.0, rel=1e-5)


def test_first_step_uses_the_first_losses_and_ema_follows():
    bal = build(momentum=0.5, max_weight=None)
    out = bal(losses_of(1.0, 4.0, 16.0))  # GM 4: weights 4, 1, 1/4
    torch.testing.assert_close(
        torch.stack([out[f'w_{n}'] for n in TASKS]),
        torch.tensor([4.0, 1.0, 0.25]))
    # second step: bias-corrected EMA of (1, 4, 16) and (4, 4, 4)
    out = bal(losses_of(4.0, 4.0, 4.0))
    avg = (0.5 * torch.tensor([1., 4., 16.]) + torch.tensor([4., 4., 4.])) \
        * 0.5 / (1 - 0.25)
    expect = avg.log().mean().exp() / avg
    torch.testing.assert_close(
        torch.stack([out[f'w_{n}'] for n in TASKS]), expect.float())


def test_cap_zero_loss_and_eval():
    bal = build(momentum=0.0, max_weight=2.0)
    out = bal(losses_of(0.01, 1.0, 0.0))  # reid 0: left out of the mean
    w = [float(out[f'w_{n}']) for n in TASKS]
    assert w[0] == 2.0  # GM(0.01, 1) / 0.01 = 10, capped
    assert w[1] == pytest.approx(0.1)
    assert w[2] == 2.0
    n = int(bal.num_updates)
    bal.eval()
    bal(losses_of(1.0, 1.0, 1.0))
    assert int(bal.num_updates) == n


def test_no_parameters_and_gradients_pass_with_constant_weights():
    bal = build(momentum=0.0)
    assert len(list(bal.parameters())) == 0
    losses = losses_of(1.0, 4.0, 16.0)
    out = bal(losses)
    (out['loss_cls'] + out['loss_bbox'] + out['loss_reid']).backward()
    # GM 4: weights 4 (capped at 2), 1, 1/4, held constant
    assert float(losses['loss_cls'].grad) == pytest.approx(2.0)
    assert float(losses['loss_bbox'][0].grad) == pytest.approx(1.0)
    assert float(losses['loss_reid'].grad) == pytest.approx(0.25)


def test_bad_values_are_named():
    with pytest.raises(ValueError, match='momentum'):
        build(momentum=1.0)
    with pytest.raises(ValueError, match='max_weight'):
        build(max_weight=0.0)
