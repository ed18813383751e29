"""MOTChallenge -> CocoVID conversion with Re-ID identities."""
import json
import os
import os.path as osp
import runpy
import sys
from unittest import mock

import cv2
import mmdet
import numpy as np
import pytest
from _tool_loader import load_tool

from mmmtl.datasets import convert_mot_to_coco, write_mot_split
from mmmtl.formats import MOTFormatError, read_mot_gt

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
W, H = 64, 48


def make_seq(root, split, name, rows, num_frames, gt=True):
    """Write one sequence of solid rectangles in the MOTChallenge layout.

    ``rows`` are ``(frame, id, x, y, w, h, conf, class, vis)`` tuples.
    """
    seq = osp.join(root, split, name)
    os.makedirs(osp.join(seq, 'img1'))
    for t in range(1, num_frames + 1):
        img = np.full((H, W, 3), 90, np.uint8)
        for r in rows:
            if r[0] == t:
                x, y, w, h = (int(v) for v in r[2:6])
                cv2.rectangle(img, (x - 1, y - 1), (x + w - 2, y + h - 2),
                              (40 * r[1] % 255, 200, 30), -1)
        cv2.imwrite(osp.join(seq, 'img1', f'{t:06d}.jpg'), img)
    if gt:
        os.makedirs(osp.join(seq, 'gt'))
        with open(osp.join(seq, 'gt', 'gt.txt'), 'w') as f:
            f.writelines(','.join(str(v) for v in r) + '\n' for r in rows)
    with open(osp.join(seq, 'seqinfo.ini'), 'w') as f:
        f.write(f'[Sequence]\nname={name}\nimDir=img1\nframeRate=30\n'
                f'seqLength={num_frames}\nimWidth={W}\nimHeight={H}\n'
                'imExt=.jpg\n')
    return seq


# Two videos that both use MOT ids 1 and 2 (ids restart per video in
# MOTChallenge); video A also has a distractor (class 8), a zero-marked
# pedestrian (conf 0) and a car (class 3).
ROWS_A = [
    (1, 1, 5, 5, 10, 20, 1, 1, 1.0),
    (1, 2, 30, 10, 8, 16, 1, 1, 0.5),
    (1, 7, 45, 5, 6, 12, 0, 8, 1.0),
    (2, 1, 6, 5, 10, 20, 1, 1, 1.0),
    (2, 2, 31, 10, 8, 16, 1, 1, 0.25),
    (2, 9, 20, 30, 12, 10, 0, 3, 1.0),
    (3, 1, 7, 6, 10, 20, 1, 1, 1.0),
    (3, 5, 40, 20, 8, 16, 0, 1, 1.0),
    (4, 2, 33, 11, 8, 16, 1, 1, 1.0),
]
ROWS_B = [
    (1, 2, 10, 10, 9, 18, 1, 1, 1.0),
    (2, 1, 40, 20, 9, 18, 1, 1, 1.0),
    (2, 2, 11, 10, 9, 18, 1, 1, 1.0),
    (3, 1, 41, 20, 9, 18, 1, 1, 1.0),
]


@pytest.fixture
def mot_root(tmp_path):
    root = str(tmp_path / 'MOTX')
    make_seq(root, 'train', 'VID-A', ROWS_A, 4)
    make_seq(root, 'train', 'VID-B', ROWS_B, 3)
    make_seq(root, 'test', 'VID-C', [], 2, gt=False)
    return root


def load(out_dir, subset):
    with open(osp.join(out_dir, f'{subset}_cocoformat.json')) as f:
        return json.load(f)


def test_reid_ids_unique_contiguous_and_training_only(mot_root, tmp_path):
    out_dir = str(tmp_path / 'ann')
    summary = convert_mot_to_coco(mot_root, out_dir, split_train=False)
    assert set(summary) == {'train', 'test'}
    train = load(out_dir, 'train')
    # pedestrians with conf 1: (A, 1), (A, 2), (B, 2), (B, 1)
    assert train['num_identities'] == summary['train']['num_identities'] == 4
    video = {v['id']: v['name'] for v in train['videos']}
    img_video = {i['id']: video[i['video_id']] for i in train['images']}
    pairs = {}
    for ann in train['annotations']:
        key = (img_video[ann['image_id']], ann['mot_instance_id'])
        if ann['category_id'] == 1 and ann['mot_conf'] == 1:
            # one identity per (video, MOT id), the same in every frame
            assert pairs.setdefault(key, ann['reid_id']) == ann['reid_id']
        else:
            assert ann['reid_id'] == -1, ann
    assert sorted(pairs.values()) == [0, 1, 2, 3]
    # MOT ids restart per video; identities do not
    assert pairs[('VID-A', 1)] != pairs[('VID-B', 1)]
    # sorted video order, first appearance order
    assert pairs == {('VID-A', 1): 0, ('VID-A', 2): 1, ('VID-B', 2): 2,
                     ('VID-B', 1): 3}
    test = load(out_dir, 'test')
    assert test['num_identities'] == 0 and not test['annotations']
    assert [i['file_name'] for i in test['images']] == [
        'VID-C/img1/000001.jpg', 'VID-C/img1/000002.jpg'
    ]


