"""Every config of configs/heads builds and trains one step, shrunk."""
import glob
import logging
import os.path as osp

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmmtl  # noqa: F401  (registers the components)
from mmmtl.testing import demo_det_inputs, tiny_detector_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'heads', '*.py')))
# file-name prefix -> head type
PREFIXES = {
    'triple-branch-head': 'TripleBranchHead',
    'joint-branch-head': 'JointBranchHead',
    'shared-branch-head': 'SharedBranchHead',
    'double-branch-cls-head': 'DoubleBranchClsHead',
    'double-branch-reg-head': 'DoubleBranchRegHead',
    'ce-head': 'CEHead',
}


def shrink(detector):
    """Tiny backbone, neck and towers; the head's own choices stay."""
    tiny = tiny_detector_cfg(detector.bbox_head.type)
    detector.backbone = tiny['backbone']
    detector.neck = tiny['neck']
    for key in ('in_channels', 'stacked_convs', 'feat_channels',
                'embed_channels', 'anchor_generator'):
        detector.bbox_head[key] = tiny['bbox_head'][key]
    return detector


def test_all_six_heads_and_the_e_sweep_are_there():
    names = [osp.basename(c).split('_')[0] for c in CONFIGS]
    assert set(PREFIXES) <= set(names)
    assert {'ce-head-e16', 'ce-head-e32', 'ce-head-e64',
            'ce-head-e256'} <= set(names)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_trains_a_step(path):
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    prefix = osp.basename(path).split('_')[0]
    head = cfg.model.detector.bbox_head
    assert head.type == PREFIXES[prefix.split('-e')[0]
                                 if prefix.startswith('ce-head-e') else
                                 prefix]
    # the identity count comes from the dataset base
    assert head.num_identities == cfg.num_identities > 0
    if prefix.startswith('ce-head-e'):
        assert head.ce_cfg.hidden_channels == int(prefix[len('ce-head-e'):])
    # the R50 backbone would be initialised from torchvision weights
    assert cfg.model.detector.backbone.init_cfg.checkpoint == \
        'torchvision://resnet50'

    cfg.model.detector = shrink(cfg.model.detector)
    model = MODELS.build(cfg.model)
    inputs, samples = demo_det_inputs(batch=1, size=(64, 64), num_ids=2)
    data = model.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'loss_cls', 'loss_bbox', 'loss_reid'} <= set(losses)
