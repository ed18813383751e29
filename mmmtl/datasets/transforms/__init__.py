from .formatting import PackReIDDetInputs

__all__ = ['PackReIDDetInputs']
