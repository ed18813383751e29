"""The papers' setup without data, and the configs that compose it."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(ROOT, 'configs', '_base_')
# every runnable config (all but the bases)
CONFIGS = sorted(
    c for c in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in osp.relpath(c, ROOT).split(osp.sep))
DATA_KEYS = ('num_identities', 'data_root', 'train_dataloader',
             'val_dataloader', 'test_dataloader', 'val_evaluator',
             'test_evaluator', 'custom_hooks')


@pytest.mark.parametrize('name,balancer', [
    ('ce-head_retinanet_r50_fpn_2xb4-100e.py', None),
    ('ce-lwf_retinanet_r50_fpn_2xb4-100e.py',
     dict(type='LWFLoss', hidden_channels=32, num_hidden_layers=1)),
])
def test_setup_bases_hold_no_data(name, balancer):
    cfg = Config.fromfile(osp.join(BASE, name))
    # a config adds a dataset base, whose keys must not clash with these
    assert not set(DATA_KEYS) & set(cfg.keys())
    assert cfg.model.type == 'OneShotMOT'
    assert cfg.model.detector.bbox_head.type == 'CEHead'
    assert cfg.model.tracker.to_dict() == dict(type='JDETracker',
                                               preset='fairmot')
    assert cfg.model.get('loss_balancer') == balancer
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.optim_wrapper.optimizer.to_dict() == dict(
        type='Adam', lr=5e-5, weight_decay=0.0)
    assert cfg.default_scope == 'mmdet'


def test_there_are_configs():
    assert len(CONFIGS) >= 60


@pytest.mark.parametrize('path', CONFIGS,
                         ids=lambda p: osp.relpath(p, ROOT))
def test_head_has_the_dataset_identity_count(path):
    # the head's classifier size is handed over from the dataset base by
    # each config (the bases without data cannot know it)
    cfg = Config.fromfile(path)
    assert cfg.model.detector.bbox_head.num_identities == \
        cfg.num_identities > 0
