"""CPUThreadsHook: intra-op threads from the cores other work leaves idle."""
import os
import os.path as osp

import pytest
import torch
from mmdet.registry import HOOKS
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


@pytest.fixture
def threads():
    """Restore torch's thread count after the test."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def _hook(load, **kwargs):
    return HOOKS.build(
        dict(type='CPUThreadsHook', load_average=lambda: load, **kwargs))


def test_auto_uses_the_idle_cores(threads, monkeypatch):
    monkeypatch.setattr(os, 'cpu_count', lambda: 8)
    torch.set_num_threads(8)
    assert _hook(0.0).choose() == 8  # idle: torch's default, unchanged
    assert _hook(5.4).choose() == 3  # round(8 - 5.4)
    assert _hook(13.0).choose() == 1  # overloaded: at least one
    torch.set_num_threads(2)
    assert _hook(0.0).choose() == 2  # never above torch's default


def test_before_run_sets_the_threads(threads):
    _hook(0.0, num_threads=1).before_run(runner=None)
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize('bad', [0, -1, 1.5, 'all'])
def test_bad_count_is_named(bad):
    with pytest.raises(ValueError, match='num_threads must be'):
        HOOKS.build(dict(type='CPUThreadsHook', num_threads=bad))


def test_quickstart_uses_it():
    hooks = Config.fromfile(QUICKSTART).custom_hooks
    assert dict(type='CPUThreadsHook', num_threads='auto') in hooks
