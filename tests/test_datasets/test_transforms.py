"""PackReIDDetInputs packs the instance identities with the boxes."""
import numpy as np
import torch
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

import mmmtl  # noqa: F401  (registers PackReIDDetInputs)


def results(ignore=None):
    out = dict(
        img=np.zeros((8, 10, 3), np.uint8),
        img_id=3,
        img_path='SEQ/img1/000001.jpg',
        ori_shape=(8, 10),
        img_shape=(8, 10),
        scale_factor=(1.0, 1.0),
        flip=False,
        flip_direction=None,
        gt_bboxes=HorizontalBoxes(
            np.array([[0, 0, 2, 2], [1, 1, 4, 4], [2, 2, 6, 6]],
                     np.float32)),
        gt_bboxes_labels=np.array([0, 0, 0], np.int64),
        gt_instances_ids=np.array([7, 3, 5], np.int32))
    if ignore is not None:
        out['gt_ignore_flags'] = np.array(ignore, bool)
    return out


def test_ids_follow_the_boxes():
    pack = TRANSFORMS.build(dict(type='PackReIDDetInputs'))
    sample = pack(results([False, True, False]))['data_samples']
    gt, ignored = sample.gt_instances, sample.ignored_instances
    assert gt.instances_ids.tolist() == [7, 5]
    assert gt.bboxes.tensor[:, 2].tolist() == [2, 6]
    assert ignored.instances_ids.tolist() == [3]
    assert ignored.bboxes.tensor[:, 2].tolist() == [4]
    assert sample.img_path == 'SEQ/img1/000001.jpg'
    # without ignore flags every box is packed, in order
    sample = pack(results())['data_samples']
    assert torch.equal(sample.gt_instances.instances_ids,
                       torch.tensor([7, 3, 5], dtype=torch.int32))
    assert len(sample.gt_instances.bboxes) == 3


def test_mmdet_pack_drops_ids():
    """The reason for the transform: PackDetInputs loses the identities."""
    sample = TRANSFORMS.build(dict(type='PackDetInputs'))(
        results([False, False, False]))['data_samples']
    assert 'instances_ids' not in sample.gt_instances
    sample = TRANSFORMS.build(dict(type='PackReIDDetInputs'))(
        results([False, False, False]))['data_samples']
    assert 'instances_ids' in sample.gt_instances
