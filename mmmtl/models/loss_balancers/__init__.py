from .base_loss_balancer import BaseLossBalancer
from .dwa_loss import DWALoss
from .famo_loss import FAMOLoss
from .fixed_weight_loss import FixedWeightLoss
from .geometric_loss_balance import GeometricLossBalance
from .gradnorm_loss import GradNormLoss
from .lwf_literal_loss import LWFLiteralLoss
from .lwf_loss import LWFLoss
from .rlw_loss import RLWLoss
from .uncertainty_weight_loss import UncertaintyWeightLoss

__all__ = [
    'BaseLossBalancer', 'DWALoss', 'FAMOLoss', 'FixedWeightLoss',
    'GeometricLossBalance', 'GradNormLoss', 'LWFLiteralLoss', 'LWFLoss',
    'RLWLoss', 'UncertaintyWeightLoss'
]
