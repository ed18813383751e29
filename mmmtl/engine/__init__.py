from .hooks import CheckpointCheckHook, IdentityCountCheckHook

__all__ = ['CheckpointCheckHook', 'IdentityCountCheckHook']
