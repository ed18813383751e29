from .camera_motion import CameraMotionEstimator
from .jde_tracker import TRACKER_PRESETS, JDETracker, linear_assignment

__all__ = [
    'CameraMotionEstimator', 'JDETracker', 'TRACKER_PRESETS',
    'linear_assignment'
]
