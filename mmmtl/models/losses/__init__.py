from .reid_focal_loss import ReIDFocalLoss

__all__ = ['ReIDFocalLoss']

