"""Route ``tools/train.py --amp`` to the CPU wrapper when there is no GPU."""
import argparse
from typing import List, Sequence

from mmengine.config import Config, DictAction
from mmengine.device import (
    is_cuda_available,
    is_mlu_available,
    is_musa_available,
    is_npu_available,
)

# Optim wrappers that --amp may replace: mmdet's train.py accepts only
# 'OptimWrapper' (and keeps 'AmpOptimWrapper').
_AMP_REPLACEABLE = ('OptimWrapper', 'AmpOptimWrapper', 'CPUAmpOptimWrapper')


def _has_amp_accelerator() -> bool:
    """Whether mmengine's ``AmpOptimWrapper`` can run here."""
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


#: The options ``--amp`` sets without an accelerator: bfloat16 autocast on
#: the CPU, no loss scaler (bfloat16 keeps float32's exponent range).
CPU_AMP_OPTIONS = {
    'optim_wrapper.type': 'CPUAmpOptimWrapper',
    'optim_wrapper.dtype': 'bfloat16',
    'optim_wrapper.loss_scale': None,
}


def amp_cfg_options(cfg: Config, source: str) -> dict:
    """The config options that turn on mixed precision for ``cfg``.

    With an accelerator mmengine's ``AmpOptimWrapper`` supports, mmdet's
    float16 AMP (dynamic loss scale); without one
    :data:`CPU_AMP_OPTIONS`.

    Args:
        cfg (Config): The training config.
        source (str): What to name in an error (the config file).

    Returns:
        dict: Options for ``cfg.merge_from_dict``.

    Raises:
        SystemExit: When the config's ``optim_wrapper.type`` cannot be
            switched to mixed precision, naming ``source`` and the type.
    """
    wrapper = cfg.get('optim_wrapper', {}).get('type', 'OptimWrapper')
    if wrapper not in _AMP_REPLACEABLE:
        raise SystemExit(
            f'--amp: {source}: optim_wrapper.type is {wrapper!r}; '
            f'mixed precision replaces only {list(_AMP_REPLACEABLE)}')
    if _has_amp_accelerator():
        return {'optim_wrapper.type': 'AmpOptimWrapper',
                'optim_wrapper.loss_scale': 'dynamic'}
    return dict(CPU_AMP_OPTIONS)


def cpu_amp_argv(argv: Sequence[str]) -> List[str]:
    """The train script's command line with ``--amp`` made CPU-ready.

    With an accelerator that mmengine's ``AmpOptimWrapper`` supports (CUDA,
    NPU, MLU, MUSA) or without ``--amp`` the command line is returned
    unchanged: mmdet's ``tools/train.py`` then selects ``AmpOptimWrapper``
    (float16 with a dynamic loss scaler). Without one, ``--amp`` is
    replaced by ``--cfg-options optim_wrapper.type=CPUAmpOptimWrapper
    optim_wrapper.dtype=bfloat16 optim_wrapper.loss_scale=None``, after
    checking, as mmdet's script does, that the config's optim wrapper is one
    that mixed precision may replace.

    Args:
        argv (Sequence[str]): ``sys.argv`` of the train script (script name
            first).

    Returns:
        list[str]: The command line to run.

    Raises:
        SystemExit: When the config's ``optim_wrapper.type`` cannot be
            switched to mixed precision, naming the config and the type.
    """
    args = list(argv)
    if '--amp' not in args or _has_amp_accelerator():
        return args
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    known, _ = parser.parse_known_args(args[1:])
    cfg = Config.fromfile(known.config)
    if known.cfg_options:
        cfg.merge_from_dict(known.cfg_options)
    options = amp_cfg_options(cfg, known.config)
    args.remove('--amp')
    return args + ['--cfg-options'] + [
        f'{k}={v}' for k, v in options.items()]
