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

__all__ = [
    'CPU_AMP_OPTIONS', 'CheckpointCheckHook', 'CPUAmpOptimWrapper',
    'DetectionCacheHook', 'IdentityCountCheckHook', 'amp_cfg_options',
    'cpu_amp_argv'
]
