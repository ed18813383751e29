"""Frame sources (video file, folder of frames, camera or stream) and sinks
(annotated video, MOTChallenge txt) for running a tracker on a video.

Every source yields BGR ``(H, W, 3)`` uint8 frames and knows its frame
rate, size and, when it can, its length. Video files are read with
``mmcv.VideoReader`` (as mmdet's demos do), cameras and streams with a
``cv2.VideoCapture``, frame folders with ``mmcv.imread``. A missing, empty
or unreadable input raises an error that names it; a camera or stream that
stops delivering frames ends the iteration with a warning, so whatever was
written so far is kept. The MOTChallenge txt sink formats its rows with
:mod:`mmmtl.formats`.
"""
import os
import os.path as osp
import re
import warnings
from typing import Any, Iterator, List, Optional, Sequence, Union

import cv2
import mmcv
import numpy as np

from mmmtl.formats import (
    MOTFormatError,
    format_mot_results,
    read_seqinfo_section,
    tracks_to_rows,
)
from mmmtl.utils.output_guard import check_outputs, partial_path

__all__ = [
    'CaptureSource', 'FrameSource', 'ImageFolderSource', 'MOTTxtWriter',
    'VideoFileSource', 'VideoSink', 'VideoSourceError', 'check_outputs',
    'open_frame_source', 'partial_path'
]

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
DEFAULT_FPS = 30.0


class VideoSourceError(OSError):
    """An input video, frame folder or stream cannot be read."""


