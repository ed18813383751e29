"""ResumableRunner: a resumed run is built with its checkpoint's seed."""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmmtl.engine import (
    ResumableRunner,
    resumable_runner,
    resume_checkpoint_seed,
)


def _ckpt(path, seed):
    torch.save({'meta': {'seed': seed}, 'state_dict': {}}, str(path))
    return str(path)


def test_seed_of_the_checkpoint_resumed_from(tmp_path):
    work_dir = tmp_path / 'wd'
    work_dir.mkdir()
    cfg = Config(dict(work_dir=str(work_dir), resume=True, load_from=None))
    # nothing to resume from yet: mmengine starts afresh
    assert resume_checkpoint_seed(cfg) is None
    latest = _ckpt(work_dir / 'iter_2.pth', 1234)
    (work_dir / 'last_checkpoint').write_text(latest)
    assert resume_checkpoint_seed(cfg) == 1234
    # an explicit checkpoint wins over the work_dir's latest
    cfg.load_from = _ckpt(tmp_path / 'other.pth', 7)
    assert resume_checkpoint_seed(cfg) == 7
    # not resuming: load_from only loads weights, the seed stays the config's
    cfg.resume = False
    assert resume_checkpoint_seed(cfg) is None
    cfg.resume = True
    torch.save({'state_dict': {}}, cfg.load_from)  # no meta
    assert resume_checkpoint_seed(cfg) is None


@pytest.mark.parametrize('config_seed', [None, 5, 1234])
def test_from_cfg_builds_with_the_checkpoint_seed(tmp_path, monkeypatch,
                                                  config_seed):
    built = {}

    def fake_from_cfg(cls, cfg):
        built['randomness'] = dict(cfg.randomness)
        return None

    monkeypatch.setattr(Runner, 'from_cfg', classmethod(fake_from_cfg))
    logged = []
    monkeypatch.setattr(resumable_runner, 'print_log',
                        lambda msg, **kw: logged.append(msg))
    cfg = Config(dict(work_dir=str(tmp_path), resume=True,
                      load_from=_ckpt(tmp_path / 'iter_2.pth', 1234),
                      randomness=dict(seed=config_seed,
                                      deterministic=True)))
    ResumableRunner.from_cfg(cfg)
    # the other randomness options are kept; the caller's cfg is not changed
    assert built['randomness'] == dict(seed=1234, deterministic=True)
    assert cfg.randomness.seed == config_seed
    warned = any('gives way to the seed 1234' in m for m in logged)
    assert warned == (config_seed == 5)
