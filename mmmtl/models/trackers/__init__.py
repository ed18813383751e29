from .jde_tracker import JDETracker, linear_assignment

__all__ = ['JDETracker', 'linear_assignment']
