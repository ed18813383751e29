"""GradNormLoss: equal gradient norms on the shared layer."""
import pytest
import torch
import torch.nn as nn
from mmdet.registry import MODELS

from mmmtl.models.loss_balancers.gradnorm_loss import last_shared_layer
from mmmtl.testing import tiny_mot_cfg

TASKS = dict(a='loss_a', b='loss_b')


class ToyTwoTask(nn.Module):
    """A shared linear layer and two task heads of very different scale."""

    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(4, 8)
        self.head_a = nn.Linear(8, 1)
        self.head_b = nn.Linear(8, 1)

    def losses(self, x, ya, yb):
        h = torch.relu(self.shared(x))
        return dict(
            loss_a=(self.head_a(h).squeeze(1) - ya).pow(2).mean(),
            # task b's loss is 100x larger: its gradient dominates
            loss_b=100.0 * (self.head_b(h).squeeze(1) - yb).pow(2).mean())


def grad_norm(loss, params):
    grads = torch.autograd.grad(loss, params, retain_graph=True)
    return float(torch.stack([g.pow(2).sum() for g in grads]).sum().sqrt())


def test_equalises_gradient_norms_on_a_toy_two_task_problem():
    torch.manual_seed(0)
    net = ToyTwoTask()
    bal = MODELS.build(dict(type='GradNormLoss', task_keys=TASKS, alpha=0.0))
    bal.bind_params(net.shared.parameters())
    opt = torch.optim.Adam([
        dict(params=net.parameters(), lr=1e-3),
        dict(params=bal.parameters(), lr=2e-2)
    ])
    x = torch.randn(64, 4)
    ya, yb = x[:, 0], x[:, 1] * x[:, 2]
    params = list(net.shared.parameters())

    def ratio():
        raw = net.losses(x, ya, yb)
        w = bal.weights().detach()
        ga = float(w[0]) * grad_norm(raw['loss_a'], params)
        gb = float(w[1]) * grad_norm(raw['loss_b'], params)
        return gb / ga

    before = ratio()
    for _ in range(400):
        out = bal(net.losses(x, ya, yb))
        total = out['loss_a'] + out['loss_b'] + out['loss_gradnorm']
        opt.zero_grad()
        total.backward()
        opt.step()
    after = ratio()
    assert before > 5.0  # unbalanced at the start
    assert after == pytest.approx(1.0, abs=0.1), (before, after)
    w = bal.weights()
    assert float(w.sum()) == pytest.approx(2.0)  # renormalised to T
    assert float(w[0]) > float(w[1])


def test_weights_are_constant_to_the_task_losses_and_learn_from_l_gn():
    torch.manual_seed(0)
    net = ToyTwoTask()
    bal = MODELS.build(dict(type='GradNormLoss', task_keys=TASKS))
    bal.bind_params(net.shared.parameters())
    out = bal(net.losses(torch.randn(8, 4), torch.zeros(8), torch.zeros(8)))
    assert 'loss_gradnorm' in out
    (out['loss_a'] + out['loss_b']).backward()
    assert bal.logits.grad is None  # the task losses do not train w
    out['loss_gradnorm'].backward()
    assert bal.logits.grad.abs().sum() > 0
    assert torch.equal(bal.initial_losses > 0, torch.tensor([True, True]))


def test_logs_the_weighted_gradient_norms_and_their_targets():
    torch.manual_seed(0)
    net = ToyTwoTask()
    bal = MODELS.build(dict(type='GradNormLoss', task_keys=TASKS, alpha=1.5))
    bal.bind_params(net.shared.parameters())
    x, ya, yb = torch.randn(8, 4), torch.zeros(8), torch.zeros(8)
    out = bal(net.losses(x, ya, yb))
    params = list(net.shared.parameters())
    raw = net.losses(x, ya, yb)
    w = bal.weights().detach()
    g = [float(w[0]) * grad_norm(raw['loss_a'], params),
         float(w[1]) * grad_norm(raw['loss_b'], params)]
    assert float(out['gn_G_a']) == pytest.approx(g[0], rel=1e-5)
    assert float(out['gn_G_b']) == pytest.approx(g[1], rel=1e-5)
    # first step: every loss ratio is 1, so every target is mean(G)
    for k in ('gn_target_a', 'gn_target_b'):
        assert float(out[k]) == pytest.approx(sum(g) / 2, rel=1e-5)
    assert not any('loss' in k for k in out if k.startswith('gn_'))
    bal.eval()
    assert not any(k.startswith('gn_') for k in bal(net.losses(x, ya, yb)))


def test_unbound_raises_and_eval_needs_no_binding():
    bal = MODELS.build(dict(type='GradNormLoss', task_keys=TASKS))
    losses = dict(loss_a=torch.tensor(1.0, requires_grad=True),
                  loss_b=torch.tensor(2.0, requires_grad=True))
    with pytest.raises(RuntimeError, match='not bound'):
        bal(losses)
    bal.eval()
    out = bal(losses)
    assert float(out['w_a']) == 1.0


@pytest.mark.parametrize('head,expect', [
    ('TripleBranchHead', 'detector.neck.fpn_convs'),
    ('JointBranchHead', 'detector.neck.fpn_convs'),
    ('SharedBranchHead', 'detector.bbox_head.shared_convs.0'),
    ('DoubleBranchClsHead', 'detector.neck.fpn_convs'),
    ('DoubleBranchRegHead', 'detector.neck.fpn_convs'),
    ('CEHead', 'detector.neck.fpn_convs'),
])
def test_auto_shared_layer_of_each_head(head, expect):
    cfg = tiny_mot_cfg(head)['model']
    cfg['loss_balancer'] = dict(type='GradNormLoss')
    model = MODELS.build(cfg)
    assert last_shared_layer(model) == expect
    assert model.loss_balancer.shared_layer_path == expect
    assert len(model.loss_balancer._shared_params) > 0


def test_bad_shared_layer_is_named():
    cfg = tiny_mot_cfg('CEHead')['model']
    cfg['loss_balancer'] = dict(
        type='GradNormLoss', shared_layer='detector.neck.nope')
    with pytest.raises(KeyError, match="'nope'"):
        MODELS.build(cfg)
