from .hooks import (
    CheckpointCheckHook,
    DetectionCacheHook,
    IdentityCountCheckHook,
)

__all__ = [
    'CheckpointCheckHook', 'DetectionCacheHook', 'IdentityCountCheckHook'
]