class FrameSource:
    """Base class of the frame sources: an iterable of BGR frames.

    Attributes:
        name (str): The input as given (path, camera index or URL).
        fps (float): Frame rate of the input.
        width (int): Frame width W.
        height (int): Frame height H.
        num_frames (int, optional): Number of frames, None when unknown
            (camera or stream).
        input_files (list[str]): Local files the source reads (none for
            a camera or stream), so that no output overwrites them.
    """

    name: str = ''
    fps: float = DEFAULT_FPS
    width: int = 0
    height: int = 0
    num_frames: Optional[int] = None
    input_files: List[str] = []

    def __iter__(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying reader."""

    def __enter__(self) -> 'FrameSource':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.name!r}, {self.width}x'
                f'{self.height}, fps={self.fps:g}, '
                f'num_frames={self.num_frames})')


def _valid_fps(fps: Any) -> bool:
    try:
        fps = float(fps)
    except (TypeError, ValueError):
        return False
    return np.isfinite(fps) and 0 < fps < 1000


def _choose_fps(given: Optional[float], reported: Any, name: str,
                warn: bool) -> float:
    """The frame rate given by the user, else the input's, else 30."""
    if given is not None:
        return float(given)
    if _valid_fps(reported):
        return float(reported)
    if warn:
        warnings.warn(f'{name!r} reports no frame rate; using '
                      f'{DEFAULT_FPS:g}')
    return DEFAULT_FPS


def _check_first(frame: Optional[np.ndarray], what: str) -> np.ndarray:
    if frame is None or frame.size == 0:
        raise VideoSourceError(
            f'cannot read a frame from {what} (empty, corrupt or '
            'unsupported)')
    return frame


class _StreamingSource(FrameSource):
    """A source read frame by frame from a decoder: the first frame is
    read on opening (an input that gives none is an error), the others
    while iterating, until the decoder gives no more."""

    _handle: Any = None

    def _start(self, what: str, first: Optional[np.ndarray],
               fps: Optional[float], reported_fps: Any) -> None:
        try:
            self._first: Optional[np.ndarray] = _check_first(first, what)
        except VideoSourceError:
            self.close()
            raise
        self.height, self.width = self._first.shape[:2]
        self.fps = _choose_fps(fps, reported_fps, self.name, warn=True)
        self.frames_read = 0

    def _read(self) -> Optional[np.ndarray]:
        """The next frame, None at the end."""
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    def _ended(self) -> None:
        """Called when the decoder gives no more frames."""

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._handle is None:
            return
        if self._first is not None:
            frame, self._first = self._first, None
            self.frames_read = 1
            yield frame
        while self._handle is not None:
            frame = self._read()
            if frame is None:
                break
            self.frames_read += 1
            yield frame
        self._ended()

    def close(self) -> None:
        if self._handle is not None:
            self._release()
            self._handle = None


class CaptureSource(_StreamingSource):
    """Frames from a camera or a stream (a ``cv2.VideoCapture``).

    Its end is not known in advance: when it stops delivering frames the
    iteration ends with a warning. Video files are read by
    :class:`VideoFileSource`.

    Args:
        source (int | str): Camera index or stream URL.
        fps (float, optional): Frame rate to report when the capture does
            not give one (cameras often report 0). Defaults to None
            (:data:`DEFAULT_FPS`).
        capture (object, optional): An opened ``cv2.VideoCapture``-like
            object (``isOpened``, ``read``, ``get``, ``release``) to read
            instead of opening ``source``, e.g. one with backend options.
            Defaults to None.

    Raises:
        VideoSourceError: The capture cannot be opened or gives no frame.
    """

    def __init__(self,
                 source: Union[int, str],
                 fps: Optional[float] = None,
                 capture: Optional[Any] = None) -> None:
        self.name = str(source)
        self._handle = (
            cv2.VideoCapture(source) if capture is None else capture)
        what = f'camera/stream {self.name!r}'
        if not self._handle.isOpened():
            self.close()
            raise VideoSourceError(f'cannot open {what}')
        self.num_frames = None
        self._start(what, self._read(), fps,
                    self._handle.get(cv2.CAP_PROP_FPS))

    def _read(self) -> Optional[np.ndarray]:
        ok, frame = self._handle.read()
        return frame if ok else None

    def _release(self) -> None:
        self._handle.release()

    def _ended(self) -> None:
        warnings.warn(f'{self.name!r} stopped delivering frames after '
                      f'{self.frames_read} frames')


class VideoFileSource(_StreamingSource):
    """Frames of a video file, read with ``mmcv.VideoReader``.

    Args:
        path (str): Video file.
        fps (float, optional): Frame rate to report when the container
            does not give one. Defaults to None.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        VideoSourceError: ``path`` is empty or cannot be decoded.
    """

    def __init__(self, path: str, fps: Optional[float] = None) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(f'video file not found: {path}')
        if osp.getsize(path) == 0:
            raise VideoSourceError(f'video file is empty: {path}')
        self.name = path
        self.input_files = [path]
        self._handle = mmcv.VideoReader(path)
        what = f'video {path!r}'
        if not self._handle.opened:
            self.close()
            raise VideoSourceError(f'cannot open {what}')
        count = self._handle.frame_cnt
        self.num_frames = count if count > 0 else None
        self._start(what, self._read(), fps, self._handle.fps)

    def _read(self) -> Optional[np.ndarray]:
        return self._handle.read()

    def _release(self) -> None:
        self._handle.vcap.release()

    def _ended(self) -> None:
        if (self.num_frames is not None
                and self.frames_read < self.num_frames):
            # Container frame counts are estimates; a big shortfall means
            # a truncated file.
            warnings.warn(f'{self.name!r} ended after {self.frames_read} '
                          f'of {self.num_frames} announced frames')


def _natural_key(name: str) -> List[Union[int, str]]:
    return [int(t) if t.isdigit() else t.lower()
            for t in re.split(r'(\d+)', name)]


class ImageFolderSource(FrameSource):
    """Frames stored as image files in a folder, in natural order.

    A MOTChallenge sequence folder (with ``seqinfo.ini``) is accepted too:
    its ``imDir`` and ``frameRate`` are used. For a bare frame folder
    (including ``img1`` of such a sequence) the frame rate comes from the
    ``seqinfo.ini`` of its parent, else ``fps``, else
    :data:`DEFAULT_FPS`.

    Args:
        folder (str): Folder with the frames.
        fps (float, optional): Frame rate; overrides ``seqinfo.ini``.
            Defaults to None. Without it a ``frameRate`` in
            ``seqinfo.ini`` that is not a positive number is an error.
        extensions (Sequence[str]): Image file extensions.
            Defaults to :data:`IMG_EXTENSIONS`.

    Raises:
        FileNotFoundError: ``folder`` does not exist.
        VideoSourceError: It holds no image, or its first image cannot
            be read. A later unreadable image, or one of another size,
            raises it during the iteration, naming the file.
    """

    def __init__(self,
                 folder: str,
                 fps: Optional[float] = None,
                 extensions: Sequence[str] = IMG_EXTENSIONS) -> None:
        if not osp.isdir(folder):
            raise FileNotFoundError(f'frame folder not found: {folder}')
        self.name = folder
        info_file = osp.join(folder, 'seqinfo.ini')
        info = self._seqinfo(folder)
        if info is not None:
            folder = osp.join(folder, info.get('imDir', 'img1'))
        else:
            parent = osp.dirname(osp.abspath(folder))
            info_file = osp.join(parent, 'seqinfo.ini')
            info = self._seqinfo(parent)
        self.folder = folder
        exts = tuple(e.lower() for e in extensions)
        names = [n for n in os.listdir(folder) if n.lower().endswith(exts)]
        if not names:
            raise VideoSourceError(
                f'no image files ({", ".join(exts)}) in folder {folder}')
        self.files = [
            osp.join(folder, n) for n in sorted(names, key=_natural_key)
        ]
        self.num_frames = len(self.files)
        self.input_files = list(self.files) + [
            p for p in (osp.join(self.name, 'seqinfo.ini'),
                        osp.join(osp.dirname(osp.abspath(folder)),
                                 'seqinfo.ini')) if osp.isfile(p)
        ]
        first = self._read(self.files[0])
        self.height, self.width = first.shape[:2]
        rate = info.get('frameRate') if info is not None else None
        if fps is None and rate is not None and not _valid_fps(rate):
            # the converter refuses it too; 30 fps would be a guess
            raise VideoSourceError(
                f'{info_file}: frameRate={rate} is not a frame rate (a '
                'number in (0, 1000)); fix it or give the rate (--fps)')
        self.fps = _choose_fps(fps, rate, folder, warn=False)

    @staticmethod
    def _seqinfo(seq_dir: str) -> Optional[dict]:
        """The ``[Sequence]`` keys of ``seq_dir/seqinfo.ini``, if any."""
        if not osp.isfile(osp.join(seq_dir, 'seqinfo.ini')):
            return None
        try:
            return read_seqinfo_section(seq_dir)
        except MOTFormatError as e:
            raise VideoSourceError(str(e)) from e

    @staticmethod
    def _read(path: str) -> np.ndarray:
        try:
            frame = mmcv.imread(path, 'color')
        except (OSError, ValueError):
            frame = None
        if frame is None:
            raise VideoSourceError(f'cannot read image {path}')
        return frame

    def __iter__(self) -> Iterator[np.ndarray]:
        for path in self.files:
            frame = self._read(path)
            if frame.shape[:2] != (self.height, self.width):
                raise VideoSourceError(
                    f'{path} is {frame.shape[1]}x{frame.shape[0]}, but the '
                    f'sequence is {self.width}x{self.height}')
            yield frame


def open_frame_source(source: Union[str, int],
                      fps: Optional[float] = None) -> FrameSource:
    """Open a video file, a frame folder, a camera or a stream.

    Args:
        source (str | int): A video file, a folder of frames (or a
            MOTChallenge sequence folder), a camera index (``0`` or
            ``'0'``) or a stream URL (``rtsp://...``, ``http://...``).
        fps (float, optional): Frame rate to use when the input does not
            give one (folder: overrides ``seqinfo.ini``). Defaults to None.

    Returns:
        FrameSource: The opened source.

    Raises:
        FileNotFoundError: A path that does not exist.
        VideoSourceError: An input that cannot be read.
    """
    if isinstance(source, int) or (isinstance(source, str)
                                   and source.isdigit()):
        return CaptureSource(int(source), fps=fps)
    if '://' in source:
        return CaptureSource(source, fps=fps)
    if osp.isdir(source):
        return ImageFolderSource(source, fps=fps)
    return VideoFileSource(source, fps=fps)


class _PartialFile:
    """Writes to :func:`partial_path` and renames into place on success.

    An error or interruption (Ctrl-C, or SIGTERM inside
    :func:`~mmmtl.apis.demo.sigterm_as_interrupt`) inside ``with`` keeps
    what was written under the partial name, finished so that it can be
    read (a video's index is written), and says so.
    """

    path: str
    tmp_path: str
    num_written: int = 0

    def _finish(self) -> bool:
        """Finish writing; False when already finished."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file and move it to ``path`` (safe to call twice)."""
        if self._finish():
            os.replace(self.tmp_path, self.path)

    def abort(self) -> None:
        """Finish the file but keep it under its partial name."""
        if self._finish():
            warnings.warn(f'interrupted: {self.describe_written()} kept '
                          f'in {self.tmp_path}')

    def describe_written(self) -> str:
        """What the file holds, e.g. ``'37 frames'``."""
        return f'{self.num_written} frames'

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class VideoSink(_PartialFile):
    """Writes BGR frames to a video file (``mp4v`` for ``.mp4``).

    Frames go to ``<name>.partial.<ext>`` first; :meth:`close` renames it to
    ``path``, so a finished video never replaces an older one half-way, and
    an interrupted run keeps its frames under the partial name.

    Args:
        path (str): Output file; parent folders are created.
        fps (float): Frame rate.
        size (Sequence[int]): Frame ``(width, height)``.
        fourcc (str, optional): Codec; defaults to ``mp4v`` (``MJPG``
            for ``.avi``).

    Raises:
        VideoSourceError: The writer cannot be opened.
    """

    def __init__(self,
                 path: str,
                 fps: float,
                 size: Sequence[int],
                 fourcc: Optional[str] = None) -> None:
        parent = osp.dirname(osp.abspath(path))
        os.makedirs(parent, exist_ok=True)
        if fourcc is None:
            fourcc = 'MJPG' if path.lower().endswith('.avi') else 'mp4v'
        self.path = path
        self.tmp_path = partial_path(path)
        self.size = (int(size[0]), int(size[1]))
        self.num_written = 0
        self._writer = cv2.VideoWriter(self.tmp_path,
                                       cv2.VideoWriter_fourcc(*fourcc),
                                       float(fps), self.size)
        if not self._writer.isOpened():
            self._writer = None
            raise VideoSourceError(
                f'cannot open video writer for {path} ({fourcc}, '
                f'{self.size[0]}x{self.size[1]} at {fps:g} fps)')

    def write(self, frame: np.ndarray) -> None:
        """Append a BGR frame of shape (H, W, 3)."""
        if (frame.shape[1], frame.shape[0]) != self.size:
            raise ValueError(
                f'frame of size {frame.shape[1]}x{frame.shape[0]} written '
                f'to {self.path}, which is {self.size[0]}x{self.size[1]}')
        self._writer.write(np.ascontiguousarray(frame))
        self.num_written += 1

    def _finish(self) -> bool:
        if self._writer is None:
            return False
        self._writer.release()
        self._writer = None
        return True

    def written_size(self) -> Sequence[int]:
        """``(width, height)`` of the frames in the finished file, as a
        reader sees them (codecs may round odd sizes down)."""
        cap = cv2.VideoCapture(self.path)
        try:
            return (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                    int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        finally:
            cap.release()

    def __enter__(self) -> 'VideoSink':
        return self


class MOTTxtWriter(_PartialFile):
    """Writes tracks in the MOTChallenge result format, one frame at a time.

    Lines read ``frame,id,x,y,w,h,score,-1,-1,-1`` (1-based frame number,
    top-left corner and size in pixels, as mmdet's ``MOTChallengeMetric``
    writes them). The file is written as ``<name>.partial.txt``, flushed
    after every frame, and renamed to ``path`` by :meth:`close`, so an
    interrupted run keeps all finished frames under the partial name.

    Args:
        path (str): Output file; parent folders are created.
    """

    def __init__(self, path: str) -> None:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.path = path
        self.tmp_path = partial_path(path)
        self.num_written = 0
        self._file = open(self.tmp_path, 'w')

    def write(self, frame: int, ids: np.ndarray, bboxes: np.ndarray,
              scores: np.ndarray) -> None:
        """Write the tracks of one frame.

        Args:
            frame (int): 1-based frame number.
            ids (np.ndarray): Identities of shape (N, ).
            bboxes (np.ndarray): Boxes of shape (N, 4), ``(x1, y1, x2,
                y2)``.
            scores (np.ndarray): Scores of shape (N, ).
        """
        self._file.write(
            format_mot_results(
                tracks_to_rows(frame, ids, bboxes, scores), decimals=3))
        self._file.flush()
        self.num_written += 1

    def _finish(self) -> bool:
        if self._file.closed:
            return False
        self._file.close()
        return True

    def __enter__(self) -> 'MOTTxtWriter':
        return self
