"""Runner checkpoints load safely under ``torch.load(weights_only=True)``."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from torch.utils.data import Dataset

import mmmtl  # noqa: F401  (registers the safe local loader)
from mmmtl.utils.checkpoint import UnsafeCheckpointError, safe_torch_load


class _ToyData(Dataset):

    def __init__(self, n=8):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 4, generator=g)
        self.y = self.x.sum(1, keepdim=True) * 0.5

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], target=self.y[i])


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, inputs, target=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.fc(inputs)
        if mode == 'loss':
            target = torch.stack(target) if isinstance(target,
                                                       list) else target
            return dict(loss=((out - target)**2).mean())
        return out


def _runner(work_dir, max_iters, resume=False, load_from=None):
    return Runner(
        model=_ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_ToyData(),
            sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
        load_from=load_from,
        default_scope='mmdet',
        experiment_name=f'toy_{max_iters}_{resume}_{os.getpid()}_'
        f'{osp.basename(str(work_dir))}')


def test_runner_checkpoint_holds_numpy_and_loads(tmp_path):
    runner = _runner(tmp_path / 'a', max_iters=2)
    runner.train()
    ckpt = tmp_path / 'a' / 'iter_2.pth'
    assert ckpt.is_file()
    # the file really needs the allow-list: plain weights_only fails
    with pytest.raises(Exception):
        torch.load(str(ckpt), weights_only=True)
    state = safe_torch_load(str(ckpt))
    assert state['meta']['iter'] == 2
    assert 'message_hub' in state and 'optimizer' in state


def test_resume_continues_with_identical_state(tmp_path):
    straight = _runner(tmp_path / 'straight', max_iters=4)
    straight.train()
    ref = {k: v.clone() for k, v in straight.model.state_dict().items()}
    ref_opt = straight.optim_wrapper.state_dict()

    first = _runner(tmp_path / 'split', max_iters=2)
    first.train()
    resumed = _runner(tmp_path / 'split', max_iters=4, resume=True)
    resumed.train()
    assert resumed.iter == 4
    for k, v in resumed.model.state_dict().items():
        torch.testing.assert_close(v, ref[k], rtol=0, atol=1e-7)
    got_opt = resumed.optim_wrapper.state_dict()
    for pid, st in ref_opt['state'].items():
        torch.testing.assert_close(got_opt['state'][pid]['exp_avg'],
                                   st['exp_avg'])
    assert got_opt['state'][0]['step'] == ref_opt['state'][0]['step']


def test_load_from_works(tmp_path):
    first = _runner(tmp_path / 'a', max_iters=2)
    first.train()
    ckpt = str(tmp_path / 'a' / 'iter_2.pth')
    model = _ToyModel()
    load_checkpoint(model, ckpt, map_location='cpu')
    torch.testing.assert_close(model.fc.weight, first.model.fc.weight)


class _Evil:
    """Pickles to a call of ``os.system``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_checkpoint_with_callable_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    bad = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'x': _Evil(marker)},
               str(bad))
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint(_ToyModel(), str(bad), map_location='cpu')
    assert str(bad) in str(err.value)
    assert 'system' in str(err.value)
    assert not marker.exists()


def test_corrupt_and_missing_checkpoint(tmp_path):
    bad = tmp_path / 'truncated.pth'
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.zeros(100)},
                'meta': {'seed': np.int64(3)}}, str(good))
    bad.write_bytes(good.read_bytes()[:50])
    with pytest.raises(RuntimeError, match='truncated.pth'):
        safe_torch_load(str(bad))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        safe_torch_load(str(tmp_path / 'nope.pth'))
    assert int(safe_torch_load(str(good))['meta']['seed']) == 3


class _Gadget:
    """Pickles to ``getattr(HistoryBuffer, '__init__')``, the first step of
    a walk to ``__globals__``."""

    def __reduce__(self):
        from mmengine.logging.history_buffer import HistoryBuffer
        return (getattr, (HistoryBuffer, '__init__'))


def test_getattr_is_served_only_for_history_buffer_statistics(tmp_path):
    bad = tmp_path / 'gadget.pth'
    torch.save({'x': _Gadget()}, str(bad))
    with pytest.raises(UnsafeCheckpointError, match='gadget.pth'):
        safe_torch_load(str(bad))
