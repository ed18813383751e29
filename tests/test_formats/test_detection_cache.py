"""mmmtl.formats.detection_cache: the file format and its refusals."""
import os.path as osp

import numpy as np
import pytest

from mmmtl.formats import (
    SequenceDetections,
    cache_path,
    check_detection_cache,
    load_detection_cache,
    read_detection_cache,
    write_detection_cache,
)


def make_seq(name='SEQ-01', frames=3, dim=8, empty_frame=1, rng=None):
    rng = rng or np.random.default_rng(0)
    per_frame = []
    for t in range(frames):
        n = 0 if t == empty_frame else 4
        xy = rng.uniform(0, 100, (n, 2))
        per_frame.append((np.c_[xy, xy + 20].astype(np.float32),
                          rng.uniform(0, 1, n).astype(np.float32),
                          np.zeros(n, np.int64),
                          rng.normal(size=(n, dim)).astype(np.float32)))
    return SequenceDetections.from_frames(
        name, per_frame, dict(frame_rate=30., frame_size=[320, 192],
                              classes=['pedestrian']))


def write_gt_root(root, names_lengths):
    for name, length in names_lengths:
        seq = osp.join(root, name)
        import os
        os.makedirs(osp.join(seq, 'gt'), exist_ok=True)
        with open(osp.join(seq, 'seqinfo.ini'), 'w') as f:
            f.write(f'[Sequence]\nname={name}\nimDir=img1\nframeRate=30\n'
                    f'seqLength={length}\nimWidth=320\nimHeight=192\n'
                    'imExt=.jpg\n')


def test_round_trip_keeps_every_value_and_the_empty_frame(tmp_path):
    seq = make_seq()
    path = cache_path(str(tmp_path), seq.name)
    write_detection_cache(path, seq)
    back = read_detection_cache(path)
    assert back.name == 'SEQ-01' and back.num_frames == 3
    for t in range(3):
        for a, b in zip(seq.frame(t), back.frame(t)):
            np.testing.assert_array_equal(a, b)
    assert back.frame(1)[0].shape == (0, 4)
    assert back.meta['embed_dim'] == 8 and back.meta['frame_rate'] == 30.
    assert not osp.exists(path + '.partial.npz')


def test_float16_embeddings_halve_the_size(tmp_path):
    frames = [(np.zeros((2, 4), np.float32), np.ones(2, np.float32),
               np.zeros(2, np.int64), np.ones((2, 4), np.float32))]
    seq = SequenceDetections.from_frames('S', frames, embed_dtype='float16')
    write_detection_cache(str(tmp_path / 'S.npz'), seq)
    assert read_detection_cache(str(tmp_path / 'S.npz')).embeds.dtype == \
        np.float16


def test_a_truncated_file_is_refused_naming_it(tmp_path):
    seq = make_seq()
    path = cache_path(str(tmp_path), seq.name)
    write_detection_cache(path, seq)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='SEQ-01.npz.*unreadable'):
        read_detection_cache(path)


def test_another_npz_is_refused(tmp_path):
    path = str(tmp_path / 'X.npz')
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match='X.npz: not a detection cache'):
        read_detection_cache(path)


def test_the_wrong_embedding_width_is_refused(tmp_path):
    seq = make_seq(dim=8)
    write_detection_cache(cache_path(str(tmp_path), seq.name), seq)
    seqs = load_detection_cache(str(tmp_path))
    with pytest.raises(ValueError, match=r'SEQ-01.npz: embeddings of width '
                       r'8, but the config\'s Re-ID head gives 64'):
        check_detection_cache(seqs, str(tmp_path), embed_dim=64)
    check_detection_cache(seqs, str(tmp_path), embed_dim=8)


def test_a_cache_of_another_dataset_is_refused(tmp_path):
    seq = make_seq(name='MOT17-02')
    cache = str(tmp_path / 'cache')
    write_detection_cache(cache_path(cache, seq.name), seq)
    gt = str(tmp_path / 'gt')
    write_gt_root(gt, [('TEST-01', 3)])
    with pytest.raises(ValueError,
                       match=r"MOT17-02.npz: sequence\(s\) \['MOT17-02'\] "
                       'are not in the ground truth'):
        check_detection_cache(load_detection_cache(cache), cache,
                              gt_root=gt)


def test_frame_counts_and_missing_sequences_are_checked(tmp_path):
    seq = make_seq(name='TEST-01', frames=3)
    cache = str(tmp_path / 'cache')
    write_detection_cache(cache_path(cache, seq.name), seq)
    gt = str(tmp_path / 'gt')
    write_gt_root(gt, [('TEST-01', 5)])
    with pytest.raises(ValueError, match='TEST-01.npz: 3 frames, but .*'
                       'seqLength=5'):
        check_detection_cache(load_detection_cache(cache), cache,
                              gt_root=gt)
    write_gt_root(gt, [('TEST-01', 3), ('TEST-02', 3)])
    with pytest.raises(ValueError, match=r"no cache file for the ground-"
                       r"truth sequence\(s\) \['TEST-02'\]"):
        check_detection_cache(load_detection_cache(cache), cache,
                              gt_root=gt)


def test_an_empty_sequence_is_refused(tmp_path):
    with pytest.raises(ValueError, match='SEQ: no frames to cache'):
        SequenceDetections.from_frames('SEQ', [])
    empty = SequenceDetections(
        'E', np.zeros(1, np.int64), np.zeros((0, 4), np.float32),
        np.zeros(0, np.float32), np.zeros(0, np.int64),
        np.zeros((0, 8), np.float32))
    with pytest.raises(ValueError, match='E.npz: sequence E has no frames'):
        write_detection_cache(str(tmp_path / 'E.npz'), empty)
    with pytest.raises(ValueError, match='no <SEQ>.npz'):
        load_detection_cache(str(tmp_path))
