from .assignment import linear_assignment
from .camera_motion import BOTSORT_GMC, CameraMotionEstimator, to_grey_uint8
from .jde_tracker import JDETracker
from .presets import TRACKER_PRESETS, TRACKER_SEARCH_SPACES

__all__ = [
    'BOTSORT_GMC', 'CameraMotionEstimator', 'JDETracker', 'TRACKER_PRESETS',
    'TRACKER_SEARCH_SPACES', 'linear_assignment', 'to_grey_uint8'
]
