__all__ = []
from .inference import TrackVideoStats, track_video
from .video_io import (
    CaptureSource,
    FrameSource,
    ImageFolderSource,
    MOTTxtWriter,
    VideoFileSource,
    VideoSink,
    VideoSourceError,
    open_frame_source,
)

__all__ += [
    'CaptureSource', 'FrameSource', 'ImageFolderSource', 'MOTTxtWriter',
    'TrackVideoStats', 'VideoFileSource', 'VideoSink', 'VideoSourceError',
    'open_frame_source', 'track_video'
]
