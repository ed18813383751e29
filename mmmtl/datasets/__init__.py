from .benchmark_profiles import PROFILES, write_benchmark_profile
from .converters import convert_mot_to_coco
from .mot_reid_dataset import MOTReIDDataset
from .synthetic import (
    GT_COLUMNS,
    SyntheticMOTScene,
    generate_sequence,
    write_mot_split,
)
from .transforms import *  # noqa: F401,F403
from .transforms import PackReIDDetInputs

__all__ = [
    'GT_COLUMNS', 'SyntheticMOTScene', 'generate_sequence',
    'write_mot_split'
]
__all__ += [
    'MOTReIDDataset', 'PackReIDDetInputs', 'PROFILES', 'convert_mot_to_coco',
    'write_benchmark_profile'
]
