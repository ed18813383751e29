"""CPUAmpOptimWrapper and how ``tools/train.py --amp`` chooses it."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmdet.registry import OPTIM_WRAPPERS
from mmengine.optim import OptimWrapper, build_optim_wrapper

from mmmtl.engine import CPUAmpOptimWrapper, cpu_amp_argv
from mmmtl.engine.optimizers import amp_args

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


def _wrapper(model, **kwargs):
    return build_optim_wrapper(
        model,
        dict(type='CPUAmpOptimWrapper',
             optimizer=dict(type='SGD', lr=0.1), **kwargs))


def test_forward_in_bfloat16_parameters_and_grads_in_float32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(2))
    model(torch.randn(1, 3, 8, 8))  # materialise the lazy layer
    wrapper = _wrapper(model)
    assert isinstance(wrapper, CPUAmpOptimWrapper)
    assert OPTIM_WRAPPERS.get('CPUAmpOptimWrapper') is CPUAmpOptimWrapper
    before = [p.detach().clone() for p in model.parameters()]
    with wrapper.optim_context(model):
        assert torch.is_autocast_cpu_enabled()
        out = model(torch.randn(2, 3, 8, 8))
        assert out.dtype == torch.bfloat16
        loss = out.float().pow(2).mean()
    assert not torch.is_autocast_cpu_enabled()
    wrapper.update_params(loss)
    for p, b in zip(model.parameters(), before):
        assert p.dtype == torch.float32
        assert not torch.equal(p, b)  # stepped, no scaler skipped it
    assert 'loss_scaler' not in wrapper.state_dict()
    # a plain OptimWrapper loads the checkpointed state and vice versa
    OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)
                 ).load_state_dict(wrapper.state_dict())


@pytest.mark.parametrize('kwargs, match', [
    (dict(dtype='float16'), 'must be bfloat16'),
    (dict(loss_scale='dynamic'), 'needs no loss scaling'),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _wrapper(nn.Linear(2, 2), **kwargs)


def test_amp_argv_on_cpu_switches_to_the_cpu_wrapper(monkeypatch):
    monkeypatch.setattr(amp_args, '_has_amp_accelerator', lambda: False)
    argv = ['train.py', QUICKSTART, '--amp', '--work-dir', 'w']
    out = cpu_amp_argv(argv)
    assert '--amp' not in out and out[:4] == [
        'train.py', QUICKSTART, '--work-dir', 'w'
    ]
    assert out[4:] == [
        '--cfg-options', 'optim_wrapper.type=CPUAmpOptimWrapper',
        'optim_wrapper.dtype=bfloat16', 'optim_wrapper.loss_scale=None'
    ]
    assert cpu_amp_argv(['train.py', QUICKSTART]) == ['train.py', QUICKSTART]


def test_amp_argv_with_a_gpu_is_mmdets(monkeypatch):
    monkeypatch.setattr(amp_args, '_has_amp_accelerator', lambda: True)
    argv = ['train.py', QUICKSTART, '--amp']
    assert cpu_amp_argv(argv) == argv


def test_amp_argv_refuses_a_wrapper_it_cannot_replace(monkeypatch):
    monkeypatch.setattr(amp_args, '_has_amp_accelerator', lambda: False)
    with pytest.raises(SystemExit, match=r'quickstart.*OptimWrapperDict'):
        cpu_amp_argv([
            'train.py', QUICKSTART, '--cfg-options',
            'optim_wrapper.type=OptimWrapperDict', '--amp'
        ])

