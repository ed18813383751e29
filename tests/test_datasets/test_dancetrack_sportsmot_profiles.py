"""The dancetrack and sportsmot profiles: look-alike people, turns,
crossings, speed, and their layout on disk."""
import os
import os.path as osp

import numpy as np

from mmmtl.datasets import (
    SyntheticMOTScene,
    get_profile,
    profile_ground_truth,
    write_benchmark,
)
from mmmtl.formats import read_mot_gt, read_seqinfo


def _torso(scene, identity):
    scene.next_id = identity
    return tuple(scene._new_target(0., 0., 0.).palette[3])


def test_uniforms_dress_people_alike():
    plain = SyntheticMOTScene(2, (96, 64), seed=0)
    troupe = SyntheticMOTScene(2, (96, 64), seed=0, uniforms=1)
    teams = SyntheticMOTScene(2, (96, 64), seed=0, uniforms=2)
    assert len({_torso(plain, i) for i in range(1, 9)}) == 8
    assert len({_torso(troupe, i) for i in range(1, 9)}) == 1
    assert len({_torso(teams, i) for i in range(1, 9)}) == 2


def _stats(profile, seed, frames=80):
    """Turns, speed, overlapping pairs per frame and people of a scene of
    8 people moving as the profile's (None: the default walkers)."""
    kwargs = {}
    if profile is not None:
        prof = get_profile(profile)
        kwargs = dict(uniforms=prof.uniforms, turn_prob=prof.turn_prob,
                      speed_scale=prof.speed_scale,
                      stay_in_view=prof.stay_in_view)
    scene = SyntheticMOTScene(frames, (192, 108), seed=seed, num_targets=8,
                              camera_noise=False, **kwargs)
    gt = np.concatenate([rows for _, rows in scene])
    cx, cy = gt[:, 2] + gt[:, 4] / 2, gt[:, 3] + gt[:, 5]
    turns = speed = steps = 0
    for i in np.unique(gt[:, 1]):
        sel = gt[:, 1] == i
        p = np.c_[cx[sel], cy[sel]][::4]  # every 4th frame
        d = np.diff(p, axis=0)
        norm = np.hypot(*d.T)
        speed += (norm / gt[sel, 5][::4][1:]).sum()
        steps += len(d)
        cos = (d[1:] * d[:-1]).sum(1) / np.maximum(norm[1:] * norm[:-1],
                                                    1e-9)
        turns += int(((cos < 0.5) & (norm[1:] > 1) & (norm[:-1] > 1)).sum())
    pairs = 0  # pairs of people overlapping with IoU > 0.3
    for f in np.unique(gt[:, 0]):
        b = gt[gt[:, 0] == f][:, 2:6]
        x2, y2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
        iw = np.clip(np.minimum(x2[:, None], x2) -
                     np.maximum(b[:, None, 0], b[:, 0]), 0, None)
        ih = np.clip(np.minimum(y2[:, None], y2) -
                     np.maximum(b[:, None, 1], b[:, 1]), 0, None)
        inter = iw * ih
        area = b[:, 2] * b[:, 3]
        pairs += int((np.triu(inter / (area[:, None] + area - inter), 1)
                      > 0.3).sum())
    return np.array([turns / max(steps, 1), speed / max(steps, 1),
                     pairs / len(np.unique(gt[:, 0])),
                     len(np.unique(gt[:, 1]))])


def test_motion_of_the_profiles():
    walk, dance, sport = (np.mean([_stats(p, s) for s in range(3)], 0)
                          for p in (None, 'dancetrack', 'sportsmot'))
    # dancers turn far more often and overlap each other more
    assert dance[0] > 3 * walk[0]
    assert dance[2] > 1.3 * walk[2]
    # players move faster (body heights per frame) than walkers
    assert sport[1] > 1.8 * walk[1]
    # nobody leaves the stage, no newcomer joins a full one
    assert dance[3] <= 8.5 < walk[3]


def test_layout_frame_names_and_ground_truth(tmp_path):
    root = str(tmp_path / 'DanceTrack')
    seqs = ['dancetrack0001', 'dancetrack0004', 'dancetrack0003']
    written = write_benchmark(root, 'dancetrack', seed=2, scale=1 / 12,
                              frames=6, sequences=seqs, workers=1)
    assert sorted(osp.relpath(d, root) for d in written) == [
        'test/dancetrack0003', 'train/dancetrack0001', 'val/dancetrack0004']
    val = osp.join(root, 'val', 'dancetrack0004')
    assert sorted(os.listdir(osp.join(val, 'img1')))[0] == '00000001.jpg'
    assert read_seqinfo(val).frame_rate == 20
    assert not osp.exists(osp.join(root, 'test', 'dancetrack0003', 'gt'))
    gt = read_mot_gt(osp.join(val, 'gt', 'gt.txt'))
    assert set(gt[:, 6]) == {1} and set(gt[:, 7]) == {1}
    # the in-memory ground truth is the written one (same arguments)
    mem = profile_ground_truth('dancetrack', seqs, seed=2, scale=1 / 12,
                               frames=6)
    assert [s.name for s in mem] == ['dancetrack0001', 'dancetrack0004',
                                     'dancetrack0003']
    np.testing.assert_array_equal(mem[1].gt, gt)


def test_sportsmot_files_convert(tmp_path):
    """SportsMOT's gt.txt as published: spaces after the commas,
    identities from 0; its val folder becomes the val subset."""
    import cv2

    from mmmtl.datasets import convert_mot_to_coco
    from mmmtl.formats import SeqInfo, write_seqinfo
    seq = tmp_path / 'SportsMOT' / 'val' / 'v_00HRwkvvjtQ_c001'
    (seq / 'img1').mkdir(parents=True)
    (seq / 'gt').mkdir()
    for f in (1, 2):
        cv2.imwrite(str(seq / 'img1' / f'{f:06d}.jpg'),
                    np.zeros((72, 128, 3), np.uint8))
    write_seqinfo(str(seq), SeqInfo(name=seq.name, seq_length=2,
                                    frame_rate=25, im_width=128,
                                    im_height=72))
    (seq / 'gt' / 'gt.txt').write_text(
        '1, 0, 10, 20, 8, 30, 1, 1, 1\n1, 7, 60, 20, 8, 30, 1, 1, 1\n'
        '2, 0, 12, 20, 8, 30, 1, 1, 1\n')
    summary = convert_mot_to_coco(str(tmp_path / 'SportsMOT'),
                                  str(tmp_path / 'ann'))
    assert list(summary) == ['val']
    assert summary['val']['num_identities'] == 2
    assert summary['val']['num_annotations'] == 3
