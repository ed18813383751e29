"""Benchmark profiles of the synthetic generator: layout, GT, detections."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmmtl.datasets import (
    PROFILES,
    SyntheticMOTScene,
    get_profile,
    scaled_size,
    write_benchmark,
)
from mmmtl.formats import (
    DISTRACTOR_CLASSES,
    read_mot_det,
    read_mot_gt,
    read_seqinfo,
)

FRAME, ID, X, Y, W, H, CONF, CLS, VIS = range(9)


@pytest.fixture(scope='module')
def mot17(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mot17'))
    dirs = write_benchmark(root, 'mot17', seed=2, scale=0.1, frames=12,
                           sequences=['MOT17-05', 'MOT17-09', 'MOT17-06'],
                           workers=1)
    return root, dirs


def _iou(a, b):
    """IoU of (N, 4) and (M, 4) xywh boxes."""
    a, b = a[:, None], b[None]
    ix = np.clip(np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2]) -
                 np.maximum(a[..., 0], b[..., 0]), 0, None)
    iy = np.clip(np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3]) -
                 np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = ix * iy
    return inter / (a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter)


def test_profiles_are_the_benchmarks():
    mot17 = get_profile('MOT17')
    assert [d.name for d in mot17.detectors] == ['DPM', 'FRCNN', 'SDP']
    seqs = {s.name: s for s in mot17.sequences}
    assert len(seqs) == 14
    # real seqinfo values: frame rates 14, 25, 30; VGA and HD; moving
    assert (seqs['MOT17-05'].frame_rate, seqs['MOT17-05'].width,
            seqs['MOT17-05'].moving) == (14, 640, True)
    assert seqs['MOT17-13'].frame_rate == 25
    assert scaled_size(seqs['MOT17-02'], 1 / 6) == (320, 180)
    mot20 = get_profile('mot20')
    assert max(s.people for s in mot20.sequences) >= 100
    assert mot20.vehicles[0] == 6 and 6 in DISTRACTOR_CLASSES['MOT20']
    assert set(PROFILES) == {'mot16', 'mot17', 'mot20', 'custom', 'dancetrack',
                             'sportsmot'}
    with pytest.raises(KeyError, match='unknown profile'):
        get_profile('mot18')


def test_mot17_layout_and_copies(mot17):
    root, dirs = mot17
    names = sorted(osp.basename(d) for d in dirs)
    assert names == sorted(f'MOT17-{n}-{d}' for n in ('05', '09', '06')
                           for d in ('DPM', 'FRCNN', 'SDP'))
    assert sorted(os.listdir(osp.join(root, 'test'))) == [
        f'MOT17-06-{d}' for d in ('DPM', 'FRCNN', 'SDP')]
    copies = [osp.join(root, 'train', f'MOT17-05-{d}')
              for d in ('DPM', 'FRCNN', 'SDP')]
    infos = [read_seqinfo(c, expected_name=osp.basename(c)) for c in copies]
    assert {(i.frame_rate, i.im_width, i.im_height, i.seq_length)
            for i in infos} == {(14, 64, 48, 12)}
    gts = [open(osp.join(c, 'gt', 'gt.txt')).read() for c in copies]
    assert gts[0] == gts[1] == gts[2]
    img = [cv2.imread(osp.join(c, 'img1', '000003.jpg')) for c in copies]
    assert img[0].shape == (48, 64, 3)
    assert (img[0] == img[1]).all() and (img[0] == img[2]).all()
    dets = [read_mot_det(osp.join(c, 'det', 'det.txt'), 12) for c in copies]
    assert len({len(d) for d in dets}) == 3  # each copy its own det.txt
    # test videos have detections but no ground truth
    test_seq = osp.join(root, 'test', 'MOT17-06-SDP')
    assert osp.isfile(osp.join(test_seq, 'det', 'det.txt'))
    assert not osp.exists(osp.join(test_seq, 'gt'))


def test_mot17_ground_truth(mot17):
    root, _ = mot17
    gt = read_mot_gt(osp.join(root, 'train', 'MOT17-09-FRCNN', 'gt',
                              'gt.txt'), seq_length=12)
    classes = set(gt[:, CLS].astype(int))
    assert {1, 9, 10, 11} <= classes  # pedestrians and occluders
    assert classes & set(DISTRACTOR_CLASSES['MOT17'])
    # only pedestrians count; other classes and some people zero-marked
    assert (gt[gt[:, CLS] != 1, CONF] == 0).all()
    ped = gt[gt[:, CLS] == 1]
    assert (ped[:, CONF] == 1).any() and (ped[:, CONF] == 0).any()
    assert ((gt[:, VIS] >= 0) & (gt[:, VIS] <= 1)).all()
    assert (ped[:, VIS] < 1).any()
    # identities restart at 1 per video and are contiguous
    assert np.unique(gt[:, ID]).tolist() == list(
        range(1, len(np.unique(gt[:, ID])) + 1))


def test_detector_copies_differ_in_quality(tmp_path):
    root = str(tmp_path)
    write_benchmark(root, 'mot17', seed=0, scale=1 / 6, frames=20,
                    sequences=['MOT17-04'], people_scale=0.5, workers=1)
    seq = osp.join(root, 'train', 'MOT17-04-{}')
    gt = read_mot_gt(osp.join(seq.format('FRCNN'), 'gt', 'gt.txt'))
    ped = gt[(gt[:, CLS] == 1) & (gt[:, CONF] == 1)]
    recall, scores = {}, {}
    for name in ('DPM', 'FRCNN', 'SDP'):
        det = read_mot_det(osp.join(seq.format(name), 'det', 'det.txt'))
        scores[name] = det[:, 6]
        hits = 0
        for f in np.unique(ped[:, FRAME]):
            g, d = ped[ped[:, FRAME] == f], det[det[:, FRAME] == f]
            if len(d):
                hits += int((_iou(g[:, 2:6], d[:, 2:6]).max(1) >= 0.5).sum())
        recall[name] = hits / len(ped)
    assert recall['DPM'] < recall['FRCNN'] < recall['SDP']
    # DPM's scores are unbounded, the others are probabilities
    assert scores['DPM'].min() < 0
    assert 0 <= scores['FRCNN'].min() and scores['SDP'].max() <= 1


def test_deterministic_by_seed(tmp_path):
    kw = dict(scale=0.1, frames=4, sequences=['MOT16-05'], workers=1)
    for name, seed in (('a', 3), ('b', 3), ('c', 4)):
        write_benchmark(str(tmp_path / name), 'mot16', seed=seed, **kw)

    def files(name):
        seq = tmp_path / name / 'train' / 'MOT16-05'
        return [(seq / p).read_bytes()
                for p in ('gt/gt.txt', 'det/det.txt', 'img1/000004.jpg')]

    assert files('a') == files('b')
    assert files('a') != files('c')


def test_panning_camera_moves_the_background():
    still = SyntheticMOTScene(6, (96, 64), seed=1, num_targets=0,
                              camera_noise=False)
    pan = SyntheticMOTScene(6, (96, 64), seed=1, num_targets=0,
                            camera_noise=False, pan=2.0)
    f_still = [f for f, _ in still]
    f_pan = [f for f, _ in pan]
    assert (f_still[0] == f_still[5]).all()
    # the view slid 10 px to the right over the same scene
    np.testing.assert_array_equal(f_pan[5][:, :-10], f_pan[0][:, 10:])


def test_mot20_crowd(tmp_path):
    write_benchmark(str(tmp_path), 'mot20', seed=0, frames=2,
                    sequences=['MOT20-05'], workers=1)
    seq = tmp_path / 'train' / 'MOT20-05'
    info = read_seqinfo(str(seq))
    assert (info.im_width, info.im_height, info.frame_rate) == (276, 180,
                                                                 25)
    gt = read_mot_gt(str(seq / 'gt' / 'gt.txt'), benchmark='MOT20')
    first = gt[gt[:, FRAME] == 1]
    assert (first[:, CLS] == 1).sum() >= 100  # a crowd