def test_same_content_as_mmdet_converter(mot_root, tmp_path):
    """Every key and value of mmdet's script, plus reid_id/num_identities
    and each image's frame_rate."""
    ours_dir, theirs_dir = str(tmp_path / 'ours'), str(tmp_path / 'mmdet')
    convert_mot_to_coco(mot_root, ours_dir, split_train=False)
    script = osp.join(
        osp.dirname(mmdet.__file__), '.mim', 'tools', 'dataset_converters',
        'mot2coco.py')
    argv = ['mot2coco.py', '-i', mot_root, '-o', theirs_dir]
    with mock.patch.object(sys, 'argv', argv):
        runpy.run_path(script, run_name='__main__')
    for subset in ('train', 'test'):
        ours, theirs = load(ours_dir, subset), load(theirs_dir, subset)
        assert ours['categories'] == theirs['categories']
        assert ours['num_instances'] == theirs['num_instances']
        assert len(ours['videos']) == len(theirs['videos'])

        def by_file(d):
            imgs = {i['id']: i for i in d['images']}
            vids = {v['id']: v for v in d['videos']}
            out = {}
            for i in d['images']:
                v = dict(vids[i['video_id']])
                del v['id']
                out[i['file_name']] = (
                    {k: x for k, x in i.items() if k not in (
                        'id', 'video_id', 'frame_rate')}, v, [])
            for a in d.get('annotations', []):
                out[imgs[a['image_id']]['file_name']][2].append({
                    k: x
                    for k, x in a.items()
                    if k not in ('id', 'image_id', 'instance_id', 'reid_id')
                })
            return out

        assert by_file(ours) == by_file(theirs)
        # the video's frame rate, on every image for the test pipeline
        fps = {v['id']: v['fps'] for v in ours['videos']}
        assert all(i['frame_rate'] == fps[i['video_id']]
                   for i in ours['images'])
        assert {k for a in ours['annotations'] for k in a} - {
            k for a in theirs.get('annotations', []) for k in a} <= {
                'reid_id'}


def test_half_split_and_half_val_gt(mot_root, tmp_path):
    out_dir = str(tmp_path / 'ann')
    summary = convert_mot_to_coco(mot_root, out_dir)
    assert set(summary) == {'train', 'test', 'half-train', 'half-val'}
    half_train, half_val = load(out_dir, 'half-train'), load(
        out_dir, 'half-val')
    frames = {}
    for d, name in ((half_train, 'half-train'), (half_val, 'half-val')):
        for i in d['images']:
            frames.setdefault(name, []).append(
                (i['file_name'].split('/')[0], i['mot_frame_id'],
                 i['frame_id']))
    # n // 2 + 1 first frames train: A has 4 frames -> 3 + 1, B 3 -> 2 + 1
    assert frames['half-train'] == [('VID-A', 1, 0), ('VID-A', 2, 1),
                                    ('VID-A', 3, 2), ('VID-B', 1, 0),
                                    ('VID-B', 2, 1)]
    assert frames['half-val'] == [('VID-A', 4, 0), ('VID-B', 3, 0)]
    # half-val identities are counted within half-val only
    assert half_val['num_identities'] == 2
    assert sorted(a['reid_id'] for a in half_val['annotations']) == [0, 1]
    # the half-val GT in the MOTChallenge layout, renumbered from frame 1
    gt = read_mot_gt(
        osp.join(out_dir, 'half-val_gt', 'VID-A', 'gt', 'gt.txt'),
        seq_length=1)
    np.testing.assert_allclose(gt, [[1, 2, 33, 11, 8, 16, 1, 1, 1.0]])
    gt_b = read_mot_gt(
        osp.join(out_dir, 'half-val_gt', 'VID-B', 'gt', 'gt.txt'))
    np.testing.assert_allclose(gt_b, [[1, 1, 41, 20, 9, 18, 1, 1, 1.0]])
    ini = open(osp.join(out_dir, 'half-val_gt', 'VID-A',
                        'seqinfo.ini')).read()
    assert 'seqLength=1' in ini and 'name=VID-A' in ini


def test_mot17_copies_deduplicated_in_training_subsets(tmp_path):
    root = str(tmp_path / 'MOT17')
    rows = [(1, 1, 5, 5, 10, 20, 1, 1, 1.0), (2, 1, 6, 5, 10, 20, 1, 1, 1.0)]
    for det in ('DPM', 'FRCNN', 'SDP'):
        make_seq(root, 'train', f'MOT17-02-{det}', rows, 2)
        make_seq(root, 'test', f'MOT17-01-{det}', [], 1, gt=False)
    out = str(tmp_path / 'ann')
    summary = convert_mot_to_coco(root, out, split_train=False)
    assert [v['name'] for v in load(out, 'train')['videos']] == [
        'MOT17-02-FRCNN'
    ]
    assert summary['train']['num_identities'] == 1
    assert summary['test']['num_videos'] == 3
    summary = convert_mot_to_coco(
        root, out, split_train=False, mot17_detector=None)
    assert summary['train']['num_identities'] == 3


