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


# --- every scheme of mmengine's CheckpointLoader goes through the allow-list


def test_every_registered_scheme_is_served_by_a_safe_loader():
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmmtl.utils import checkpoint as ck
    for prefix in ('', 'http://', 'https://', 'torchvision://',
                   'modelzoo://', 'open-mmlab://', 'openmmlab://', 'mmcls://',
                   'pavi://', r'(\S+\:)?s3://', r'(\S+\:)?petrel://'):
        assert prefix in CheckpointLoader._schemes, prefix
    for prefix, loader in CheckpointLoader._schemes.items():
        assert loader.__module__ == ck.__name__, (prefix, loader)


def test_url_checkpoint_with_callable_is_refused(http_root, torch_cache,
                                                 evil_checkpoint, tmp_path):
    folder, base = http_root
    marker = tmp_path / 'pwned'
    evil_checkpoint(folder / 'evil.pth', marker)
    url = f'{base}/evil.pth'
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint(_ToyModel(), url, map_location='cpu')
    msg = str(err.value)
    assert url in msg and osp.join(torch_cache, 'evil.pth') in msg
    assert 'system' in msg
    assert not marker.exists()


def test_url_checkpoint_loads(http_root, torch_cache):
    folder, base = http_root
    model = _ToyModel()
    torch.save({'state_dict': model.state_dict(),
                'meta': {'seed': np.int64(1)}}, str(folder / 'good.pth'))
    other = _ToyModel()
    load_checkpoint(other, f'{base}/good.pth', map_location='cpu')
    torch.testing.assert_close(other.fc.weight, model.fc.weight)
    assert osp.isfile(osp.join(torch_cache, 'good.pth'))


def test_runner_load_from_url_is_refused(http_root, evil_checkpoint,
                                         tmp_path):
    folder, base = http_root
    marker = tmp_path / 'pwned'
    evil_checkpoint(folder / 'evil.pth', marker,
                    state_dict=_ToyModel().state_dict())
    runner = _runner(tmp_path / 'w', max_iters=1,
                     load_from=f'{base}/evil.pth')
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        runner.train()
    assert not marker.exists()


def _zoo_cases(base, monkeypatch, tmp_path):
    """A checkpoint name per scheme, resolved to the loopback server."""
    from mmmtl.utils import checkpoint as ck
    url = f'{base}/evil.pth'
    monkeypatch.setattr(ck, '_torchvision_urls', lambda: {'evilnet': url})
    monkeypatch.setattr(ck, 'get_mmcls_models', lambda: {'evilnet': url})
    # open-mmlab names come from mmengine's table, extended by
    # $MMENGINE_HOME/open_mmlab.json: no patch needed
    home = tmp_path / 'mmengine_home'
    home.mkdir()
    (home / 'open_mmlab.json').write_text(
        '{"evilnet": "%s", "evil_local": "evil_local.pth"}' % url)
    monkeypatch.setenv('MMENGINE_HOME', str(home))
    return home


@pytest.mark.parametrize('name', [
    'torchvision://evilnet', 'modelzoo://evilnet', 'open-mmlab://evilnet',
    'openmmlab://evilnet', 'mmcls://evilnet', 'open-mmlab://evil_local'
])
def test_model_zoo_schemes_are_refused(name, http_root, evil_checkpoint,
                                       monkeypatch, tmp_path):
    folder, base = http_root
    marker = tmp_path / 'pwned'
    home = _zoo_cases(base, monkeypatch, tmp_path)
    evil_checkpoint(folder / 'evil.pth', marker)
    evil_checkpoint(home / 'evil_local.pth', marker)
    with pytest.raises(UnsafeCheckpointError, match='evil'):
        load_checkpoint(_ToyModel(), name, map_location='cpu')
    assert not marker.exists()


def test_object_storage_and_pavi_are_refused(evil_checkpoint, monkeypatch,
                                             tmp_path):
    import sys
    import types

    from mmmtl.utils import checkpoint as ck
    marker = tmp_path / 'pwned'
    evil = evil_checkpoint(tmp_path / 'evil.pth', marker)

    class _Backend:

        def get(self, filepath):
            return open(evil, 'rb').read()

    monkeypatch.setattr(ck, 'get_file_backend', lambda *a, **k: _Backend())
    with pytest.raises(UnsafeCheckpointError, match='s3://bucket/evil.pth'):
        load_checkpoint(_ToyModel(), 's3://bucket/evil.pth')

    class _Model:
        name = 'evil.pth'

        def download(self, path):
            import shutil
            shutil.copy(evil, path)

    pavi = types.ModuleType('pavi')
    pavi.modelcloud = types.SimpleNamespace(get=lambda name: _Model())
    monkeypatch.setitem(sys.modules, 'pavi', pavi)
    with pytest.raises(UnsafeCheckpointError, match='pavi://x/evil.pth'):
        load_checkpoint(_ToyModel(), 'pavi://x/evil.pth')
    assert not marker.exists()


def test_a_foreign_scheme_is_refused(monkeypatch, tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmmtl.utils.checkpoint import register_checkpoint_loader
    monkeypatch.setattr(CheckpointLoader, '_schemes',
                        dict(CheckpointLoader._schemes))
    calls = []

    def load_from_mystore(filename, map_location=None):
        calls.append(filename)
        return torch.load(filename, weights_only=False)

    CheckpointLoader.register_scheme('mystore://', load_from_mystore)
    register_checkpoint_loader()
    with pytest.raises(UnsafeCheckpointError, match='mystore://'):
        load_checkpoint(_ToyModel(), 'mystore://a.pth')
    assert not calls


# --- strict loading for inference and test


def test_check_state_dict_names_the_mismatched_keys():
    from mmmtl.utils.checkpoint import (
        CheckpointMismatchError,
        check_state_dict,
    )
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    good = model.state_dict()
    assert not any(check_state_dict(model, good, 'good.pth').values())
    bad = dict(good)
    bad.pop('1.bias')
    bad['0.weight'] = torch.zeros(5, 4)
    bad['extra.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError) as err:
        check_state_dict(model, bad, 'bad.pth')
    msg = str(err.value)
    for part in ('bad.pth', '1.bias', 'extra.weight',
                 '0.weight: checkpoint (5, 4) vs model (3, 4)',
                 '2 of 4 weights match'):
        assert part in msg, part
    # partial: what fits is reported, nothing raised
    report = check_state_dict(model, bad, 'bad.pth', strict=False)
    assert report['missing'] == ['1.bias']
    # a checkpoint that fits nothing is an error even when partial is ok
    with pytest.raises(CheckpointMismatchError, match='matches no weight'):
        check_state_dict(model, {'x': torch.zeros(1)}, 'x.pth',
                         strict=False)
