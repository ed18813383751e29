"""tools/train.py names the NaN weights of a load_from or resume
checkpoint: the Runner's loads pass through CheckpointCheckHook."""
import argparse

import pytest
import torch
from _tool_loader import load_tool
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmmtl.testing import random_init_model, save_checkpoint, tiny_mot_cfg


def _train_options() -> dict:
    """The ``--cfg-options`` that tools/train.py adds, as mmdet parses
    them."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    train = load_tool('train.py')
    return parser.parse_args(['--cfg-options'] +
                             train.CHECKPOINT_CHECK).cfg_options


@pytest.fixture
def nan_checkpoint(tmp_path):
    init_default_scope('mmdet')
    cfg = Config(tiny_mot_cfg('CEHead'))
    path = save_checkpoint(random_init_model(cfg), str(tmp_path / 'a.pth'))
    state = torch.load(path, weights_only=True)
    key = next(k for k in state['state_dict'] if 'reid' in k)
    state['state_dict'][key].view(-1)[0] = float('nan')
    state['meta'].update(epoch=0, iter=2)
    torch.save(state, path)
    return cfg, path, key


def _runner(cfg, tmp_path, **kwargs) -> Runner:
    cfg = cfg.copy()
    cfg.merge_from_dict(_train_options())
    return Runner(
        model=cfg.model, work_dir=str(tmp_path / 'wd'),
        default_hooks=cfg.default_hooks, default_scope='mmdet', **kwargs)


def test_load_from_with_nan_weights_warns_naming_them(nan_checkpoint,
                                                      tmp_path):
    cfg, path, key = nan_checkpoint
    runner = _runner(cfg, tmp_path, load_from=path)
    with pytest.warns(UserWarning, match=rf'{path} holds non-finite .*'
                      rf'{key} \(1 of'):
        runner.load_or_resume()
    # loaded as mmengine loads it: the NaN is in the model
    assert not torch.isfinite(
        runner.model.state_dict()[key]).all()


def test_resume_with_nan_weights_warns_naming_them(nan_checkpoint,
                                                   tmp_path):
    cfg, path, key = nan_checkpoint
    runner = _runner(cfg, tmp_path, load_from=path, resume=True)
    # the warning comes as the checkpoint is read; restoring the loop
    # state then fails here, as this runner has no train loop
    with pytest.warns(UserWarning, match=rf'{path} holds non-finite .*'
                      rf'{key}'):
        with pytest.raises(AttributeError):
            runner.load_or_resume()
