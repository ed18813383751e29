"""The DanceTrack and SportsMOT dataset bases and CE + LWF configs."""
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('name,bench', [('dancetrack', 'DanceTrack'),
                                        ('sportsmot', 'SportsMOT')])
def test_train_to_val_configs(name, bench):
    base = Config.fromfile(osp.join(
        REPO, 'configs', '_base_', 'datasets',
        f'{name}_train_test-{name}val.py'))
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', name,
        f'ce-lwf_retinanet_r50_fpn_2xb4-100e_{name}train_test-{name}val.py'))
    for c in (base, cfg):
        root = f'data/{bench}/'
        assert c.data_root == root
        assert c.train_dataloader.dataset.data_root == root
        assert c.train_dataloader.dataset.ann_file == (
            'annotations/train_cocoformat.json')
        assert c.train_dataloader.dataset.data_prefix == dict(img='train/')
        test = c.test_dataloader.dataset
        assert test.ann_file == 'annotations/val_cocoformat.json'
        assert test.data_prefix == dict(img_path='val/')
        assert c.val_dataloader.dataset.ann_file == test.ann_file
        for key in ('val_evaluator', 'test_evaluator'):
            assert c[key].type == 'MMMTLMOTMetric'
            assert c[key].benchmark == bench
            # the val folder is the ground truth, frames from 1
            assert c[key].gt_root == root + 'val'
            assert not c[key].get('format_only', False)
        assert dict(type='IdentityCountCheckHook') in c.custom_hooks
    head = cfg.model.detector.bbox_head
    assert head.type == 'CEHead'
    assert head.num_identities == base.num_identities
    assert cfg.model.loss_balancer == dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1)
