from .checkpoint_check_hook import CheckpointCheckHook
from .identity_check_hook import IdentityCountCheckHook

__all__ = ['CheckpointCheckHook', 'IdentityCountCheckHook']
