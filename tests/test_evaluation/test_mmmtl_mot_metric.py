"""MMMTLMOTMetric: same numbers as the offline evaluation, and the cases
mmdet's MOTChallengeMetric gets wrong."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import DATASETS, METRICS, TASK_UTILS
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the metric)
from mmmtl.datasets import convert_mot_to_coco, write_mot_split
from mmmtl.evaluation import evaluate_mot
from mmmtl.formats import (
    SeqInfo,
    read_mot_results,
    write_mot_gt,
    write_seqinfo,
)

PREFIX = 'motchallenge-metric/'


def _box(x, w=10.0):
    return [x, 0.0, w, 20.0]


# Sequence A (3 frames): the hand-counted case of test_offline_eval
# (FP 2, FN 1, IDS 1, MOTA 1/3). Rows: frame, id, x, y, w, h, conf, class.
GT_A = [[t, 1, *_box(0), 1, 1] for t in (1, 2, 3)]
GT_A += [[t, 2, *_box(100), 1, 1] for t in (1, 2, 3)]
GT_A += [[1, 3, *_box(200), 0, 7], [2, 4, *_box(300), 0, 1],
         [3, 6, *_box(400), 0, 3]]
PRED_A = [[1, 1, *_box(0)], [2, 1, *_box(0)], [3, 2, *_box(0)],
          [1, 5, *_box(100, 12)], [2, 5, *_box(100)], [1, 7, *_box(200)],
          [2, 8, *_box(300)], [3, 9, *_box(400)]]
# Sequence B (2 frames) has neither ground truth nor predictions.
VIDEOS = dict(A=(3, GT_A, PRED_A), B=(2, [], []))


def _frame(video, t, video_len, gt, pred, classes=None):
    """The DetDataSample of frame t (1-based) as the tracker returns it."""
    instances = [
        dict(bbox=[r[2], r[3], r[2] + r[4], r[3] + r[5]], instance_id=r[1],
             mot_conf=r[6], category_id=r[7], visibility=1.0) for r in gt
        if r[0] == t and (classes is None or r[7] in classes)
    ]
    sample = DetDataSample(
        metainfo=dict(
            img_path=f'data/MOT/train/{video}/img1/{t:06d}.jpg',
            frame_id=t - 1, ori_video_length=video_len,
            instances=instances))
    rows = np.array([r for r in pred if r[0] == t], float).reshape(-1, 6)
    boxes = rows[:, 2:6].copy()
    boxes[:, 2:] += boxes[:, :2]
    sample.pred_track_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32),
        instances_id=torch.tensor(rows[:, 1]).long(),
        scores=torch.full((len(rows), ), 0.9))
    return sample


def _run(metric, whole_videos=False, classes=None):
    """Feed the metric as mmdet's test loop does; return its results."""
    for video, (length, gt, pred) in VIDEOS.items():
        frames = [
            _frame(video, t, length, gt, pred, classes)
            for t in range(1, length + 1)
        ]
        chunks = [frames] if whole_videos else [[f] for f in frames]
        for chunk in chunks:
            track = TrackDataSample()
            track.video_data_samples = chunk
            metric.process({}, [track.to_dict()])
    return metric.evaluate(size=sum(v[0] for v in VIDEOS.values()))


def _build(**kwargs):
    metric = METRICS.build(dict(type='MMMTLMOTMetric', **kwargs))
    metric.dataset_meta = dict(
        classes=('pedestrian', 'person_on_vehicle', 'car', 'bicycle',
                 'motorbike', 'non_mot_vehicle', 'static_person',
                 'distractor', 'occluder', 'occluder_on_ground',
                 'occluder_full', 'reflection', 'crowd'))
    return metric


@pytest.mark.parametrize('whole_videos', [False, True])
def test_matches_hand_counts_and_offline_eval(tmp_path, whole_videos):
    out = str(tmp_path / 'out')
    metric = _build(outfile_prefix=out)
    res = _run(metric, whole_videos)
    assert res[PREFIX + 'FP'] == 2 and res[PREFIX + 'FN'] == 1
    assert res[PREFIX + 'IDS'] == 1 and res[PREFIX + 'MT'] == 1
    assert res[PREFIX + 'MOTA'] == pytest.approx(100 / 3)
    assert res[PREFIX + 'IDF1'] == pytest.approx(100 * 8 / 13)
    assert 0 < res[PREFIX + 'HOTA'] < 100
    # submission folder: one file per sequence (B empty), nothing else
    pred_dir = osp.join(out, 'default-tracker')
    assert sorted(os.listdir(pred_dir)) == ['A.txt', 'B.txt']
    assert len(read_mot_results(osp.join(pred_dir, 'A.txt'))) == 8
    assert os.path.getsize(osp.join(pred_dir, 'B.txt')) == 0
    assert osp.isfile(osp.join(out, 'mot_metrics.csv'))
    # the written files give the same numbers offline
    offline = evaluate_mot(osp.join(out, 'gt'), pred_dir)['trackeval']
    for key in ('MOTA', 'IDF1', 'HOTA', 'MOTP', 'FP', 'FN', 'IDS'):
        assert res[PREFIX + key] == pytest.approx(offline.loc['OVERALL',
                                                              key])


