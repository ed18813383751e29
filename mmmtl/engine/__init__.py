from .hooks import IdentityCountCheckHook

__all__ = ['IdentityCountCheckHook']
