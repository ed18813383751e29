"""MOTReIDDataset: global identities through the training pipeline."""
import copy
import json
import os.path as osp

import numpy as np
import pytest
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.datasets import MOTReIDDataset, convert_mot_to_coco, write_mot_split

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
W, H = 96, 64


@pytest.fixture(scope='module')
def syn_root(tmp_path_factory):
    """Two synthetic videos plus a zero-marked box and a distractor."""
    root = str(tmp_path_factory.mktemp('syn'))
    seqs = write_mot_split(root, num_seqs=2, num_frames=6, size=(W, H),
                           seed=7, num_targets=4)
    with open(osp.join(seqs[0], 'gt', 'gt.txt'), 'a') as f:
        f.write('1,900,10,10,8,16,0,1,1.0\n')  # pedestrian, not considered
        f.write('2,901,30,10,8,16,1,8,1.0\n')  # distractor
    convert_mot_to_coco(root, osp.join(root, 'annotations'))
    return root


def build(root, ann_file='annotations/train_cocoformat.json', pipeline=(),
          **kwargs):
    init_default_scope('mmdet')
    return DATASETS.build(
        dict(type='MOTReIDDataset', data_root=root + '/', ann_file=ann_file,
             data_prefix=dict(img='train/'), pipeline=list(pipeline),
             **kwargs))


def gt_by_frame(root):
    """{(file_name, reid_id): xyxy box} from the converter's json."""
    with open(osp.join(root, 'annotations', 'train_cocoformat.json')) as f:
        d = json.load(f)
    files = {i['id']: i['file_name'] for i in d['images']}
    out = {}
    for a in d['annotations']:
        if a['reid_id'] >= 0:
            x, y, w, h = a['bbox']
            out[files[a['image_id']], a['reid_id']] = [x, y, x + w, y + h]
    return out, d['num_identities']


def test_instances_carry_global_identities(syn_root):
    ds = build(syn_root)
    boxes, num_ids = gt_by_frame(syn_root)
    assert isinstance(ds, MOTReIDDataset)
    assert ds.metainfo['num_identities'] == num_ids > 4
    assert ds.metainfo['classes'] == ('pedestrian', )
    assert len(ds) == 12
    seen = set()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        file_name = osp.relpath(info['img_path'], syn_root + '/train')
        for inst in info['instances']:
            assert boxes[file_name, inst['instance_id']] == inst['bbox']
            seen.add(inst['instance_id'])
    # boxes outside the image are dropped, every kept id is in range
    assert seen <= set(range(num_ids))
    assert len(seen) >= num_ids - 2
    # the zero-marked pedestrian and the distractor are not instances
    first = ds.get_data_info(0)['instances']
    assert all(inst['bbox'][:2] != [10, 10] for inst in first)


def test_visibility_threshold_and_empty_frames(syn_root):
    full = build(syn_root)
    strict = build(syn_root, visibility_thr=0.99)
    n_full = sum(len(full.get_data_info(i)['instances'])
                 for i in range(len(full)))
    n_strict = sum(len(strict.get_data_info(i)['instances'])
                   for i in range(len(strict)))
    assert 0 < n_strict < n_full
    # frames without boxes are kept unless filter_empty_gt asks otherwise
    assert len(build(syn_root, visibility_thr=2.0)) == 12
    with pytest.raises(ValueError, match='no frame has a box'):
        build(syn_root, visibility_thr=2.0,
              filter_cfg=dict(filter_empty_gt=True))


def test_annotations_without_identities_are_rejected(syn_root, tmp_path):
    with open(osp.join(syn_root, 'annotations',
                       'train_cocoformat.json')) as f:
        d = json.load(f)
    plain = copy.deepcopy(d)
    del plain['num_identities']
    path = tmp_path / 'plain.json'
    path.write_text(json.dumps(plain))
    with pytest.raises(KeyError, match='no top-level "num_identities"'):
        build(syn_root, ann_file=str(path))
    for a in d['annotations']:
        del a['reid_id']
    path.write_text(json.dumps(d))
    with pytest.raises(KeyError, match='has no "reid_id"'):
        build(syn_root, ann_file=str(path))


def _hom_box(hom, box, shape):
    """Map an xyxy box through a 3x3 homography and clip to (h, w)."""
    pts = np.array([[box[0], box[1], 1], [box[2], box[3], 1]]) @ hom.T
    xs, ys = pts[:, 0] / pts[:, 2], pts[:, 1] / pts[:, 2]
    h, w = shape
    return np.clip([xs.min(), ys.min(), xs.max(), ys.max()], 0,
                   [w, h, w, h])


