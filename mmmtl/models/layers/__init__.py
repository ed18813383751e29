from .correlation_estimation import CorrelationEstimation
from .joint_attention import JointAttention

__all__ = ['CorrelationEstimation', 'JointAttention']
