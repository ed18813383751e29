from ._utils import (
    HEAD_TYPES,
    DroppingCapture,
    demo_det_inputs,
    r50_detector_cfg,
    random_init_model,
    save_checkpoint,
    shrink_mot_config,
    tiny_detector_cfg,
    tiny_mot_cfg,
)

__all__ = [
    'DroppingCapture', 'HEAD_TYPES', 'demo_det_inputs', 'r50_detector_cfg',
    'random_init_model', 'save_checkpoint', 'shrink_mot_config',
    'tiny_detector_cfg', 'tiny_mot_cfg'
]
