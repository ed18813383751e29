from .assignment import linear_assignment
from .camera_motion import CameraMotionEstimator
from .jde_tracker import JDETracker
from .presets import TRACKER_PRESETS, TRACKER_SEARCH_SPACES

__all__ = [
    'CameraMotionEstimator', 'JDETracker', 'TRACKER_PRESETS',
    'TRACKER_SEARCH_SPACES', 'linear_assignment'
]
