from .base_loss_balancer import BaseLossBalancer
from .dwa_loss import DWALoss
from .fixed_weight_loss import FixedWeightLoss
from .lwf_loss import LWFLoss
from .rlw_loss import RLWLoss
from .uncertainty_weight_loss import UncertaintyWeightLoss

__all__ = [
    'BaseLossBalancer', 'DWALoss', 'FixedWeightLoss', 'LWFLoss', 'RLWLoss',
    'UncertaintyWeightLoss'
]
