"""Synthetic MOT sequences: determinism, tight boxes, visibility, layout."""
import configparser
import os.path as osp

import cv2
import numpy as np
import pytest

from mmmtl.datasets import (
    GT_COLUMNS,
    SyntheticMOTScene,
    generate_sequence,
    write_mot_split,
)

W, H = 160, 96
FRAME, ID, X, Y, BW, BH, CONF, CLS, VIS = range(len(GT_COLUMNS))


@pytest.fixture(scope='module')
def clean():
    """A sequence without camera noise, with its background."""
    scene = SyntheticMOTScene(
        num_frames=120, size=(W, H), seed=3, num_targets=8,
        camera_noise=False)
    m = scene.margin
    background = scene.background[m:m + H, m:m + W]
    frames, gts = zip(*scene)
    return np.stack(frames), np.concatenate(gts), background


def test_deterministic_by_seed():
    f1, g1 = generate_sequence(12, (W, H), seed=5)
    f2, g2 = generate_sequence(12, (W, H), seed=5)
    f3, g3 = generate_sequence(12, (W, H), seed=6)
    assert f1.shape == (12, H, W, 3) and f1.dtype == np.uint8
    assert g1.shape[1] == len(GT_COLUMNS)
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_equal(g1, g2)
    assert not np.array_equal(f1, f3)
    # Another sequence of the same call is another scene.
    f4, _ = generate_sequence(12, (W, H), seed=5, seq_index=1)
    assert not np.array_equal(f1, f4)
    # Iterating a scene again replays it.
    scene = SyntheticMOTScene(12, (W, H), seed=5)
    first = np.stack([f for f, _ in scene])
    np.testing.assert_array_equal(first, np.stack([f for f, _ in scene]))
    np.testing.assert_array_equal(first, f1)


def test_gt_rows_follow_mot17(clean):
    frames, gt, _ = clean
    assert set(np.unique(gt[:, FRAME])) == set(range(1, len(frames) + 1))
    assert (gt[:, CONF] == 1).all() and (gt[:, CLS] == 1).all()
    assert (gt[:, BW] >= 5).all() and (gt[:, BH] >= 12).all()
    # One row per identity and frame, sorted by frame.
    keys = gt[:, FRAME] * 1e6 + gt[:, ID]
    assert len(np.unique(keys)) == len(gt)
    assert (np.diff(gt[:, FRAME]) >= 0).all()