def test_metric_families_and_cross_check():
    metric = _build(metric=['CLEAR'], cross_check=True)
    res = _run(metric)
    keys = {k[len(PREFIX):] for k in res}
    assert 'HOTA' not in keys and 'IDF1' not in keys
    assert {'MOTA', 'FP', 'mm_MOTA', 'mm_IDF1', 'mm_IDS'} <= keys
    for k in ('MOTA', 'FP', 'FN', 'IDS'):
        assert res[PREFIX + 'mm_' + k] == pytest.approx(res[PREFIX + k])


def test_format_only(tmp_path):
    out = str(tmp_path / 'sub')
    with pytest.raises(ValueError, match='outfile_prefix'):
        METRICS.build(dict(type='MMMTLMOTMetric', format_only=True))
    metric = _build(format_only=True, outfile_prefix=out)
    assert _run(metric) == {}
    assert sorted(os.listdir(osp.join(out, 'default-tracker'))) == [
        'A.txt', 'B.txt'
    ]


def test_pedestrian_only_dataset(tmp_path):
    """Without distractor boxes, the prediction on the static person is a
    false positive: warned about, and fixed by reading the GT files."""
    metric = _build()
    metric.dataset_meta = dict(classes=('pedestrian', ))
    with pytest.warns(UserWarning, match='distractor'):
        res = _run(metric, classes=(1, ))
    assert res[PREFIX + 'FP'] == 3

    gt_root = tmp_path / 'gt'
    for video, (length, gt, _) in VIDEOS.items():
        (gt_root / video / 'gt').mkdir(parents=True)
        rows = np.array([r + [1.0] for r in gt], float).reshape(-1, 9)
        write_mot_gt(str(gt_root / video / 'gt' / 'gt.txt'), rows)
        write_seqinfo(str(gt_root / video / 'seqinfo.ini'),
                      SeqInfo(name=video, seq_length=length))
    metric = _build(gt_root=str(gt_root))
    metric.dataset_meta = dict(classes=('pedestrian', ))
    res = _run(metric, classes=(1, ))
    assert res[PREFIX + 'FP'] == 2
    assert res[PREFIX + 'MOTA'] == pytest.approx(100 / 3)

    write_seqinfo(str(gt_root / 'A' / 'seqinfo.ini'),
                  SeqInfo(name='A', seq_length=5))
    with pytest.raises(ValueError, match=r'seqLength=5, but 3 frames'):
        _run(_build(gt_root=str(gt_root)))


@TASK_UTILS.register_module(force=True)
class _DropTrack9:
    """Tracklet post-processing stub: removes track 9 (the FP on the car).

    Like mmdet's InterpolateTracklets it fails on an empty array.
    """

    def forward(self, pred_tracks):
        assert pred_tracks.shape[1] == 7
        np.max(pred_tracks[:, 1])  # raises on an empty array
        return pred_tracks[pred_tracks[:, 1] != 9]


def test_postprocess_on_a_sequence_without_predictions():
    metric = _build(postprocess_tracklet_cfg=[dict(type='_DropTrack9')])
    res = _run(metric)
    assert res[PREFIX + 'FP'] == 1


def test_runs_twice():
    """A second validation round starts afresh."""
    metric = _build()
    first = _run(metric)
    assert _run(metric) == first


def test_instances_without_mot_keys():
    """Ground truth of a dataset without MOT's keys is an error, unless
    gt_root provides it."""
    metric = _build()
    sample = _frame('A', 1, 3, GT_A, PRED_A)
    sample.set_metainfo(dict(instances=[dict(bbox=[0, 0, 1, 1])]))
    track = TrackDataSample()
    track.video_data_samples = [sample]
    with pytest.raises(KeyError, match=r"A/img1/000001.jpg.*'mot_conf'"):
        metric.process({}, [track.to_dict()])


def _test_dataset(root, ann_file):
    return DATASETS.build(
        dict(type='MOTChallengeDataset', data_root=root, ann_file=ann_file,
             data_prefix=dict(img_path='train'), test_mode=True,
             pipeline=[]))


