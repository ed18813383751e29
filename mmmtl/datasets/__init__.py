from .benchmark_profiles import (
    PROFILES,
    BenchmarkProfile,
    DetectorProfile,
    SequenceProfile,
    get_profile,
)
from .converters import convert_mot_to_coco
from .mot_reid_dataset import MOTReIDDataset
from .profile_ground_truth import ProfileSequence, profile_ground_truth
from .synthetic import (
    GT_COLUMNS,
    SyntheticMOTScene,
    generate_sequence,
    write_mot_split,
)
from .synthetic_benchmark import (
    profile_summary,
    scaled_size,
    simulate_detections,
    write_benchmark,
    write_benchmark_profile,
)
from .synthmot_experiment import (
    SynthMOTData,
    configure_synthmot,
    make_synthmot_data,
    set_schedule_length,
)
from .transforms import *  # noqa: F401,F403
from .transforms import PackReIDDetInputs

__all__ = [
    'GT_COLUMNS', 'SyntheticMOTScene', 'generate_sequence',
    'write_mot_split'
]
__all__ += ['MOTReIDDataset', 'PackReIDDetInputs', 'convert_mot_to_coco']
__all__ += [
    'PROFILES', 'BenchmarkProfile', 'DetectorProfile', 'SequenceProfile',
    'get_profile', 'profile_summary', 'scaled_size', 'simulate_detections',
    'write_benchmark', 'write_benchmark_profile', 'ProfileSequence',
    'profile_ground_truth'
]
__all__ += [
    'SynthMOTData', 'configure_synthmot', 'make_synthmot_data',
    'set_schedule_length'
]
