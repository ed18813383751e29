"""Every balancer computes its weights in float32 under bfloat16 autocast."""
import copy

import pytest
import torch
import torch.nn as nn
from mmdet.registry import MODELS

TASKS = dict(a='loss_a', b='loss_b', c='loss_c')
CONFIGS = [
    dict(type='LWFLoss'),
    dict(type='LWFLiteralLoss'),
    dict(type='GeometricLossBalance'),
    dict(type='GradNormLoss'),
    dict(type='FAMOLoss'),
    dict(type='UncertaintyWeightLoss'),
    dict(type='DWALoss', by_epoch=False, interval=1),
    dict(type='RLWLoss'),
    dict(type='FixedWeightLoss'),
]


class ToyThreeTask(nn.Module):
    """A shared linear layer and three task heads (losses 0.1 to 50)."""

    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(16, 32)
        self.heads = nn.ModuleList(nn.Linear(32, 1) for _ in range(3))

    def losses(self, x):
        h = torch.relu(self.shared(x))
        scales = (0.1, 1.0, 50.0)
        return {
            f'loss_{n}': s * head(h).pow(2).mean() + s
            for n, s, head in zip('abc', scales, self.heads)
        }


def _balancer(cfg, net):
    bal = MODELS.build(dict(cfg, task_keys=TASKS))
    if cfg['type'] == 'GradNormLoss':
        bal.bind_params(net.shared.parameters())
    return bal


@pytest.mark.parametrize('cfg', CONFIGS, ids=lambda c: c['type'])
def test_weights_are_float32_and_equal_to_float32_inputs(cfg):
    """bf16 losses under autocast: float32 weights, the same weights as the
    balancer gives for the same losses cast to float32 without autocast
    (LWF's MLP would otherwise run in bfloat16)."""
    torch.manual_seed(0)
    net = ToyThreeTask()
    x = torch.randn(8, 16)
    bal = _balancer(cfg, net)
    ref = copy.deepcopy(bal)
    if cfg['type'] == 'GradNormLoss':
        ref.bind_params(net.shared.parameters())
    for step in range(3):  # stateful balancers move between steps
        with torch.autocast('cpu', dtype=torch.bfloat16):
            losses = net.losses(x)
            out = bal(losses)
        assert losses['loss_c'].dtype == torch.bfloat16  # autocast on
        ref_out = ref({k: v.float() for k, v in net.losses(x).items()
                       } if cfg['type'] == 'GradNormLoss' else
                      {k: v.detach().float() for k, v in losses.items()})
        for n in 'abc':
            w = out[f'w_{n}']
            assert w.dtype == torch.float32, (n, w.dtype)
            assert out[f'loss_{n}'].dtype == torch.float32
            assert bool(torch.isfinite(out[f'loss_{n}']))
            if cfg['type'] != 'GradNormLoss':  # its norms see the bf16 graph
                torch.testing.assert_close(w, ref_out[f'w_{n}'], rtol=0,
                                           atol=0, msg=(step, n))
        total = sum(v for k, v in out.items() if 'loss' in k)
        net.zero_grad()
        total.backward()
        assert all(bool(torch.isfinite(p.grad).all())
                   for p in net.parameters())
