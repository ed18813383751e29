"""MOT16/17/20-shaped synthetic benchmarks, and the shipped dataset configs
run end to end on them: converter (half split), a few training
iterations, test through the runner, and the runner's numbers equal to
TrackEval on the MOTChallenge files it wrote."""
import copy
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmmtl.datasets import convert_mot_to_coco, write_benchmark_profile
from mmmtl.evaluation.offline_eval import _run_trackeval as run_trackeval
from mmmtl.formats import (
    DISTRACTOR_CLASSES,
    TrackEvalLayout,
    read_mot_det,
    read_mot_gt,
    read_seqinfo,
)
from mmmtl.testing import tiny_mot_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    mot16='configs/lwf/ce-lwf_retinanet_r50_fpn_2xb4-100e_'
    'mot16halftrain_test-mot16halfval.py',
    mot17='configs/lwf/ce-lwf_retinanet_r50_fpn_2xb4-100e_'
    'mot17halftrain_test-mot17halfval.py',
    mot20='configs/lwf/ce-lwf_retinanet_r50_fpn_2xb4-100e_'
    'mot20train_test-mot20test.py')


@pytest.fixture(scope='module', params=sorted(CONFIGS))
def profile(request, tmp_path_factory):
    name = request.param
    root = str(tmp_path_factory.mktemp(name))
    dirs = write_benchmark_profile(root, name, num_seqs=2, num_frames=12)
    return name, root, dirs


def test_layout_and_content(profile):
    name, root, dirs = profile
    bench = name.upper()
    names = sorted(osp.basename(d) for d in dirs)
    if bench == 'MOT17':
        assert names == [f'MOT17-{n}-{d}' for n in ('02', '04')
                         for d in ('DPM', 'FRCNN', 'SDP')]
    else:
        assert names == [f'{bench}-01', f'{bench}-02'] if bench == 'MOT20' \
            else names == ['MOT16-02', 'MOT16-04']
    gts, dets = {}, {}
    for d in dirs:
        info = read_seqinfo(d, expected_name=osp.basename(d))
        assert info.seq_length == 12 and len(os.listdir(d + '/img1')) == 12
        assert info.frame_rate == (25 if bench == 'MOT20' else 30)
        assert (info.im_width, info.im_height) == (320, 180)
        gt = read_mot_gt(d + '/gt/gt.txt', 12, bench)
        gts[osp.basename(d)] = gt
        dets[osp.basename(d)] = read_mot_det(d + '/det/det.txt', 12)
        classes = set(np.unique(gt[:, 7]).astype(int))
        assert 1 in classes and classes & {9, 10, 11}  # occluders
        others = classes - {1, 9, 10, 11}
        # cars (3) are neither evaluated nor distractors, as in MOT16/17
        assert others <= set(DISTRACTOR_CLASSES[bench]) | {3}
        assert (gt[gt[:, 7] != 1, 6] == 0).all()  # like the real files
        assert ((gt[:, 7] == 1) & (gt[:, 6] == 0)).any()  # zero-marked
        assert gt[:, 1].min() == 1  # identities restart per sequence
    if bench == 'MOT17':
        a, b = gts['MOT17-02-DPM'], gts['MOT17-02-SDP']
        np.testing.assert_array_equal(a, b)
        assert len(dets['MOT17-02-DPM']) != len(dets['MOT17-02-SDP'])
    # deterministic by seed
    again = write_benchmark_profile(root + '_again', name, 2, 12)
    np.testing.assert_array_equal(
        read_mot_gt(again[0] + '/gt/gt.txt', 12, bench),
        gts[osp.basename(dirs[0])])


def _shrink(cfg: Config, root: str, num_ids: int, out: str) -> Config:
    tiny = Config(tiny_mot_cfg(num_identities=num_ids, scale=(96, 64)))
    cfg.model.detector = tiny.model.detector
    # an untrained model scores ~0.01: let the tracker output its boxes
    cfg.model.detector.test_cfg.score_thr = 0.0
    cfg.model.tracker.update(obj_score_thr=0.005, init_track_thr=0.005)
    cfg.work_dir = osp.join(out, 'work_dir')
    # the evaluated split of every config: half-val (the test-server
    # configs test on the test videos, which have no ground truth)
    cfg.test_dataloader = copy.deepcopy(cfg.val_dataloader)
    cfg.test_evaluator = copy.deepcopy(cfg.val_evaluator)
    for key in ('train_dataloader', 'test_dataloader'):
        cfg[key].update(num_workers=0, persistent_workers=False)
        cfg[key].dataset.data_root = root + '/'
    cfg.train_dataloader.batch_size = 2
    for t in cfg.train_dataloader.dataset.pipeline:
        key = dict(RandomResize='scale', RandomCrop='crop_size',
                   Pad='size').get(t['type'])
        if key:
            t[key] = (96, 64)
    cfg.test_dataloader.dataset.pipeline = copy.deepcopy(
        tiny.test_dataloader.dataset.pipeline)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
    cfg.param_scheduler = []
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=2, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(by_epoch=False)
    cfg.test_evaluator.update(
        outfile_prefix=osp.join(out, 'results'),
        gt_root=osp.join(root, 'annotations', 'half-val_gt'))
    return cfg


def test_shipped_config_end_to_end(profile, tmp_path):
    name, root, _ = profile
    summary = convert_mot_to_coco(root, osp.join(root, 'annotations'),
                                  split_train=True)
    num_ids = summary['half-train']['num_identities']
    assert num_ids > 0
    if name == 'mot17':  # one copy of each video trains
        assert summary['half-train']['num_videos'] == 2
    cfg = _shrink(
        Config.fromfile(osp.join(ROOT, CONFIGS[name])), root, num_ids,
        str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    res = osp.join(str(tmp_path), 'results', 'default-tracker')
    assert sorted(f[:-4] for f in os.listdir(res)) == sorted(
        os.listdir(osp.join(root, 'annotations', 'half-val_gt')))
    # TrackEval's MotChallenge2DBox straight on the converter's ground
    # truth and the written result files (no rewriting by mmmtl)
    gt_folder = osp.join(root, 'annotations', 'half-val_gt')
    seqmap = tmp_path / 'seqmap.txt'
    seqmap.write_text('\n'.join(['name'] + sorted(os.listdir(gt_folder))))
    official = run_trackeval(
        TrackEvalLayout(str(tmp_path), gt_folder,
                        osp.join(str(tmp_path), 'results'),
                        'default-tracker', str(seqmap)),
        benchmark=name.upper()).loc['OVERALL']
    prefix = 'motchallenge-metric/'
    assert official['FP'] > 0  # the run produced tracks
    for key in ('FP', 'FN', 'IDS'):
        assert metrics[prefix + key] == official[key], key
    for key in ('HOTA', 'MOTA', 'IDF1'):
        assert metrics[prefix + key] == pytest.approx(official[key],
                                                      abs=0.05), key
