"""How well a model's Re-ID embeddings tell people apart, on its own
detections.

JDE and FairMOT judge a joint detector's embeddings by the true accept
rate at a fixed false accept rate (TAR@FAR) over every pair of
embeddings taken at the ground-truth boxes of a test set. What a tracker
compares is narrower: the detections it was given, in frames close
enough for a track to still be alive. :func:`embedding_quality` measures
that. Each detection of a detection cache
(:mod:`mmmtl.formats.detection_cache`) scoring at least ``score_thr`` is
matched one-to-one to a ground-truth box of its frame (Hungarian, IoU at
least ``iou_thr``) and takes that person's identity; the cosine
similarity of every pair of matched detections 1 to ``max_gap`` frames
apart is a *same* pair (one identity) or an *other* pair. Pairs within a
frame are left out: a tracker never compares them.

From the two distributions it reports the ROC AUC (the chance that a
same pair is more alike than an other pair), TAR@FAR (the share of same
pairs above the similarity that at most a share FAR of other pairs
exceeds) and the sensitivity index ``d' = (mu_same - mu_other) /
sqrt((var_same + var_other) / 2)``, the statistic with which the
adaptive tracker decides whether a video's embeddings are trusted
(``appearance_separation``, 2 by default). The similarities are counted
in bins of width :data:`BIN_WIDTH`, so memory does not grow with the
number of pairs; AUC and TAR@FAR are exact up to that width, ``d'``
exact.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmmtl.formats import (
    SequenceDetections,
    load_detection_cache,
    read_mot_gt,
)
from mmmtl.models.trackers.box_ops import box_iou, row_norms

__all__ = [
    'BIN_WIDTH', 'EmbeddingQuality', 'PairCounts', 'cache_embedding_quality',
    'embedding_quality', 'match_to_ground_truth'
]

#: Width of the cosine-similarity bins.
BIN_WIDTH = 1e-4
_NUM_BINS = int(round(2 / BIN_WIDTH))


def match_to_ground_truth(bboxes: np.ndarray, gt_bboxes: np.ndarray,
                          iou_thr: float = 0.5
                          ) -> Tuple[np.ndarray, np.ndarray]:
    """Match detections to ground-truth boxes one-to-one.

    Args:
        bboxes (np.ndarray): (M, 4) detections, x1y1x2y2.
        gt_bboxes (np.ndarray): (N, 4) ground-truth boxes, x1y1x2y2.
        iou_thr (float): Least IoU of a match. Defaults to 0.5.

    Returns:
        tuple[np.ndarray, np.ndarray]: (K,) detection and (K,)
        ground-truth indices of the assignment that maximises the summed
        IoU over the pairs of IoU at least ``iou_thr``.
    """
    if len(bboxes) == 0 or len(gt_bboxes) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty
    iou = box_iou(np.asarray(bboxes, np.float64),
                  np.asarray(gt_bboxes, np.float64))
    # pairs below the threshold cannot match, so they must not steer the
    # assignment away from pairs that can (as the MOT metrics do)
    iou[iou < iou_thr] = 0.
    rows, cols = linear_sum_assignment(iou, maximize=True)
    keep = iou[rows, cols] > 0.
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


@dataclass
class PairCounts:
    """Binned cosine similarities of same and other pairs, with their
    sums and sums of squares; two of them add up (sequences pooled).

    Attributes:
        same (np.ndarray): (B,) counts of same-identity pairs per bin.
        other (np.ndarray): (B,) counts of other pairs per bin.
        moments (np.ndarray): (2, 3) count, sum and sum of squares of the
            same (row 0) and other (row 1) similarities.
    """
    same: np.ndarray
    other: np.ndarray
    moments: np.ndarray

    @classmethod
    def empty(cls) -> 'PairCounts':
        return cls(np.zeros(_NUM_BINS, np.int64),
                   np.zeros(_NUM_BINS, np.int64), np.zeros((2, 3)))

    def add(self, sims: np.ndarray, same: np.ndarray) -> None:
        """Count the similarities ``sims`` (P,) of pairs that are of one
        identity where ``same`` (P,) is True."""
        bins = np.clip(((sims + 1) / BIN_WIDTH).astype(np.int64), 0,
                       _NUM_BINS - 1)
        for row, (hist, sel) in enumerate(((self.same, same),
                                           (self.other, ~same))):
            hist += np.bincount(bins[sel], minlength=_NUM_BINS)
            s = sims[sel].astype(np.float64)
            self.moments[row] += (s.size, s.sum(), (s * s).sum())

    def __add__(self, other: 'PairCounts') -> 'PairCounts':
        return PairCounts(self.same + other.same, self.other + other.other,
                          self.moments + other.moments)


@dataclass
class EmbeddingQuality:
    """What :func:`embedding_quality` measured on one sequence (or on
    several pooled, :meth:`pool`).

    Attributes:
        num_embeddings (int): Detections matched to a person.
        num_identities (int): People among them.
        counts (PairCounts): The pairs' similarities.
    """
    num_embeddings: int
    num_identities: int
    counts: PairCounts

    @property
    def num_pairs(self) -> Tuple[int, int]:
        """tuple[int, int]: Numbers of same and other pairs."""
        return int(self.counts.same.sum()), int(self.counts.other.sum())

    @property
    def auc(self) -> float:
        """float: ROC AUC, ties in a bin counting one half."""
        same, other = self.counts.same, self.counts.other
        n_same, n_other = self.num_pairs
        if not n_same or not n_other:
            return float('nan')
        below = np.cumsum(other) - other  # other pairs in lower bins
        wins = (same * (below + other / 2.)).sum()
        return float(wins / (n_same * n_other))

    def tar_at_far(self, far: float) -> float:
        """Share of same pairs above the least bin edge that at most a
        share ``far`` of other pairs exceed.

        Args:
            far (float): False accept rate in (0, 1).

        Returns:
            float: True accept rate in [0, 1].
        """
        n_same, n_other = self.num_pairs
        if not n_same or not n_other:
            return float('nan')
        # other pairs in bin k and above, for each k
        above = np.cumsum(self.counts.other[::-1])[::-1]
        first = int(np.argmax(above <= far * n_other))
        if above[first] > far * n_other:  # not even the top bin alone
            return 0.
        return float(self.counts.same[first:].sum() / n_same)

    @property
    def d_prime(self) -> float:
        """float: Sensitivity index ``d'`` of the two distributions."""
        n, s, ss = self.counts.moments.T
        if min(n) < 2:
            return float('nan')
        mean = s / n
        var = ss / n - mean**2
        return float((mean[0] - mean[1]) / np.sqrt(max(var.mean(), 1e-12)))

    @staticmethod
    def pool(parts: Sequence['EmbeddingQuality']) -> 'EmbeddingQuality':
        """The pairs of several sequences together (identities are
        counted per sequence)."""
        counts = PairCounts.empty()
        for part in parts:
            counts = counts + part.counts
        return EmbeddingQuality(
            sum(p.num_embeddings for p in parts),
            sum(p.num_identities for p in parts), counts)

    def summary(self, fars: Sequence[float] = (1e-3, 1e-2, 1e-1)
                ) -> Dict[str, float]:
        """The figures as a flat dict: ``embeddings``, ``identities``,
        ``same_pairs``, ``other_pairs``, ``AUC``, ``d'`` and
        ``TAR@FAR=<far>`` per ``far``."""
        out = dict(embeddings=self.num_embeddings,
                   identities=self.num_identities,
                   same_pairs=self.num_pairs[0],
                   other_pairs=self.num_pairs[1], AUC=self.auc)
        out["d'"] = self.d_prime
        out.update({f'TAR@FAR={far:g}': self.tar_at_far(far)
                    for far in fars})
        return out