def test_train_pipeline_keeps_ids_aligned_with_boxes(syn_root):
    """The shipped train pipeline, shrunk: every packed box is its id's."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/'
                 'mot17_halftrain_test-mot17halfval.py'))
    scale = (72, 48)  # crops happen: resized images reach 115 x 77
    pipeline = copy.deepcopy(cfg.train_pipeline)
    for t in pipeline:
        if t['type'] == 'RandomResize':
            t['scale'] = (W, H)
        elif t['type'] == 'RandomCrop':
            t['crop_size'] = scale
        elif t['type'] == 'Pad':
            t['size'] = scale
        elif t['type'] == 'PackReIDDetInputs':
            t['meta_keys'] = ('img_path', 'img_shape', 'flip',
                              'homography_matrix')
    ds = build(syn_root, pipeline=pipeline,
               filter_cfg=dict(filter_empty_gt=True))
    boxes, num_ids = gt_by_frame(syn_root)
    np.random.seed(0)
    flips = checked = 0
    for _ in range(3):
        for i in range(len(ds)):
            out = ds[i]
            sample = out['data_samples']
            assert tuple(out['inputs'].shape) == (3, scale[1], scale[0])
            gt = sample.gt_instances
            ids = gt.instances_ids.numpy()
            assert len(ids) == len(gt.bboxes) == len(gt.labels) > 0
            assert len(set(ids.tolist())) == len(ids)
            assert (ids >= 0).all() and (ids < num_ids).all()
            file_name = osp.relpath(sample.img_path, syn_root + '/train')
            hom = sample.homography_matrix
            for k, box in zip(ids, gt.bboxes.numpy()):
                expected = _hom_box(hom, boxes[file_name, k],
                                    sample.img_shape)
                np.testing.assert_allclose(box, expected, atol=1e-3)
                checked += 1
            flips += sample.flip
    assert flips > 0 and checked > 100


def _edited(syn_root, tmp_path, edit):
    """The converted json with ``edit(d)`` applied, as a new file."""
    with open(osp.join(syn_root, 'annotations',
                       'train_cocoformat.json')) as f:
        d = json.load(f)
    edit(d)
    path = tmp_path / 'edited.json'
    path.write_text(json.dumps(d))  # NaN and Infinity as json allows
    return str(path), d


def _first_with_id(d):
    return next(a for a in d['annotations'] if a['reid_id'] >= 0)


@pytest.mark.parametrize(
    'bbox, why',
    [([10, 10, float('nan'), 16], 'non-finite'),
     ([10, float('inf'), 8, 16], 'non-finite'),
     ([10, 10, 0, 16], 'non-positive'),
     ([10, 10, 8, -3], 'non-positive')])
def test_invalid_box_stops_with_annotation_id(syn_root, tmp_path, bbox,
                                              why):
    box = {}

    def edit(d):
        ann = _first_with_id(d)
        ann['bbox'] = bbox
        box['id'] = ann['id']

    path, _ = _edited(syn_root, tmp_path, edit)
    with pytest.raises(ValueError) as err:
        build(syn_root, ann_file=path)
    msg = str(err.value)
    assert path in msg and f'annotation {box["id"]}' in msg and why in msg


def test_identity_out_of_range_and_missing_image(syn_root, tmp_path):

    def bad_id(d):
        _first_with_id(d)['reid_id'] = -4

    path, _ = _edited(syn_root, tmp_path, bad_id)
    with pytest.raises(ValueError, match='reid_id -4 outside'):
        build(syn_root, ann_file=path)

    def no_image(d):
        d['images'][0]['file_name'] = 'nowhere/000001.jpg'

    path, d = _edited(syn_root, tmp_path, no_image)
    with pytest.raises(ValueError, match='nowhere/000001.jpg.*missing'):
        build(syn_root, ann_file=path)


def test_skip_option_leaves_invalid_out_with_one_warning(
        syn_root, tmp_path):
    good = build(syn_root)
    ids = {}

    def edit(d):
        anns = [a for a in d['annotations'] if a['reid_id'] >= 0]
        anns[0]['bbox'][2] = float('nan')
        anns[1]['bbox'][3] = 0
        ids['a'], ids['b'] = anns[0]['id'], anns[1]['id']
        d['images'][-1]['file_name'] = 'nowhere/1.jpg'

    path, _ = _edited(syn_root, tmp_path, edit)
    with pytest.raises(ValueError, match="invalid must be"):
        build(syn_root, ann_file=path, invalid='drop')
    with pytest.warns(UserWarning) as record:
        ds = build(syn_root, ann_file=path, invalid='skip')
    msgs = [str(w.message) for w in record
            if 'invalid annotations' in str(w.message)]
    assert len(msgs) == 1 and 'left out 3 invalid annotations' in msgs[0]
    out = msgs[0]
    assert f'annotation {ids["a"]}' in out and f'annotation {ids["b"]}' in out
    assert len(ds) == len(good) - 1
    n_good = sum(len(good.get_data_info(i)['instances'])
                 for i in range(len(good)))
    n = sum(len(ds.get_data_info(i)['instances']) for i in range(len(ds)))
    assert n < n_good - 1
