"""The sequence's frame rate from seqinfo.ini to the tracker's buffer.

seqinfo.ini -> converter (each image's ``frame_rate``) -> mmdet's
``MOTChallengeDataset`` -> ``PackTrackInputs(meta_keys=('frame_rate', ))``
of the configs' test pipeline -> frame metainfo -> ``JDETracker``, whose
lost-track buffer is ``int(frame_rate / 30 * track_buffer)`` frames.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmmtl.datasets import convert_mot_to_coco, write_mot_split

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets',
                'mot17_halftrain_test-mot17halfval.py')


@pytest.mark.parametrize('rate', [14, 12.5])
def test_converter_writes_the_frame_rate(tmp_path, rate):
    root = str(tmp_path)
    write_mot_split(root, num_seqs=1, num_frames=2, size=(64, 48),
                    frame_rate=rate, num_targets=1)
    convert_mot_to_coco(root, osp.join(root, 'ann'), split_train=False)
    with open(osp.join(root, 'ann', 'train_cocoformat.json')) as f:
        ann = json.load(f)
    assert ann['videos'][0]['fps'] == rate
    assert {img['frame_rate'] for img in ann['images']} == {rate}


def _packed_frames(root):
    """Frames of the converted split through the configs' test pipeline."""
    init_default_scope('mmdet')
    pipeline = Config.fromfile(BASE).test_pipeline
    dataset = DATASETS.build(
        dict(type='MOTChallengeDataset', data_root=root + '/',
             ann_file='ann/train_cocoformat.json',
             data_prefix=dict(img_path='train'), test_mode=True,
             pipeline=pipeline))
    n = len(dataset.get_data_info(0)['images'])
    return [dataset[(0, f)]['data_samples'][0] for f in range(n)]


@pytest.mark.parametrize('hidden,same_id', [(14, True), (15, False)])
def test_14_fps_sequence_keeps_lost_tracks_14_frames(tmp_path, hidden,
                                                     same_id):
    root = str(tmp_path)
    write_mot_split(root, num_seqs=1, num_frames=5 + hidden + 2,
                    size=(64, 48), frame_rate=14, num_targets=1)
    convert_mot_to_coco(root, osp.join(root, 'ann'), split_train=False)
    frames = _packed_frames(root)
    assert {f.metainfo['frame_rate'] for f in frames} == {14}
    # the tracker sees each frame's metainfo, with scripted detections:
    # one person, hidden for `hidden` frames after frame 4
    tracker = MODELS.build(dict(type='JDETracker', track_buffer=30))
    emb = torch.eye(4)[:1]
    ids = []
    for k, frame in enumerate(frames):
        sample = DetDataSample(metainfo=frame.metainfo)
        shown = k < 5 or k >= 5 + hidden
        n = int(shown)
        sample.pred_instances = InstanceData(
            bboxes=torch.tensor([[10., 5., 20., 40.]])[:n],
            scores=torch.full((n, ), 0.9),
            labels=torch.zeros(n, dtype=torch.long),
            embeds=emb[:n])
        res = tracker.track(sample)
        ids.append(res.instances_id.tolist())
    assert ids[4] == [0]
    if same_id:
        assert ids[5 + hidden] == [0]  # int(14 / 30 * 30) = 14 frames
    else:
        assert ids[5 + hidden] == [] and ids[-1] == [1]


def test_frame_rate_reaches_the_tracker_in_track_video(monkeypatch):
    """The demo path: ``track_video`` packs the source's frame rate into
    each frame's metainfo, as the dataset does; the tracker reads it
    there and is not changed."""
    from mmmtl.apis import inference, track_video

    class Source:
        num_frames, fps, name = 1, 12.5, 'clip'

        def __iter__(self):
            return iter([np.zeros((48, 64, 3), np.uint8)])

    class Model(torch.nn.Module):

        def __init__(self):
            super().__init__()
            from mmmtl.testing import tiny_mot_cfg
            self.cfg = Config(tiny_mot_cfg())  # for the test pipeline
            self.tracker = MODELS.build(dict(type='JDETracker'))

    metainfo = []

    def track_frame(model, data):
        frame = data['data_samples'][0][0]
        metainfo.append(frame.metainfo)
        frame.pred_track_instances = InstanceData(
            bboxes=torch.zeros((0, 4)), scores=torch.zeros(0),
            labels=torch.zeros(0, dtype=torch.long),
            instances_id=torch.zeros(0, dtype=torch.long))
        return [frame]

    monkeypatch.setattr(inference, 'track_frame', track_frame)
    model = Model()
    track_video(model, Source(), progress=False)
    assert metainfo[0]['frame_rate'] == 12.5
    assert np.isclose(int(metainfo[0]['frame_rate'] / 30 * 30), 12)
    assert model.tracker.frame_rate == 30  # its own, for frames without
