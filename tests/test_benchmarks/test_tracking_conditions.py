"""benchmarks/tracking_conditions.py: the ``dancetrack`` condition is the
``dancetrack`` profile's ground truth, with look-alike appearances."""
import importlib.util
import os.path as osp

import numpy as np

from mmmtl.datasets import profile_ground_truth

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _conditions():
    spec = importlib.util.spec_from_file_location(
        'tracking_conditions',
        osp.join(ROOT, 'benchmarks', 'tracking_conditions.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mean_cross_similarity(dets: dict) -> float:
    """Mean cosine similarity of the embeddings of two detections of one
    frame (different people)."""
    sims = []
    for _, _, emb in dets['frames']:
        if len(emb) > 1:
            e = emb / np.linalg.norm(emb, axis=1, keepdims=True)
            s = e @ e.T
            sims.append(s[np.triu_indices(len(e), 1)].mean())
    return float(np.mean(sims))


def test_dancetrack_condition_is_the_profile():
    tc = _conditions()
    assert 'dancetrack' in tc.CONDITIONS
    seqs = tc.dancetrack_sequences(20)
    truth = profile_ground_truth('dancetrack',
                                 ['dancetrack0001', 'dancetrack0002'],
                                 seed=3000, frames=20, camera_noise=False)
    assert [s.name for s in seqs] == [t.name for t in truth]
    for seq, t in zip(seqs, truth):
        assert seq.frame_rate == 20
        rows = t.gt[t.gt[:, 8] > 0][:, :6].copy()
        rows[:, 2:6] *= 2
        np.testing.assert_array_equal(seq.gt, rows)
    # appearance helps little: the dancers' embeddings look alike, far
    # more than the same people's under the 'appearance' condition
    dance = _mean_cross_similarity(tc.make_detections(seqs[0], 'dancetrack',
                                                      0))
    plain = _mean_cross_similarity(tc.make_detections(seqs[0], 'appearance',
                                                      0))
    assert dance > 2 * plain, (dance, plain)  # measured 0.34 vs 0.12


def test_paired_against_pairs_runs_by_label():
    paired_against = _conditions().paired_against
    rows = {
        'base': dict(runs={'a': dict(HOTA=50., IDS=10),
                           'b': dict(HOTA=52., IDS=12),
                           'c': dict(HOTA=54., IDS=9)}),
        # ran on two of the three inputs, listed in another order
        'other': dict(runs={'c': dict(HOTA=50., IDS=8),
                            'a': dict(HOTA=49., IDS=14)}),
        'no runs': dict(HOTA=1.),
    }
    out = paired_against(rows, 'base', metrics=('HOTA', 'IDS'))
    assert set(out) == {'other'}
    hota = out['other']['HOTA']
    # pairs a (50 - 49) and c (54 - 50); b has no partner
    assert hota['n'] == 2 and hota['mean'] == 2.5
    assert hota['base_ahead'] == 2
    assert hota['ci95'][0] < 2.5 < hota['ci95'][1]
    ids = out['other']['IDS']
    # fewer switches is ahead: a (10 < 14) yes, c (9 > 8) no
    assert ids['mean'] == -1.5 and ids['base_ahead'] == 1
    assert paired_against({'other': rows['other']}, 'base') == {}


def test_paired_against_averages_a_group_before_the_interval():
    paired_against = _conditions().paired_against
    rows = {
        'base': dict(runs={'a': dict(HOTA=50.), 'b': dict(HOTA=52.),
                           'c': dict(HOTA=54.)}),
        'other': dict(runs={'a': dict(HOTA=49.), 'b': dict(HOTA=49.),
                            'c': dict(HOTA=50.)}),
    }
    # a and b were tested on the same sequences: one pair, mean of 1 and 3
    groups = {'a': 's0', 'b': 's0', 'c': 's1'}
    hota = paired_against(rows, 'base', ('HOTA', ), groups)['other']['HOTA']
    assert hota['n'] == 2 and hota['mean'] == 3.0
    assert paired_against(rows, 'base', ('HOTA', ))['other']['HOTA'][
        'n'] == 3


def test_test_set_id_names_the_ground_truth_not_the_path():
    test_set_id = _conditions().test_set_id
    gt = np.array([[1, 1, 10, 10, 5, 5]], np.float64)
    same = [dict(gt=gt.copy(), where='a'), dict(gt=gt + 1)]
    assert test_set_id(same) == test_set_id([dict(gt=gt), dict(gt=gt + 1)])
    assert test_set_id(same) != test_set_id([dict(gt=gt), dict(gt=gt + 2)])
