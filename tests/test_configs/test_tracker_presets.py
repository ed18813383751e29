"""Which tracker each shipped config uses (see docs/tracker.md)."""
import glob
import os.path as osp

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config

import mmmtl  # noqa: F401  (registers the tracker)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PAPER_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'heads', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'lwf', '*.py')))


@pytest.mark.parametrize('path', PAPER_CONFIGS, ids=osp.basename)
def test_paper_configs_use_the_fairmot_preset(path):
    tracker = Config.fromfile(path).model.tracker
    assert tracker.to_dict() == dict(type='JDETracker', preset='fairmot')


def test_model_base_and_quickstart_use_the_adaptive_preset():
    base = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'models',
                 'oneshot-mot_retinanet_r50_fpn.py'))
    tracker = MODELS.build(base.model.tracker)
    assert tracker.preset == 'adaptive' and tracker.low_score_thr == 0.1
    assert tracker.association == 'adaptive' and not tracker.with_gmc
    quick = Config.fromfile(
        glob.glob(osp.join(ROOT, 'configs', 'quickstart', '*.py'))[0])
    assert quick.model.tracker.to_dict() == dict(type='JDETracker',
                                                 preset='adaptive')
