"""MultiClassMOTMetric: each class evaluated on its own, and combined."""
import pytest
import torch
from mmdet.registry import METRICS
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the metric)

PREFIX = 'motchallenge-metric/'
CLASSES = ('pedestrian', 'car')


def _frame(t, gt, pred):
    """Frame t (1-based) of a 4-frame video; rows (id, x, label)."""
    instances = [
        dict(bbox=[x, 0.0, x + 10.0, 20.0], instance_id=i, mot_conf=1,
             category_id=(1, 3)[lab], bbox_label=lab, visibility=1.0)
        for i, x, lab in gt
    ]
    sample = DetDataSample(metainfo=dict(
        img_path=f'data/c/train/V/img1/{t:06d}.jpg', frame_id=t - 1,
        ori_video_length=4, instances=instances))
    boxes = torch.tensor([[x, 0.0, x + 10.0, 20.0] for _, x, _ in pred],
                         dtype=torch.float32).reshape(-1, 4)
    sample.pred_track_instances = InstanceData(
        bboxes=boxes,
        instances_id=torch.tensor([i for i, _, _ in pred]).long(),
        labels=torch.tensor([lab for _, _, lab in pred]).long(),
        scores=torch.full((len(pred), ), 0.9))
    return sample


def test_per_class_and_combined(tmp_path):
    # a pedestrian (x 0) tracked in every frame; a car (x 100) whose only
    # prediction has the pedestrian label: a car miss and a pedestrian FP
    gt = [(1, 0.0, 0), (2, 100.0, 1)]
    pred = [(7, 0.0, 0), (8, 100.0, 0)]
    metric = METRICS.build(dict(type='MultiClassMOTMetric',
                                outfile_prefix=str(tmp_path)))
    metric.dataset_meta = dict(classes=CLASSES)
    for t in range(1, 5):
        track = TrackDataSample()
        track.video_data_samples = [_frame(t, gt, pred)]
        metric.process({}, [track.to_dict()])
    res = metric.evaluate(size=4)
    get = {k[len(PREFIX):]: v for k, v in res.items()}
    assert (get['FP_pedestrian'], get['FN_pedestrian']) == (4, 0)
    assert get['MOTA_pedestrian'] == pytest.approx(0.0)
    assert (get['FP_car'], get['FN_car']) == (0, 4)
    assert get['MOTA_car'] == pytest.approx(0.0)
    # combined: every box once; a label-blind evaluation would match the
    # car's prediction to the car (FP 0, FN 0, MOTA 100)
    assert (get['FP'], get['FN'], get['IDS']) == (4, 4, 0)
    assert get["MOTA"] == pytest.approx(0.0)  # 1 - (4 + 4) / 8
    assert get['GT_IDs'] == 2
    assert {'pedestrian', 'car', 'all'} <= set(
        p.name for p in tmp_path.iterdir())


def test_bad_settings():
    with pytest.raises(ValueError, match='gt_root'):
        METRICS.build(dict(type='MultiClassMOTMetric', gt_root='x'))
    metric = METRICS.build(dict(type='MultiClassMOTMetric',
                                classes=['bus']))
    metric.dataset_meta = dict(classes=CLASSES)
    track = TrackDataSample()
    track.video_data_samples = [_frame(1, [], [])]
    metric.process({}, [track.to_dict()])
    with pytest.raises(KeyError, match='bus'):
        metric.evaluate(size=1)


def test_class_files_give_the_metrics_numbers(tmp_path):
    """The class-column files, evaluated offline, equal the metric."""
    from mmmtl.evaluation import evaluate_multiclass
    from mmmtl.formats import read_mot_class_results, read_mot_gt

    # a pedestrian and a car, tracked with the same identity number 5 in
    # their own classes; the car is lost in frame 3 and an FP car
    # appears beside it
    metric = METRICS.build(dict(type='MultiClassMOTMetric',
                                outfile_prefix=str(tmp_path)))
    metric.dataset_meta = dict(classes=CLASSES)
    for t in range(1, 5):
        gt = [(1, 0.0, 0), (2, 100.0, 1)]
        pred = [(5, 0.0, 0)] + ([(5, 100.0, 1)] if t != 3 else
                                [(6, 200.0, 1)])
        track = TrackDataSample()
        track.video_data_samples = [_frame(t, gt, pred)]
        metric.process({}, [track.to_dict()])
    res = {k[len(PREFIX):]: v for k, v in metric.evaluate(size=4).items()}
    assert (res['FN_car'], res['FP_car'], res['FN_pedestrian']) == (1, 1, 0)
    rows, classes = read_mot_class_results(str(tmp_path / 'classes' /
                                               'V.txt'))
    # one file, both classes, MOTChallenge's numbers (pedestrian 1, car 3)
    assert sorted(set(classes.tolist())) == [1, 3]
    assert len(rows) == 8 and (rows[classes == 3, 1] == [5, 5, 6, 5]).all()
    gt = read_mot_gt(str(tmp_path / 'classes_gt' / 'V' / 'gt' / 'gt.txt'))
    assert sorted(set(gt[:, 7].astype(int))) == [1, 3]
    tables = evaluate_multiclass(str(tmp_path / 'classes_gt'),
                                 str(tmp_path / 'classes'),
                                 dict(pedestrian=1, car=3))
    for cls, suffix in (('pedestrian', '_pedestrian'), ('car', '_car'),
                        ('all', '')):
        overall = tables[cls].loc['OVERALL']
        for key in ('HOTA', 'MOTA', 'IDF1', 'FP', 'FN', 'IDS'):
            assert overall[key] == pytest.approx(res[key + suffix]), (cls,
                                                                      key)


def test_class_numbers_of_other_names():
    from mmmtl.evaluation import class_numbers
    assert class_numbers(('pedestrian', 'car')) == dict(pedestrian=1, car=3)
    assert class_numbers(('player', 'ball')) == dict(player=1, ball=2)