def embedding_quality(seq: SequenceDetections,
                      gt: np.ndarray,
                      score_thr: float = 0.,
                      iou_thr: float = 0.5,
                      max_gap: int = 30) -> EmbeddingQuality:
    """Measure how well one sequence's cached embeddings separate people.

    Args:
        seq (SequenceDetections): The sequence's cached detections.
        gt (np.ndarray): (G, 9) ground-truth rows (``frame, id, x, y, w,
            h, conf, class, visibility``, frames from 1) as
            :func:`mmmtl.formats.read_mot_gt` returns them; rows with
            ``conf`` 0 (not to be tracked) are left out.
        score_thr (float): Least score of a detection taken. Defaults to
            0 (every cached detection).
        iou_thr (float): Least IoU of a detection with its person.
            Defaults to 0.5.
        max_gap (int): Largest frame distance of a pair; the tracker's
            ``track_buffer`` (30 in FairMOT) is the horizon it compares
            over. Defaults to 30.

    Returns:
        EmbeddingQuality: The matched embeddings and their pairs.
    """
    if max_gap < 1:
        raise ValueError(f'max_gap must be at least 1, got {max_gap}')
    gt = gt[gt[:, 6] != 0]
    by_frame = {int(f): gt[gt[:, 0] == f] for f in np.unique(gt[:, 0])}
    embeds, ids = [], []
    for t in range(seq.num_frames):
        bboxes, scores, _, emb = seq.frame(t)
        rows = by_frame.get(t + 1)
        keep = np.flatnonzero(scores >= score_thr)
        if rows is None or keep.size == 0:
            embeds.append(np.zeros((0, seq.embed_dim), np.float32))
            ids.append(np.zeros(0))
            continue
        gt_boxes = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]],
                                  axis=1)
        det, person = match_to_ground_truth(bboxes[keep], gt_boxes, iou_thr)
        e = emb[keep[det]].astype(np.float32)
        embeds.append(e / np.maximum(row_norms(e), 1e-12))
        ids.append(rows[person, 1])
    counts = PairCounts.empty()
    for t in range(seq.num_frames - 1):
        if not ids[t].size:
            continue
        later_e = np.concatenate(embeds[t + 1:t + 1 + max_gap])
        later_id = np.concatenate(ids[t + 1:t + 1 + max_gap])
        if later_id.size:
            counts.add((embeds[t] @ later_e.T).ravel(),
                       (ids[t][:, None] == later_id[None, :]).ravel())
    all_ids = np.concatenate(ids)
    return EmbeddingQuality(int(all_ids.size), int(np.unique(all_ids).size),
                            counts)


