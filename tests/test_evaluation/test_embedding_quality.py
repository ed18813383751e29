"""Embedding separability on detection caches: matching, pairs, AUC,
TAR@FAR and d', checked against hand counts."""
import numpy as np
import pytest

from mmmtl.evaluation import (
    EmbeddingQuality,
    embedding_quality,
    match_to_ground_truth,
)
from mmmtl.evaluation.embedding_quality import BIN_WIDTH, PairCounts


def _gt(rows):
    """(G, 9) ground truth from (frame, id, x, y, w, h[, conf])."""
    out = []
    for r in rows:
        conf = r[6] if len(r) > 6 else 1
        out.append(list(r[:6]) + [conf, 1, 1])
    return np.asarray(out, np.float64)


def _sequence(frames, dim=2):
    """A cache sequence from per-frame lists of (box, score, embed)."""
    from mmmtl.formats import SequenceDetections
    return SequenceDetections.from_frames('SEQ', [
        (np.asarray([d[0] for d in f], np.float32).reshape(-1, 4),
         np.asarray([d[1] for d in f], np.float32),
         np.zeros(len(f), np.int64),
         np.asarray([d[2] for d in f], np.float32).reshape(-1, dim))
        for f in frames
    ])


def _counts(same, other):
    counts = PairCounts.empty()
    sims = np.asarray(same + other, np.float64)
    counts.add(sims, np.arange(sims.size) < len(same))
    return EmbeddingQuality(0, 0, counts)


def test_match_maximises_the_summed_iou_one_to_one():
    # boxes of height 10: IoU is that of the x intervals
    gt = np.array([[0, 0, 10, 10], [4, 0, 14, 10]], np.float64)
    # A overlaps person 0 by 9/11 and person 1 by 7/13; B only person 0
    # (7/13): matching A to person 0 first would leave B unmatched
    dets = np.array([[1, 0, 11, 10], [-3, 0, 7, 10], [50, 50, 60, 60]])
    det, person = match_to_ground_truth(dets, gt, iou_thr=0.5)
    assert sorted(zip(det.tolist(), person.tolist())) == [(0, 1), (1, 0)]
    # at 0.6 only A - person 0 can match, and the pairs below the
    # threshold do not pull the assignment away from it
    det, person = match_to_ground_truth(dets, gt, iou_thr=0.6)
    assert det.tolist() == [0] and person.tolist() == [0]
    empty = match_to_ground_truth(np.zeros((0, 4)), gt)
    assert empty[0].size == 0 and empty[1].size == 0


def test_pairs_span_1_to_max_gap_frames_never_one_frame():
    a, b = [0, 0, 10, 10], [20, 0, 30, 10]
    frames = [[(a, .9, [1, 0]), (b, .9, [0, 1])]] * 3
    gt = _gt([(t, i + 1, 20 * i, 0, 10, 10) for t in (1, 2, 3)
              for i in (0, 1)])
    q = embedding_quality(_sequence(frames), gt, max_gap=1)
    # frames 1-2 and 2-3: two same and two other pairs each
    assert q.num_pairs == (4, 4)
    assert (q.num_embeddings, q.num_identities) == (6, 2)
    q = embedding_quality(_sequence(frames), gt, max_gap=2)
    assert q.num_pairs == (6, 6)
    # perfectly separated embeddings
    assert q.auc == 1. and q.tar_at_far(1e-3) == 1.
    assert q.d_prime > 100
    with pytest.raises(ValueError, match='max_gap'):
        embedding_quality(_sequence(frames), gt, max_gap=0)


def test_low_scores_unmatched_boxes_and_ignored_people_are_left_out():
    a, b = [0, 0, 10, 10], [20, 0, 30, 10]
    frames = [[(a, .9, [1, 0]), (b, .2, [0, 1])],
              [(a, .9, [1, 0]), (b, .9, [0, 1]), ([60, 0, 70, 10], .9,
                                                  [1, 1])]]
    gt = _gt([(1, 1, 0, 0, 10, 10), (1, 2, 20, 0, 10, 10),
              (2, 1, 0, 0, 10, 10), (2, 2, 20, 0, 10, 10, 0)])
    q = embedding_quality(_sequence(frames), gt, score_thr=0.5)
    # frame 1: only a (b scores 0.2); frame 2: a (b's person has conf 0,
    # the third box matches no one)
    assert q.num_embeddings == 2 and q.num_pairs == (1, 0)
    q = embedding_quality(_sequence(frames), gt)
    assert q.num_embeddings == 3 and q.num_pairs == (1, 1)


def test_auc_tar_and_d_prime_equal_hand_counts():
    same = [0.9, 0.8, 0.3]
    other = [0.85, 0.5, 0.2, 0.1, 0.0, -0.1, -0.2, -0.3, -0.4, -0.5]
    q = _counts(same, other)
    # AUC: the same pairs beat 10, 9 (not 0.85) and 8 of the 10 others
    assert q.auc == pytest.approx((10 + 9 + 8) / 30)
    # FAR 0.1 of 10 others lets one (0.85) above: the threshold sits just
    # above 0.5, so 0.9 and 0.8 are accepted
    assert q.tar_at_far(0.1) == pytest.approx(2 / 3)
    # FAR 0.01 lets none above: only what beats 0.85
    assert q.tar_at_far(0.01) == pytest.approx(1 / 3)
    s, o = np.array(same), np.array(other)
    d = (s.mean() - o.mean()) / np.sqrt((s.var() + o.var()) / 2)
    assert q.d_prime == pytest.approx(d)
    # identical embeddings everywhere tell no one apart
    q = _counts([1.0] * 4, [1.0] * 4)
    assert q.auc == 0.5 and q.tar_at_far(0.1) == 0.
    assert BIN_WIDTH <= 1e-4


def test_pooled_sequences_add_their_pairs():
    a = _counts([0.9, 0.7], [0.1])
    b = _counts([0.2], [0.3, 0.8])
    both = EmbeddingQuality.pool([a, b])
    ref = _counts([0.9, 0.7, 0.2], [0.1, 0.3, 0.8])
    assert both.num_pairs == (3, 3)
    assert both.auc == pytest.approx(ref.auc)
    assert both.d_prime == pytest.approx(ref.d_prime)
    summary = both.summary((0.5, ))
    assert summary['same_pairs'] == 3 and 'TAR@FAR=0.5' in summary
