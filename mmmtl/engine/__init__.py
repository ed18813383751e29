from .hooks import (
    CheckpointCheckHook,
    DetectionCacheHook,
    IdentityCountCheckHook,
)
from .optimizers import (
    CPU_AMP_OPTIONS,
    CPUAmpOptimWrapper,
    amp_cfg_options,
    cpu_amp_argv,
)
from .resumable_runner import ResumableRunner, resume_checkpoint_seed

__all__ = [
    'CPU_AMP_OPTIONS', 'CheckpointCheckHook', 'CPUAmpOptimWrapper',
    'DetectionCacheHook', 'IdentityCountCheckHook', 'ResumableRunner',
    'amp_cfg_options', 'cpu_amp_argv', 'resume_checkpoint_seed'
]
