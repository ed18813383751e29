from .hooks import (
    CheckpointCheckHook,
    DetectionCacheHook,
    IdentityCountCheckHook,
)
from .optimizers import CPUAmpOptimWrapper, cpu_amp_argv

__all__ = [
    'CheckpointCheckHook', 'CPUAmpOptimWrapper', 'DetectionCacheHook',
    'IdentityCountCheckHook', 'cpu_amp_argv'
]
