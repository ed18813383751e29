"""IdentityCountCheckHook stops training with a too small Re-ID head."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmdet.registry import DATASETS, HOOKS
from mmengine.registry import init_default_scope

from mmmtl.datasets import convert_mot_to_coco, write_mot_split


def runner_with(num_head_ids, dataset):
    model = nn.Module()
    model.detector = nn.Module()
    model.detector.bbox_head = nn.Module()
    model.detector.bbox_head.num_identities = num_head_ids
    return SimpleNamespace(
        model=model, train_dataloader=SimpleNamespace(dataset=dataset))


@pytest.fixture(scope='module')
def lazy_dataset(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('syn'))
    write_mot_split(root, num_seqs=1, num_frames=3, size=(64, 48), seed=1,
                    num_targets=3)
    summary = convert_mot_to_coco(root, osp.join(root, 'annotations'),
                                  split_train=False)
    init_default_scope('mmdet')
    dataset = DATASETS.build(
        dict(type='MOTReIDDataset', data_root=root,
             ann_file='annotations/train_cocoformat.json',
             data_prefix=dict(img='train/'), pipeline=[], lazy_init=True))
    return dataset, summary['train']['num_identities']


def test_too_small_head_fails_naming_the_key(lazy_dataset):
    dataset, k = lazy_dataset
    assert k >= 3
    hook = HOOKS.build(dict(type='IdentityCountCheckHook'))
    with pytest.raises(ValueError) as e:
        hook.before_train(runner_with(k - 1, dataset))
    msg = str(e.value)
    assert 'model.detector.bbox_head.num_identities' in msg
    assert f'= {k - 1} is smaller' in msg
    assert msg.endswith(f'to {k}') and 'train_cocoformat.json' in msg


def test_equal_or_larger_head_passes(lazy_dataset):
    dataset, k = lazy_dataset
    hook = HOOKS.build(dict(type='IdentityCountCheckHook'))
    hook.before_train(runner_with(k, dataset))
    hook.before_train(runner_with(k + 10, dataset))


def test_missing_head_or_dataset_count():
    hook = HOOKS.build(
        dict(type='IdentityCountCheckHook', head_path='detector.reid_head'))
    with pytest.raises(AttributeError, match='model.detector.reid_head'):
        hook.before_train(runner_with(5, None))
    plain = SimpleNamespace(metainfo=dict(classes=('pedestrian', )))
    hook = HOOKS.build(dict(type='IdentityCountCheckHook'))
    with pytest.raises(KeyError, match='no "num_identities"'):
        hook.before_train(runner_with(5, plain))
