"""CPUThreadsHook: intra-op threads from the cores other work leaves idle."""
import os
import os.path as osp
import subprocess
import sys
import time

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
        dict(type='CPUThreadsHook', busy_cores=lambda: load, **kwargs))


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


def _train(hook, iters):
    """before_run, then after_train_iter of iterations 0..iters-1."""
    runner = type('Runner', (), {'iter': 0})()
    hook.before_run(runner)
    seen = [torch.get_num_threads()]
    for it in range(iters):
        runner.iter = it
        hook.after_train_iter(runner, it)
        seen.append(torch.get_num_threads())
    return seen


def test_auto_looks_again_during_training(threads, monkeypatch):
    """A load that passes after the start gives the cores back (up to
    torch's default as it was at the start), and one that starts later
    takes them."""
    monkeypatch.setattr(os, 'cpu_count', lambda: 2)
    torch.set_num_threads(2)
    loads = iter([1.0, 1.0, 0.0, 0.0, 1.2])
    hook = HOOKS.build(dict(type='CPUThreadsHook', interval=2,
                            busy_cores=lambda: next(loads)))
    # start: 1; looks after iterations 2, 4, 6 and 8
    assert _train(hook, 8) == [1, 1, 1, 1, 2, 2, 2, 2, 1]
    # interval=0 and a fixed count look once
    for kwargs in (dict(interval=0), dict(num_threads=1)):
        torch.set_num_threads(2)
        loads = iter([1.0, 0.0])
        hook = HOOKS.build(dict(type='CPUThreadsHook',
                                busy_cores=lambda: next(loads), **kwargs))
        assert _train(hook, 4) == [1] * 5


def test_later_looks_measure_since_the_last_without_waiting(
        threads, monkeypatch):
    """The first look waits half a second; later ones use the ticks since
    the previous look."""
    from mmmtl.engine.hooks import cpu_threads_hook as mod
    waited = []
    monkeypatch.setattr(mod, 'busy_other_cores',
                        lambda: waited.append(1) or 0.0)
    # (busy ticks, niced ticks, own CPU s, time s) at 100 Hz
    samples = iter([(0, 0, 0., 0.), (1000, 0, 2., 10.), (2000, 0, 3., 20.),
                    (9000, 0, 9., 90.)])
    # (the first look's own sample is taken after its wait)
    monkeypatch.setattr(mod, '_sample', lambda: next(samples))
    monkeypatch.setattr(mod.os, 'sysconf', lambda name: 100)
    monkeypatch.setattr(mod.os, 'getpriority', lambda *a: 10)
    hook = HOOKS.build(dict(type='CPUThreadsHook'))
    assert hook._busy() == 0.0 and waited == [1]
    # 10 s: 1 busy core, all of it this process's
    assert hook._busy() == pytest.approx(1. - 0.2)
    # next 10 s: 1 busy core, 0.1 of it this process's
    assert hook._busy() == pytest.approx(0.9) and waited == [1]
    # a new run on the same hook waits again instead of measuring from
    # the last run's look
    hook.before_run(runner=None)
    assert waited == [1, 1]


@pytest.mark.parametrize('bad', [-1, 1.5])
def test_bad_interval_is_named(bad):
    with pytest.raises(ValueError, match='interval must be'):
        HOOKS.build(dict(type='CPUThreadsHook', interval=bad))


@pytest.mark.parametrize('bad', [0, -1, 1.5, 'all'])
def test_bad_count_is_named(bad):
    with pytest.raises(ValueError, match='num_threads must be'):
        HOOKS.build(dict(type='CPUThreadsHook', num_threads=bad))


def test_quickstart_uses_it():
    hooks = Config.fromfile(QUICKSTART).custom_hooks
    assert dict(type='CPUThreadsHook', num_threads='auto') in hooks


def _fake_clock(monkeypatch, ticks, own, nice_level):
    """/proc/stat ticks, own CPU seconds and niceness as given, at 100 Hz
    over a 0.5 s window."""
    from mmmtl.engine.hooks import cpu_threads_hook as mod
    ticks, own, clock = iter(ticks), iter(own), iter([0.0, 0.5])
    monkeypatch.setattr(mod, '_cpu_ticks', lambda: next(ticks))
    monkeypatch.setattr(
        mod.os, 'times',
        lambda: os.times_result((next(own), 0., 0., 0., 0.)))
    monkeypatch.setattr(mod.time, 'monotonic', lambda: next(clock))
    monkeypatch.setattr(mod.time, 'sleep', lambda s: None)
    monkeypatch.setattr(mod.os, 'sysconf', lambda name: 100)
    monkeypatch.setattr(mod.os, 'getpriority', lambda *a: nice_level)
    return mod.busy_other_cores


@pytest.mark.parametrize('nice_level, expected', [
    (0, 0.6),  # 2.0 busy - 0.4 own - 1.0 niced work, which yields to us
    (10, 1.6),  # niced ourselves: every other process counts
])
def test_busy_other_cores_leaves_out_own_and_lower_priority_work(
        monkeypatch, nice_level, expected):
    # 100 busy ticks (50 of them niced) in 0.5 s: 2 cores, 1 of them niced;
    # this process used 0.2 s of CPU: 0.4 cores
    busy = _fake_clock(monkeypatch, [(1000, 100), (1100, 150)], [1.0, 1.2],
                       nice_level)
    assert busy() == pytest.approx(expected)


def test_busy_other_cores_falls_back_to_the_load_average(monkeypatch):
    from mmmtl.engine.hooks import cpu_threads_hook as mod
    monkeypatch.setattr(mod, '_cpu_ticks', lambda: None)
    monkeypatch.setattr(mod.os, 'getloadavg', lambda: (1.5, 1., 1.))
    assert mod.busy_other_cores() == 1.5


def test_a_busy_process_of_equal_priority_is_counted():
    """A real spinning child of this priority shows as at least half a
    busy core (other work on the machine can only add to it)."""
    from mmmtl.engine.hooks.cpu_threads_hook import busy_other_cores
    child = subprocess.Popen(
        [sys.executable, '-c', 'import time\nt = time.time()\n'
         'while time.time() - t < 5: pass'])
    try:
        time.sleep(0.3)
        assert busy_other_cores(0.5) >= 0.5
    finally:
        child.kill()
        child.wait()
