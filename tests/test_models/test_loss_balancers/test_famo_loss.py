"""FAMOLoss: the paper's logit update, its fixed point, state and guards."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS

from mmmtl.models.loss_balancers import BaseLossBalancer, FAMOLoss

TWO_TASKS = dict(a='loss_a', b='loss_b')


class OfficialFAMO:
    """The weighting and ``update`` of the official code.

    ``methods/weight_methods.py`` of github.com/Cranial-XIX/FAMO, reduced
    to what the balancer reproduces: Adam on the logits with L2 decay,
    and the gradient of ``sum_i z_i log D_i / c`` on the losses.
    """

    def __init__(self, n: int, w_lr: float = 0.025, gamma: float = 1e-3):
        self.w = torch.zeros(n, requires_grad=True)
        self.w_opt = torch.optim.Adam([self.w], lr=w_lr, weight_decay=gamma)

    def weights(self, losses: torch.Tensor) -> torch.Tensor:
        """Factors on the raw losses: the gradient of the official loss."""
        x = losses.clone().requires_grad_(True)
        z = F.softmax(self.w, -1).detach()
        d = x + 1e-8
        c = (z / d).sum().detach()
        (d.log() * z / c).sum().backward()
        return x.grad

    def update(self, prev: torch.Tensor, curr: torch.Tensor) -> None:
        delta = (prev + 1e-8).log() - (curr + 1e-8).log()
        with torch.enable_grad():
            d = torch.autograd.grad(
                F.softmax(self.w, -1), self.w, grad_outputs=delta)[0]
        self.w_opt.zero_grad()
        self.w.grad = d
        self.w_opt.step()


def toy_losses(theta: torch.Tensor, cos: float) -> torch.Tensor:
    """Two tasks sharing ``theta`` (2, ); task a's loss is scaled by 100.

    ``L_a = 100 exp(u_a . theta)``, ``L_b = exp(u_b . theta)`` with
    ``|u_a| = 1``, ``|u_b| = 2`` at cosine ``cos``. Descending
    ``z_a log L_a + z_b log L_b`` moves theta along ``-(z_a u_a + z_b
    u_b)``, so the log-losses fall at rates proportional to ``(G z)_i``
    with ``G`` the Gram matrix of the u's: the rates are equal at
    ``z_a (G_aa - G_ab) = z_b (G_bb - G_ab)``.
    """
    u_a = torch.tensor([1.0, 0.0])
    u_b = 2 * torch.tensor([cos, math.sqrt(1 - cos**2)])
    return torch.stack([100 * torch.exp(u_a @ theta), torch.exp(u_b @ theta)])


def train_toy(weighting, steps: int, lr: float, cos: float = -0.25):
    """Full-batch SGD on the toy; returns log-losses (S, 2) per step.

    Args:
        weighting: ``FAMOLoss``, ``OfficialFAMO`` or None (plain sum).
    """
    theta = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=lr)
    log_losses, zs, prev = [], [], None
    for _ in range(steps):
        losses = toy_losses(theta, cos)
        if isinstance(weighting, FAMOLoss):
            out = weighting(dict(loss_a=losses[0], loss_b=losses[1]))
            total = out['loss_a'] + out['loss_b']
            zs.append(torch.stack([out['famo_z_a'], out['famo_z_b']]))
        elif isinstance(weighting, OfficialFAMO):
            stats = losses.detach()
            if prev is not None:
                weighting.update(prev, stats)
            prev = stats
            total = (weighting.weights(stats) * losses).sum()
            zs.append(F.softmax(weighting.w, -1).detach().clone())
        else:
            total = losses.sum()
        log_losses.append(losses.detach().log())
        opt.zero_grad()
        total.backward()
        opt.step()
    return torch.stack(log_losses), (torch.stack(zs) if zs else None)


def rate_ratio(log_losses: torch.Tensor, start: int, stop: int) -> float:
    """Ratio of the two tasks' log-loss decrease over steps [start, stop)."""
    drop = log_losses[start] - log_losses[stop - 1]
    return float(drop[0] / drop[1])


def test_registry_and_contract():
    bal = MODELS.build(dict(type='FAMOLoss'))
    assert isinstance(bal, (FAMOLoss, BaseLossBalancer))
    assert bal.task_names == ['cls', 'reg', 'reid']
    # No parameter: the detector's optimiser never touches the logits.
    assert list(bal.parameters()) == []
    losses = dict(
        loss_cls=torch.tensor(1.0, requires_grad=True),
        loss_bbox=[torch.tensor(0.5, requires_grad=True)] * 2,
        loss_reid=torch.tensor(4.0, requires_grad=True))
    out = bal(losses)
    # z uniform at the start: w_i = z_i / (s L_i), summing to 1; the
    # weighted total is 1 / s = 1 / mean(1 / L) = 4 / 3.
    inv = torch.tensor([1.0, 1.0, 0.25])
    torch.testing.assert_close(
        torch.stack([out['w_cls'], out['w_reg'], out['w_reid']]),
        inv / inv.sum())
    for n in ('cls', 'reg', 'reid'):
        assert out[f'famo_z_{n}'].item() == pytest.approx(1 / 3)
    total = out['loss_cls'] + out['loss_bbox'] + out['loss_reid']
    assert total.item() == pytest.approx(4 / 3)


