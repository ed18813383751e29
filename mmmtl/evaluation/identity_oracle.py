"""A tracker's boxes with perfect association, to split AssA.

HOTA's AssA falls below 100 for two reasons: the tracker gives a person
more than one identity (or one identity to several people), and the
person's boxes do not match it in every frame (missed, or off by more
than the localisation threshold alpha). :func:`oracle_identities` keeps
every box of a result and replaces its identities with the ground truth's:
each box takes the identity of the person it matches in its frame, so
the association is as good as these boxes allow. Evaluated beside the
tracker's own identities, the gap between the two AssA values is what
association loses; what the oracle's AssA still lacks is localisation
and coverage. The oracle matches at ``iou_thr``, so it is perfect at
HOTA's thresholds ``alpha >= iou_thr`` and pessimistic below them (a box
that matches nobody at ``iou_thr`` gets an identity of its own).
"""
import dataclasses

import numpy as np

from mmmtl.formats.motchallenge import MOTSequence

from .embedding_quality import match_to_ground_truth


def oracle_identities(sequence: MOTSequence,
                      iou_thr: float = 0.5) -> MOTSequence:
    """The same result boxes, each with the identity of the person it
    matches.

    Args:
        sequence (MOTSequence): Validated ground truth and results
            (:func:`~mmmtl.evaluation.load_sequences`).
        iou_thr (float): Least IoU at which a box takes a person's
            identity. Defaults to 0.5.

    Returns:
        MOTSequence: ``sequence`` with ``results`` ``(P, 7)`` of the same
        rows and boxes; in each frame the boxes are matched one-to-one to
        the evaluated people (ground-truth rows with a non-zero ``conf``;
        Hungarian, summed IoU, pairs of IoU at least ``iou_thr``), a
        matched box takes its person's identity and every other box an
        identity of its own, above every ground-truth identity.

    Raises:
        ValueError: If ``iou_thr`` is not in (0, 1].
    """
    if not 0. < iou_thr <= 1.:
        raise ValueError(f'iou_thr must be in (0, 1], got {iou_thr}')
    gt = sequence.gt[sequence.gt[:, 6] != 0]
    results = sequence.results.copy()
    ids = np.empty(len(results), results.dtype)
    # identities of their own for the boxes that match no one
    spare = (int(sequence.gt[:, 1].max()) if len(sequence.gt) else 0) + 1

    def corners(rows):
        return np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]],
                              axis=1)

    for frame in np.unique(results[:, 0]):
        boxes = np.flatnonzero(results[:, 0] == frame)
        people = gt[gt[:, 0] == frame]
        det, person = match_to_ground_truth(
            corners(results[boxes]), corners(people), iou_thr)
        own = np.setdiff1d(np.arange(len(boxes)), det)
        ids[boxes[det]] = people[person, 1]
        ids[boxes[own]] = spare + np.arange(len(own))
        spare += len(own)
    results[:, 1] = ids
    return dataclasses.replace(sequence, results=results)