def _frame_sample(info, video_len, instances, shift=0.0):
    """A frame as the tracker returns it; tracks copy ``instances``, their
    boxes moved by ``shift`` pixels."""
    sample = DetDataSample(
        metainfo=dict(img_path=info['img_path'], frame_id=info['frame_id'],
                      ori_video_length=video_len,
                      instances=info['instances']))
    sample.pred_track_instances = InstanceData(
        bboxes=torch.tensor([i['bbox'] for i in instances]).reshape(-1, 4) +
        shift,
        instances_id=torch.tensor([i['instance_id']
                                   for i in instances]).long(),
        scores=torch.ones(len(instances)))
    track = TrackDataSample()
    track.video_data_samples = [sample]
    return track.to_dict()


def test_half_val_split_end_to_end(tmp_path):
    """Synthetic sequences -> converter -> MOTChallengeDataset (half-val)
    -> metric. The dataset's instances and the converter's renumbered
    ``half-val_gt`` files give the same numbers, and so does the offline
    evaluation of the written result files."""
    root = str(tmp_path)
    write_mot_split(root, num_seqs=2, num_frames=12, size=(160, 96), seed=1)
    convert_mot_to_coco(root, osp.join(root, 'ann'), split_train=True)
    dataset = _test_dataset(root, 'ann/half-val_cocoformat.json')
    gt_root = osp.join(root, 'ann', 'half-val_gt')

    def run(**kwargs):
        metric = _build(outfile_prefix=osp.join(root, 'out'), **kwargs)
        for v in range(len(dataset)):
            frames = dataset.get_data_info(v)['images']
            for info in frames:
                # every third box missed, the others shifted by 1 px
                ins = [i for i in info['instances']
                       if i['instance_id'] % 3][::-1]
                metric.process(
                    {}, [_frame_sample(info, len(frames), ins, shift=1)])
        return metric.evaluate(1)

    from_instances = run()
    assert from_instances[PREFIX + 'FN'] > 0
    assert from_instances[PREFIX + 'FP'] == 0
    assert from_instances == run(gt_root=gt_root)
    offline = evaluate_mot(gt_root, osp.join(root, 'out', 'default-tracker'))
    for key in ('MOTA', 'IDF1', 'HOTA', 'MOTP', 'FN', 'IDS'):
        assert from_instances[PREFIX + key] == pytest.approx(
            offline['trackeval'].loc['OVERALL', key])


def test_border_box_the_dataset_drops_counts_with_gt_root(tmp_path):
    """A box whose 1-based left edge is x = W (its last pixel column
    visible) is dropped by MOTChallengeDataset; the official evaluation
    counts it as a miss. With gt_root the metric gives the official
    numbers of the files it writes."""
    import cv2

    W, H = 64, 48
    seq = tmp_path / 'train' / 'S'
    (seq / 'img1').mkdir(parents=True)
    (seq / 'gt').mkdir()
    for t in (1, 2):
        cv2.imwrite(str(seq / 'img1' / f'{t:06d}.jpg'),
                    np.zeros((H, W, 3), np.uint8))
    write_seqinfo(str(seq / 'seqinfo.ini'),
                  SeqInfo(name='S', seq_length=2, im_width=W, im_height=H))
    gt = [[1, 1, 10, 10, 10, 20, 1, 1, 1], [2, 1, 11, 10, 10, 20, 1, 1, 1],
          [2, 2, W, 5, 8, 20, 1, 1, 1]]
    write_mot_gt(str(seq / 'gt' / 'gt.txt'), np.array(gt, float))
    root = str(tmp_path)
    convert_mot_to_coco(root, osp.join(root, 'ann'), split_train=False)
    dataset = _test_dataset(root, 'ann/train_cocoformat.json')
    frames = dataset.get_data_info(0)['images']
    assert sum(len(f['instances']) for f in frames) == 2  # one dropped

    def run(**kwargs):
        out = str(tmp_path / 'out')
        metric = _build(outfile_prefix=out, **kwargs)
        for info in frames:
            ins = [i for i in info['instances'] if i['instance_id'] == 0]
            metric.process({}, [_frame_sample(info, 2, ins)])
        res = metric.evaluate(1)
        official = evaluate_mot(osp.join(root, 'train'),
                                osp.join(out, 'default-tracker'))
        return res, official['trackeval'].loc['OVERALL']

    res, official = run()
    assert (res[PREFIX + 'FN'], official['FN']) == (0, 1)
    res, official = run(gt_root=osp.join(root, 'train'))
    for key in ('FN', 'FP', 'IDS', 'MOTA', 'IDF1', 'HOTA'):
        assert res[PREFIX + key] == pytest.approx(official[key])
    assert res[PREFIX + 'FN'] == 1