def test_weights_and_logits_follow_the_official_update():
    """Same toy, same steps: z and the loss factors match step by step."""
    bal = FAMOLoss(task_keys=TWO_TASKS)  # defaults: lr 0.025, decay 1e-3
    ours, z_ours = train_toy(bal, steps=60, lr=0.05)
    ref = OfficialFAMO(2)
    theirs, z_theirs = train_toy(ref, steps=60, lr=0.05)
    torch.testing.assert_close(z_ours, z_theirs, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
    assert int(bal.num_updates) == 59
    # The logits moved: task b (|u_b| = 2) falls faster, so z_a grows.
    assert z_ours[-1, 0] > 0.6


def test_sgd_logits_are_algorithm_1():
    """xi <- xi - lr (J^T delta + gamma xi), one step by hand."""
    bal = FAMOLoss(task_keys=TWO_TASKS, lr=0.5, weight_decay=0.1,
                   xi_optimizer='sgd')
    bal.xi.copy_(torch.tensor([0.2, -0.1]))
    prev, curr = torch.tensor([2.0, 3.0]), torch.tensor([1.0, 2.7])
    xi = bal.xi.clone()
    z = torch.softmax(xi, 0)
    delta = prev.log() - curr.log()
    jac = torch.diag(z) - torch.outer(z, z)
    bal.update_logits(prev, curr)
    torch.testing.assert_close(bal.xi, xi - 0.5 * (jac @ delta + 0.1 * xi))


def test_rates_of_decrease_equalise_on_the_scaled_toy():
    """FAMO's fixed point: both log-losses fall at the same rate.

    cos(u_a, u_b) = -0.25: G = [[1, -0.5], [-0.5, 4]], equal rates at
    z = (0.75, 0.25). Without decay (which pulls z to uniform once the
    per-step decreases are as small as gamma * xi) the logits reach it; the
    tolerance: the rate ratio over steps 200-400 within 2 % of 1 and z
    within 0.01 of (0.75, 0.25). The plain sum, dominated by the loss
    scaled by 100, is far from equal rates over the first 100 steps.
    """
    bal = FAMOLoss(task_keys=TWO_TASKS, weight_decay=0.0)
    log_losses, zs = train_toy(bal, steps=400, lr=0.05)
    assert rate_ratio(log_losses, 200, 400) == pytest.approx(1.0, abs=0.02)
    torch.testing.assert_close(zs[-1], torch.tensor([0.75, 0.25]),
                               rtol=0, atol=0.01)
    assert bool((log_losses[-1] < log_losses[0] - 1.0).all())
    plain, _ = train_toy(None, steps=100, lr=0.002)
    assert abs(rate_ratio(plain, 0, 100)) > 5


def test_state_dict_round_trip_continues_the_same_sequence():
    bal = FAMOLoss(task_keys=TWO_TASKS)
    for a, b in ((3.0, 1.0), (2.0, 0.9), (1.5, 0.85)):
        bal(dict(loss_a=torch.tensor(a), loss_b=torch.tensor(b)))
    state = bal.state_dict()
    assert {'xi', 'prev_losses', 'has_prev', 'exp_avg', 'exp_avg_sq',
            'num_updates', 'min_losses'} <= set(state)
    resumed = FAMOLoss(task_keys=TWO_TASKS)
    resumed.load_state_dict(state)
    nxt = dict(loss_a=torch.tensor(1.2), loss_b=torch.tensor(0.84))
    out_a, out_b = bal(dict(nxt)), resumed(dict(nxt))
    for key in ('w_a', 'w_b', 'famo_z_a', 'famo_z_b'):
        torch.testing.assert_close(out_a[key], out_b[key])
    torch.testing.assert_close(bal.xi, resumed.xi)
    assert int(resumed.num_updates) == 3


def test_eval_mode_does_not_move_the_logits():
    bal = FAMOLoss(task_keys=TWO_TASKS)
    bal(dict(loss_a=torch.tensor(3.0), loss_b=torch.tensor(1.0)))
    bal.eval()
    bal(dict(loss_a=torch.tensor(1.0), loss_b=torch.tensor(1.0)))
    assert int(bal.num_updates) == 0
    torch.testing.assert_close(bal.prev_losses, torch.tensor([3.0, 1.0]))


def test_zero_loss_task_is_left_out():
    """A batch without identities: loss_b = 0 gets weight 0, delta 0."""
    bal = FAMOLoss(task_keys=TWO_TASKS)
    out = bal(dict(loss_a=torch.tensor(2.0), loss_b=torch.tensor(0.0)))
    assert out['w_b'].item() == 0.0
    assert out['w_a'].item() == pytest.approx(1.0)  # the whole step
    bal(dict(loss_a=torch.tensor(1.0), loss_b=torch.tensor(0.5)))
    # delta = (log 2, 0): the logit of a falls, b's rises, both finite.
    assert bal.xi[0] < 0 < bal.xi[1]
    assert bool(torch.isfinite(bal.xi).all())


@pytest.mark.parametrize('kwargs, match', [
    (dict(lr=0.0), 'lr must be > 0'),
    (dict(weight_decay=-1.0), 'weight_decay must be >= 0'),
    (dict(xi_optimizer='rmsprop'), 'xi_optimizer must be one of'),
    (dict(min_losses=[0.0]), 'min_losses needs one value per task'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FAMOLoss(**kwargs)
