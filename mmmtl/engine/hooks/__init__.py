from .checkpoint_check_hook import CheckpointCheckHook
from .cpu_threads_hook import CPUThreadsHook
from .detection_cache_hook import DetectionCacheHook
from .identity_check_hook import IdentityCountCheckHook
from .nonfinite_check_hook import NonFiniteCheckHook

__all__ = [
    'CheckpointCheckHook', 'CPUThreadsHook', 'DetectionCacheHook',
    'IdentityCountCheckHook'
]
