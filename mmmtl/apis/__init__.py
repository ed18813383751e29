from .backends import (
    TrackerConfigError,
    compile_detector,
    init_mot_model,
    onnxruntime_cfg,
)
from .demo import build_track_visualizer, track_to_files
from .deploy import (
    add_int8_calibration_args,
    calibration_frame_paths,
    calibration_inputs,
    check_int8_calibration_args,
    int8_calibration_kwargs,
    network_input,
    pipeline_at_shape,
)
from .inference import (
    TrackVideoStats,
    detect_frame,
    prepare_frame,
    track_frame,
    track_video,
)
from .model_source import (
    MODEL_BACKENDS,
    WeightSourceError,
    add_model_args,
    check_weight_source,
    parse_model_args,
)
from .replay import ReplayResult, load_checked_cache, replay_tracker
from .test import build_test_runner
from .tune import (
    TuneResult,
    check_search_space,
    config_snippet,
    load_search_space,
    tune_tracker,
    write_trials,
)
from .video_io import (
    CaptureSource,
    FrameSource,
    ImageFolderSource,
    MOTTxtWriter,
    VideoFileSource,
    VideoSink,
    VideoSourceError,
    check_outputs,
    open_frame_source,
    partial_path,
)

__all__ = [
    'CaptureSource', 'FrameSource', 'ImageFolderSource', 'MOTTxtWriter',
    'TrackVideoStats', 'VideoFileSource', 'VideoSink', 'VideoSourceError',
    'build_test_runner', 'build_track_visualizer', 'check_outputs',
    'open_frame_source', 'partial_path',
    'track_to_files', 'track_video'
]
__all__ += [
    'add_int8_calibration_args', 'calibration_frame_paths',
    'calibration_inputs', 'check_int8_calibration_args',
    'int8_calibration_kwargs', 'network_input', 'pipeline_at_shape'
]
__all__ += [
    'MODEL_BACKENDS', 'TrackerConfigError', 'WeightSourceError',
    'add_model_args',
    'check_weight_source', 'compile_detector', 'detect_frame',
    'init_mot_model', 'onnxruntime_cfg', 'parse_model_args',
    'prepare_frame', 'track_frame'
]
__all__ += [
    'ReplayResult', 'TuneResult', 'check_search_space', 'config_snippet',
    'load_checked_cache', 'load_search_space', 'replay_tracker',
    'tune_tracker', 'write_trials'
]