def test_gt_boxes_are_tight_around_drawn_targets(clean):
    frames, gt, background = clean
    checked = 0
    for t, frame in enumerate(frames):
        rows = gt[gt[:, FRAME] == t + 1]
        drawn = (frame != background).any(axis=2)
        inside = np.zeros_like(drawn)
        for r in rows:
            x0, y0 = int(r[X]) - 1, int(r[Y]) - 1  # 1-based in gt
            x1, y1 = x0 + int(r[BW]), y0 + int(r[BH])
            inside[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
            if r[VIS] == 1.0:
                # Fully visible: the silhouette touches all four sides.
                box = drawn[y0:y1, x0:x1]
                assert box[0].any() and box[-1].any(), r
                assert box[:, 0].any() and box[:, -1].any(), r
                checked += 1
        # Nothing is drawn outside the boxes.
        assert not (drawn & ~inside).any(), f'frame {t + 1}'
    assert checked > 100


def test_visibility_from_occlusion_and_border(clean):
    _, gt, _ = clean
    vis = gt[:, VIS]
    assert ((vis >= 0) & (vis <= 1)).all()
    occluded = 0
    for t in np.unique(gt[:, FRAME]):
        rows = gt[gt[:, FRAME] == t]
        x0, y0 = rows[:, X] - 1, rows[:, Y] - 1
        x1, y1 = x0 + rows[:, BW], y0 + rows[:, BH]
        for i in range(len(rows)):
            # Nearer targets stand lower in the image (feet nearer the
            # bottom); equal bottoms are ambiguous and skipped.
            nearer = y1 > y1[i]
            overlap = ((np.minimum(x1, x1[i]) > np.maximum(x0, x0[i])) &
                       (np.minimum(y1, y1[i]) > np.maximum(y0, y0[i])))
            in_image = (x0[i] >= 0 and y0[i] >= 0 and x1[i] <= W
                        and y1[i] <= H)
            if (overlap & nearer).any():
                assert rows[i, VIS] < 1
                occluded += 1
            elif in_image and not (overlap & (y1 == y1[i])).sum() > 1:
                assert rows[i, VIS] == 1
            if not in_image:
                assert rows[i, VIS] < 1
    assert occluded > 20


def test_targets_enter_and_leave_at_borders(clean):
    frames, gt, _ = clean
    T = len(frames)

    def at_border(r):
        return (r[X] <= 1 or r[Y] <= 1 or r[X] - 1 + r[BW] >= W
                or r[Y] - 1 + r[BH] >= H)

    entries = exits = 0
    for identity in np.unique(gt[:, ID]):
        rows = gt[gt[:, ID] == identity]
        # Tracks are continuous: no gaps between first and last frame.
        assert len(rows) == rows[-1, FRAME] - rows[0, FRAME] + 1
        if rows[0, FRAME] > 1:
            assert at_border(rows[0])
            entries += 1
        if rows[-1, FRAME] < T:
            assert at_border(rows[-1])
            exits += 1
    assert entries >= 2 and exits >= 2


def test_perspective_far_is_small(clean):
    _, gt, _ = clean
    bottom = gt[:, Y] + gt[:, BH]
    assert np.corrcoef(bottom, gt[:, BH])[0, 1] > 0.8


def test_write_split_layout_and_unique_identities(tmp_path):
    seq_dirs = write_mot_split(
        str(tmp_path), num_seqs=2, num_frames=6, size=(W, H), seed=2,
        split='train', num_targets=4)
    assert [osp.basename(d) for d in seq_dirs] == ['SYN2-01', 'SYN2-02']
    ids = []
    for seq_dir in seq_dirs:
        info = configparser.ConfigParser()
        info.optionxform = str
        info.read(osp.join(seq_dir, 'seqinfo.ini'))
        seq = info['Sequence']
        assert seq['name'] == osp.basename(seq_dir)
        assert (seq['imDir'], seq['imExt']) == ('img1', '.jpg')
        assert (int(seq['seqLength']), int(seq['imWidth']),
                int(seq['imHeight'])) == (6, W, H)
        # mmdet's mot2coco.py reads the keys by line position.
        lines = open(osp.join(seq_dir, 'seqinfo.ini')).read().splitlines()
        assert [ln.split('=')[0] for ln in lines[1:8]] == [
            'name', 'imDir', 'frameRate', 'seqLength', 'imWidth',
            'imHeight', 'imExt'
        ]
        img = cv2.imread(osp.join(seq_dir, 'img1', '000006.jpg'))
        assert img.shape == (H, W, 3)
        gt = np.loadtxt(osp.join(seq_dir, 'gt', 'gt.txt'), delimiter=',')
        assert gt.shape[1] == 9 and gt[:, 0].max() == 6
        ids.append(set(gt[:, 1].astype(int)))
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    # The first sequence equals the in-memory one of the same call.
    _, gt_mem = generate_sequence(6, (W, H), seed=2, num_targets=4)
    gt_disk = np.loadtxt(
        osp.join(seq_dirs[0], 'gt', 'gt.txt'), delimiter=',')
    np.testing.assert_allclose(gt_disk, gt_mem)



def test_write_split_pans_chosen_sequences(tmp_path):
    still = write_mot_split(str(tmp_path / 'a'), num_seqs=2, num_frames=4,
                            size=(W, H), seed=2, num_targets=3)
    mixed = write_mot_split(str(tmp_path / 'b'), num_seqs=2, num_frames=4,
                            size=(W, H), seed=2, num_targets=3,
                            pan=[0., 3.])

    def gt(seq):
        return open(osp.join(seq, 'gt', 'gt.txt')).read()

    assert gt(still[0]) == gt(mixed[0])  # the fixed camera is unchanged
    assert gt(still[1]) != gt(mixed[1])  # the panned view moves the boxes
    with pytest.raises(ValueError, match='pan'):
        write_mot_split(str(tmp_path / 'c'), num_seqs=2, pan=[1.])