def test_synthetic_split_identities(tmp_path):
    """Synthetic identities are unique per call: K = distinct GT ids."""
    root = str(tmp_path / 'syn')
    write_mot_split(root, num_seqs=2, num_frames=4, size=(96, 64), seed=4,
                    num_targets=3)
    out = osp.join(root, 'annotations')
    summary = convert_mot_to_coco(root, out, split_train=False)
    ids = set()
    for seq in ('SYN4-01', 'SYN4-02'):
        gt = np.loadtxt(osp.join(root, 'train', seq, 'gt', 'gt.txt'),
                        delimiter=',')
        ids |= set(gt[:, 1].astype(int))
    assert summary['train']['num_identities'] == len(ids)
    assert summary['train']['num_images'] == 8


@pytest.mark.parametrize('bad_line, message', [
    ('1,1,5,5,10,20,1,1', 'expected 9'),
    ('1,1,5,five,10,20,1,1,1', 'not a number'),
    ('1,1,5,5,0,20,1,1,1', 'width and height'),
    ('1,1,5,5,10,nan,1,1,1', 'NaN'),
    ('1,2,6,6,10,20,1,1,1', 'twice'),
])
def test_malformed_gt_names_file_and_line(mot_root, tmp_path, bad_line,
                                          message):
    gt_file = osp.join(mot_root, 'train', 'VID-B', 'gt', 'gt.txt')
    with open(gt_file) as f:
        lines = f.read().splitlines()
    lines.insert(1, bad_line)
    with open(gt_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with pytest.raises(MOTFormatError, match=message) as e:
        convert_mot_to_coco(mot_root, str(tmp_path / 'ann'))
    assert f'{gt_file}:2' in str(e.value)


def test_bad_layout_errors(mot_root, tmp_path):
    out = str(tmp_path / 'ann')
    os.remove(osp.join(mot_root, 'train', 'VID-A', 'img1', '000004.jpg'))
    with pytest.raises(ValueError, match='VID-A.*seqLength=4'):
        convert_mot_to_coco(mot_root, out)
    with pytest.raises(FileNotFoundError, match='no train, val or test'):
        convert_mot_to_coco(str(tmp_path / 'nothing'), out)
    with pytest.raises(FileNotFoundError, match='train is missing'):
        convert_mot_to_coco(
            osp.join(mot_root, 'test'), out, subsets=['half-train'])
    os.remove(osp.join(mot_root, 'test', 'VID-C', 'seqinfo.ini'))
    with pytest.raises(MOTFormatError, match='VID-C.*seqinfo.ini'):
        convert_mot_to_coco(mot_root, out, subsets=['test'])


def test_cli(mot_root, tmp_path, capsys):
    cli = load_tool('dataset_converters', 'mot2coco.py', name='mot2coco_cli')
    out = str(tmp_path / 'ann')
    cli.main(['-i', mot_root, '-o', out, '--split-train'])
    printed = capsys.readouterr().out
    assert 'train: 2 videos, 7 images, 13 boxes, 4 identities' in printed
    assert sorted(os.listdir(out)) == [
        'half-train_cocoformat.json', 'half-val_cocoformat.json',
        'half-val_gt', 'test_cocoformat.json', 'train_cocoformat.json'
    ]


def test_cli_classes_give_cars_identities(mot_root, tmp_path, capsys):
    """``--classes pedestrian car``: the car of VID-A (conf 0 there) stays
    without identity; a considered car gets one, numbered with the
    pedestrians."""
    seq = osp.join(mot_root, 'train', 'VID-A', 'gt', 'gt.txt')
    rows = [r if r[7] != 3 else r[:6] + (1, 3, 1.0) for r in ROWS_A]
    with open(seq, 'w') as f:
        f.writelines(','.join(str(v) for v in r) + '\n' for r in rows)
    cli = load_tool('dataset_converters', 'mot2coco.py', name='mot2coco_cli')
    out = str(tmp_path / 'ann')
    cli.main(['-i', mot_root, '-o', out, '--classes', 'pedestrian', 'car'])
    assert '5 identities' in capsys.readouterr().out
    train = load(out, 'train')
    cars = [a for a in train['annotations'] if a['category_id'] == 3]
    assert len(cars) == 1 and cars[0]['reid_id'] >= 0
    ids = sorted({a['reid_id'] for a in train['annotations']} - {-1})
    assert ids == list(range(5))
    # the default keeps pedestrians only
    cli.main(['-i', mot_root, '-o', str(tmp_path / 'ped')])
    cars = [a for a in load(str(tmp_path / 'ped'), 'train')['annotations']
            if a['category_id'] == 3]
    assert cars[0]['reid_id'] == -1
    with pytest.raises(SystemExit):
        cli.main(['-i', mot_root, '-o', out, '--classes', 'truck'])
