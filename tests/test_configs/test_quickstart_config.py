"""The quickstart config's training assignment with amodal boxes."""
import os.path as osp

import torch
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.config import Config
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


def _assign(gt_boxes):
    cfg = Config.fromfile(CFG)
    head = cfg.model.detector.bbox_head
    priors = torch.cat(
        TASK_UTILS.build(head.anchor_generator).grid_priors(
            [(24, 40), (12, 20), (6, 10)], device='cpu'))  # 192x320 input
    assigner = TASK_UTILS.build(cfg.model.detector.train_cfg.assigner)
    gt = InstanceData(
        bboxes=HorizontalBoxes(torch.tensor(gt_boxes)),
        labels=torch.zeros(len(gt_boxes), dtype=torch.long))
    result = assigner.assign(InstanceData(priors=priors), gt)
    return result.gt_inds, priors


def test_a_sliver_past_every_anchor_claims_no_anchor():
    # Flipped amodal box with 0.1 px left in a 320 px wide crop: the
    # rightmost anchors end at x = 319.75, so it overlaps none of them.
    gt_inds, priors = _assign([[319.9, 56.0, 336.0, 94.0],
                               [146.0, 69.0, 177.0, 141.0]])
    assert priors[:, 2].max() < 319.9
    assert (gt_inds == 1).sum() == 0
    # the visible person still gets its positives
    assert 1 <= (gt_inds == 2).sum() <= 10
    assert (gt_inds > 0).sum() < 20