def cache_embedding_quality(cache_dir: str,
                            gt_root: Optional[str] = None,
                            seqs: Optional[Sequence[str]] = None,
                            **kwargs) -> Dict[str, EmbeddingQuality]:
    """:func:`embedding_quality` of every sequence of a detection cache.

    Args:
        cache_dir (str): Folder of ``<SEQ>.npz`` files.
        gt_root (str, optional): Folder with ``<SEQ>/gt/gt.txt``. Defaults
            to None: the ``gt_root`` each sequence's cache was written
            against.
        seqs (Sequence[str], optional): Only these sequences. Defaults to
            None (all).
        **kwargs: ``score_thr``, ``iou_thr`` and ``max_gap`` of
            :func:`embedding_quality`.

    Returns:
        dict[str, EmbeddingQuality]: Per sequence name, in the cache's
        order, and ``'OVERALL'``, the pairs of all of them pooled.

    Raises:
        FileNotFoundError: When a sequence has no ground truth.
    """
    out = {}
    for seq in load_detection_cache(cache_dir, seqs):
        root = gt_root or seq.meta.get('gt_root')
        if not root:
            raise FileNotFoundError(
                f'{cache_dir}: the cache of {seq.name} does not say which '
                'ground truth it was written against; give gt_root')
        path = osp.join(root, seq.name, 'gt', 'gt.txt')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'no ground truth for {seq.name} of {cache_dir}: {path}')
        gt = read_mot_gt(path, seq_length=seq.num_frames)
        out[seq.name] = embedding_quality(seq, gt, **kwargs)
    out['OVERALL'] = EmbeddingQuality.pool(list(out.values()))
    return out
