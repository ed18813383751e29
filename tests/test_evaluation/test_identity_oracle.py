"""The identity oracle: the same boxes, the ground truth's identities."""
import numpy as np
import pytest

pytest.importorskip('trackeval', reason='trackeval is needed for the '
                    'official matching')

from test_error_analysis import (  # noqa: E402
    _gt,
    _res,
    crossing_sequence,
)

from mmmtl.evaluation import analyse_errors, oracle_identities  # noqa: E402
from mmmtl.formats import MOTSequence  # noqa: E402


def test_exact_boxes_with_scrambled_identities_get_perfect_association():
    """Boxes on every person in every frame, identities new each frame:
    AssA is far below 1, and 1 at every alpha once the oracle relabels."""
    gt, res = [], []
    for t in range(1, 11):
        gt += [_gt(t, 1, 10), _gt(t, 2, 100)]
        res += [_res(t, 2 * t, 10), _res(t, 2 * t + 1, 100)]
    seq = MOTSequence('EXACT-01', 10, np.array(gt, float),
                      np.array(res, float))
    (tracked,), _ = analyse_errors([seq])
    (oracle,), _ = analyse_errors([oracle_identities(seq)])
    assert tracked.hota['AssA'].max() < 0.2
    np.testing.assert_allclose(oracle.hota['AssA'], 1.)
    assert oracle.counts()['IDSW'] == 0


def test_the_oracle_keeps_the_boxes_and_removes_only_identity_errors():
    """The crossing tracks' two switches go; the miss, the false positive
    and every box stay; the false positive gets an identity no person
    has; AssA rises at every alpha the boxes reach, and not to 1 (the
    miss is coverage, not association)."""
    seq = crossing_sequence()
    out = oracle_identities(seq)
    np.testing.assert_array_equal(np.delete(out.results, 1, axis=1),
                                  np.delete(seq.results, 1, axis=1))
    np.testing.assert_array_equal(out.gt, seq.gt)
    (tracked,), _ = analyse_errors([seq])
    (oracle,), _ = analyse_errors([out])
    assert tracked.counts()['IDSW'] == 2 and oracle.counts()['IDSW'] == 0
    for key in ('FN', 'FP', 'TP'):
        assert oracle.counts()[key] == tracked.counts()[key]
    fp = (seq.results[:, 1] == 9)
    assert out.results[fp, 1].item() > seq.gt[:, 1].max()
    # boxes are 1 px off: IoU 0.905, so every alpha up to 0.9 matches
    reached = oracle.alphas <= 0.9
    assert np.all(oracle.hota['AssA'][reached] >
                  tracked.hota['AssA'][reached])
    assert np.all(oracle.hota['AssA'][reached] < 1.)


def test_boxes_that_match_no_one_get_identities_of_their_own():
    """Two boxes in one frame that match nobody at iou_thr (one on a
    person at IoU 0.33) get two new identities, not one."""
    gt = np.array([_gt(1, 5, 10)], float)
    res = np.array([_res(1, 1, 20), _res(1, 1, 200)], float)
    out = oracle_identities(MOTSequence('LONE-01', 1, gt, res))
    assert len(set(out.results[:, 1])) == 2
    assert out.results[:, 1].min() > 5
    # at a lower threshold the first takes the person's identity
    out = oracle_identities(MOTSequence('LONE-01', 1, gt, res), iou_thr=0.3)
    assert out.results[0, 1] == 5 and out.results[1, 1] != 5


@pytest.mark.parametrize('iou_thr', [0., -0.1, 1.5])
def test_a_threshold_outside_the_unit_interval_is_refused(iou_thr):
    with pytest.raises(ValueError, match='iou_thr'):
        oracle_identities(crossing_sequence(), iou_thr)
