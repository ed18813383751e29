"""A Runner whose resumed run continues the interrupted run's data."""
import copy
import logging
import os.path as osp
from typing import Optional

from mmdet.registry import RUNNERS
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.runner import Runner, find_latest_checkpoint

from mmmtl.utils.checkpoint import safe_torch_load

__all__ = ['ResumableRunner', 'resume_checkpoint_seed']


def resume_checkpoint_seed(cfg: Config) -> Optional[int]:
    """The random seed stored in the checkpoint a config resumes from.

    Args:
        cfg (Config): A training config; it resumes when ``cfg.resume`` is
            true, from ``cfg.load_from`` if set, else from the latest
            checkpoint in ``cfg.work_dir`` (as mmengine's Runner does).

    Returns:
        int | None: ``checkpoint['meta']['seed']``; None when the config
        does not resume, has no local checkpoint to resume from, or the
        checkpoint stores no seed.
    """
    if not cfg.get('resume', False):
        return None
    path = cfg.get('load_from')
    if path is None and cfg.get('work_dir'):
        path = find_latest_checkpoint(cfg.work_dir)
    # a remote checkpoint is left to mmengine (read once, by the Runner)
    if path is None or not osp.isfile(path):
        return None
    meta = safe_torch_load(path, map_location='cpu').get('meta') or {}
    return meta.get('seed')


@RUNNERS.register_module()
class ResumableRunner(Runner):
    """mmengine's Runner, with a resumed run that continues the same run.

    mmengine restores a checkpoint's random seed on resume, but only after
    the train dataloader has been built with the new process's seed. When
    the config sets no ``randomness.seed`` (mmdet's configs do not), the
    resumed run's sampler order and augmentation draws are those of a new
    random seed, not of the run it continues; when the config's seed
    differs from the checkpoint's, the dataloader keeps the config's. This
    runner reads the checkpoint's seed first and builds everything with it,
    so that a run interrupted at a checkpoint and resumed ends with the
    weights of the uninterrupted run (bit for bit on one CPU, where the
    kernels are deterministic). ``tools/train.py`` uses it unless the config
    names its own ``runner_type``.
    """

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'Runner':
        """Build the runner, seeded as the checkpoint it resumes from.

        Args:
            cfg (Config): The config, as for :meth:`Runner.from_cfg`.

        Returns:
            Runner: The runner.
        """
        seed = resume_checkpoint_seed(cfg)
        if seed is not None:
            cfg = copy.deepcopy(cfg)
            cfg.randomness = ConfigDict(cfg.get('randomness') or {})
            if cfg.randomness.get('seed') not in (None, seed):
                print_log(
                    f'randomness.seed {cfg.randomness.seed} of the config '
                    f'gives way to the seed {seed} of the checkpoint it '
                    'resumes from', logger='current', level=logging.WARNING)
            cfg.randomness.seed = seed
        return super().from_cfg(cfg)
