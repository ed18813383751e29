"""Every dataset base config loads, keeps identities and builds, shrunk."""
import copy
import glob
import os.path as osp

import pytest
from mmdet.registry import DATASETS, METRICS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.datasets import convert_mot_to_coco, write_mot_split

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# DanceTrack and SportsMOT (train -> val, no half split) are checked by
# test_dancetrack_sportsmot_configs.py
CONFIGS = sorted(
    c for c in glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets',
                                  '*.py'))
    if not osp.basename(c).startswith(('dancetrack', 'sportsmot')))
# Transforms of mmdet 3.3 that drop or misalign gt_instances_ids.
ID_BREAKING = {'Mosaic', 'MixUp', 'RandomAffine', 'FilterAnnotations',
               'PackDetInputs', 'CopyPaste', 'CachedMosaic', 'CachedMixUp'}


@pytest.fixture(scope='module')
def syn_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('syn'))
    write_mot_split(root, num_seqs=2, num_frames=4, size=(96, 64), seed=3,
                    num_targets=3)
    write_mot_split(root, num_seqs=1, num_frames=2, size=(96, 64), seed=9,
                    split='test', name_prefix='TST')
    convert_mot_to_coco(root, osp.join(root, 'annotations'))
    return root


def test_all_expected_configs_exist():
    names = {osp.basename(c) for c in CONFIGS}
    assert {
        'mot17_halftrain_test-mot17halfval.py',
        'mot17_train_test-mot17test.py',
        'mot16_halftrain_test-mot16halfval.py',
        'mot16_train_test-mot16test.py', 'mot20_train_test-mot20test.py'
    } <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_dataset_config(path, syn_root, tmp_path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    prefix = name.split('_')[0]
    # own data (custom_*) follows MOT17's conventions under data/custom/
    is_mot = prefix.startswith('mot')
    bench = prefix.upper() if is_mot else 'MOT17'
    folder = prefix.upper() if is_mot else prefix
    assert isinstance(cfg.num_identities, int) and cfg.num_identities > 0
    assert cfg.train_dataloader.dataset.data_root == f'data/{folder}/'
    assert cfg.test_dataloader.dataset.data_root == f'data/{folder}/'
    types = [t['type'] for t in cfg.train_pipeline]
    assert not ID_BREAKING & set(types), types
    assert types[:2] == ['LoadImageFromFile', 'LoadTrackAnnotations']
    assert types[-1] == 'PackReIDDetInputs'
    assert 'RandomCrop' in types and 'RandomFlip' in types
    assert dict(type='IdentityCountCheckHook') in cfg.custom_hooks
    assert cfg.val_evaluator.benchmark == cfg.test_evaluator.benchmark
    assert cfg.val_evaluator.benchmark == bench
    assert not cfg.val_evaluator.get('format_only', False)
    # one metric everywhere, evaluating the converter's half-val ground
    # truth files (the official numbers of the written results)
    # (own multi-class data: per class and combined, from the dataset)
    metric = 'MMMTLMOTMetric' if is_mot else 'MultiClassMOTMetric'
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key].type == metric
    assert cfg.val_evaluator.gt_root == (
        f'data/{folder}/annotations/half-val_gt' if is_mot else None)
    if '_test-' in name and name.endswith('test.py'):
        # test server configs: submission files, no evaluation
        assert cfg.test_evaluator.format_only
        assert cfg.test_evaluator.outfile_prefix
        assert cfg.test_dataloader.dataset.ann_file.endswith(
            'test_cocoformat.json')
        assert cfg.test_dataloader.dataset.data_prefix.img_path == 'test/'
        assert cfg.train_dataloader.dataset.ann_file.endswith(
            '/train_cocoformat.json')
    else:
        assert cfg.train_dataloader.dataset.ann_file.endswith(
            'half-train_cocoformat.json')
        assert cfg.test_dataloader.dataset.ann_file.endswith(
            'half-val_cocoformat.json')

    # Build the datasets on synthetic data, shrunk, and draw a sample.
    init_default_scope('mmdet')
    train = copy.deepcopy(cfg.train_dataloader.dataset)
    train.data_root = syn_root + '/'
    for t in train.pipeline:
        if t['type'] in ('RandomResize', 'RandomCrop', 'Pad'):
            key = dict(RandomResize='scale', RandomCrop='crop_size',
                       Pad='size')[t['type']]
            t[key] = (64, 48)
    train.filter_cfg = dict(filter_empty_gt=True)
    train_set = DATASETS.build(train)
    assert train_set.metainfo['num_identities'] <= 6
    sample = train_set[0]['data_samples']
    assert len(sample.gt_instances.instances_ids) == len(
        sample.gt_instances.bboxes)
    # every frame is evaluated: 4-frame videos -> 1 half-val frame each
    frames = dict(val_dataloader=[1, 1], test_dataloader=[2])
    if 'halfval' in name:
        frames['test_dataloader'] = [1, 1]
    for key, lengths in frames.items():
        ds_cfg = copy.deepcopy(cfg[key].dataset)
        ds_cfg.data_root = syn_root + '/'
        ds = DATASETS.build(ds_cfg)
        assert ds.test_mode
        assert [ds.get_data_info(i)['video_length']
                for i in range(len(ds))] == lengths
        video = ds[(0, 0)]['data_samples']
        assert video[0].img_path.startswith(syn_root)
    for key in ('val_evaluator', 'test_evaluator'):
        metric = copy.deepcopy(cfg[key])
        if metric.get('outfile_prefix'):
            metric.outfile_prefix = str(tmp_path / key)
        METRICS.build(metric)
