"""Frame sources and sinks: clear errors, folders, streams that drop."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmmtl.apis import (
    CaptureSource,
    ImageFolderSource,
    MOTTxtWriter,
    VideoFileSource,
    VideoSink,
    VideoSourceError,
    open_frame_source,
)
from mmmtl.datasets import generate_sequence
from mmmtl.testing import DroppingCapture

W, H = 96, 64


@pytest.fixture(scope='module')
def frames():
    return generate_sequence(8, (W, H), seed=1, num_targets=3)[0]


def _write_video(path, frames, fps=12.0):
    with VideoSink(path, fps, (W, H)) as sink:
        for f in frames:
            sink.write(f)
    return path


def test_missing_file_names_it(tmp_path):
    path = str(tmp_path / 'nothere.mp4')
    with pytest.raises(FileNotFoundError, match='nothere.mp4'):
        open_frame_source(path)


def test_empty_file_names_it(tmp_path):
    path = tmp_path / 'empty.mp4'
    path.write_bytes(b'')
    with pytest.raises(VideoSourceError, match='empty.mp4'):
        open_frame_source(str(path))


def test_corrupt_file_names_it(tmp_path):
    path = tmp_path / 'corrupt.mp4'
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(VideoSourceError, match='corrupt.mp4'):
        open_frame_source(str(path))


def test_video_round_trip(tmp_path, frames):
    path = _write_video(str(tmp_path / 'clip.mp4'), frames)
    with open_frame_source(path) as src:
        assert isinstance(src, VideoFileSource)
        assert (src.width, src.height, src.fps) == (W, H, 12.0)
        assert src.num_frames == len(frames)
        read = list(src)
    assert len(read) == len(frames)
    # mp4v is lossy; the content must still match closely.
    err = np.abs(read[3].astype(float) - frames[3]).mean()
    assert err < 12


def test_sink_rejects_wrong_size(tmp_path, frames):
    with VideoSink(str(tmp_path / 'x.mp4'), 10, (W, H)) as sink:
        with pytest.raises(ValueError, match='x.mp4'):
            sink.write(np.zeros((H + 1, W, 3), np.uint8))


def test_folder_of_frames(tmp_path, frames):
    seq = tmp_path / 'SEQ'
    img_dir = seq / 'img1'
    img_dir.mkdir(parents=True)
    # Natural order: 2 before 10.
    for i, f in zip([1, 2, 10, 11], frames):
        cv2.imwrite(str(img_dir / f'{i}.png'), f)
    (img_dir / 'notes.txt').write_text('not a frame')
    (seq / 'seqinfo.ini').write_text(
        '[Sequence]\nname=SEQ\nimDir=img1\nframeRate=7\n')
    for given in (str(img_dir), str(seq)):
        src = open_frame_source(given)
        assert isinstance(src, ImageFolderSource)
        assert (src.width, src.height, src.fps, src.num_frames) == (W, H,
                                                                   7.0, 4)
        assert [osp.basename(p) for p in src.files] == [
            '1.png', '2.png', '10.png', '11.png'
        ]
        np.testing.assert_array_equal(list(src)[2], frames[2])
    assert open_frame_source(str(img_dir), fps=25).fps == 25


def test_folder_errors_name_the_file(tmp_path, frames):
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(VideoSourceError, match='empty'):
        open_frame_source(str(empty))
    folder = tmp_path / 'frames'
    folder.mkdir()
    cv2.imwrite(str(folder / '000001.jpg'), frames[0])
    (folder / '000002.jpg').write_bytes(b'garbage')
    src = open_frame_source(str(folder))
    assert src.fps == 30.0  # no seqinfo.ini: the default
    with pytest.raises(VideoSourceError, match='000002.jpg'):
        list(src)


def test_stream_that_drops_keeps_what_was_written(tmp_path, frames):
    cap = DroppingCapture(frames, n=5)
    src = CaptureSource('rtsp://camera/1', capture=cap)
    assert src.num_frames is None and src.fps == 15.0
    video, txt = str(tmp_path / 'out.mp4'), str(tmp_path / 'out.txt')
    with src, VideoSink(video, src.fps, (src.width, src.height)) as sink, \
            MOTTxtWriter(txt) as writer:
        with pytest.warns(UserWarning, match='stopped delivering'):
            for i, frame in enumerate(src):
                sink.write(frame)
                writer.write(i + 1, np.array([3]),
                             np.array([[1.0, 2.0, 11.0, 22.0]]),
                             np.array([0.9]))
    assert cap.released
    with open_frame_source(video) as check:
        assert (check.num_frames, check.fps) == (5, 15.0)
    lines = open(txt).read().splitlines()
    assert len(lines) == 5
    assert lines[-1] == '5,3,1.000,2.000,10.000,20.000,0.900,-1,-1,-1'


def test_camera_that_cannot_open():

    class _Closed(DroppingCapture):

        def isOpened(self):
            return False

    with pytest.raises(VideoSourceError, match="'7'"):
        CaptureSource(7, capture=_Closed([], 0))
    with pytest.raises(VideoSourceError, match='no-frames'):
        CaptureSource('http://no-frames', capture=DroppingCapture([], 0))
