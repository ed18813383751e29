from .one_shot_mot import OneShotMOT

__all__ = ['OneShotMOT']
