from .identity_check_hook import IdentityCountCheckHook

__all__ = ['IdentityCountCheckHook']
