"""Offline MOTChallenge evaluation: official values, MOT17 conventions and
agreement of TrackEval with py-motmetrics."""
import os
import os.path as osp
import shutil

import motmetrics
import numpy as np
import pandas as pd
import pytest

from mmmtl.evaluation import (
    AGREEMENT_METRICS,
    compare_backends,
    evaluate_mot,
    format_table,
    unexplained_disagreement,
)
from mmmtl.formats import (
    MOTFormatError,
    SeqInfo,
    write_mot_gt,
    write_mot_results,
    write_seqinfo,
)

MM_DATA = osp.join(osp.dirname(motmetrics.__file__), 'data')
TUD = ('TUD-Campus', 'TUD-Stadtmitte')


def make_seq(root, name, seq_length, gt, results=None):
    """Write one sequence in the MOTChallenge layout under ``root``."""
    seq_dir = osp.join(root, 'gt', name)
    os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
    write_seqinfo(osp.join(seq_dir, 'seqinfo.ini'),
                  SeqInfo(name=name, seq_length=seq_length))
    write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), gt)
    os.makedirs(osp.join(root, 'res'), exist_ok=True)
    if results is not None:
        write_mot_results(osp.join(root, 'res', f'{name}.txt'), results)


@pytest.fixture(scope='module')
def tud(tmp_path_factory):
    """motmetrics' copies of two MOT15 sequences and a tracker's output."""
    root = tmp_path_factory.mktemp('tud')
    for name in TUD:
        seq_dir = root / 'gt' / name
        (seq_dir / 'gt').mkdir(parents=True)
        shutil.copy(osp.join(MM_DATA, name, 'gt.txt'), seq_dir / 'gt')
        (root / 'res').mkdir(exist_ok=True)
        shutil.copy(
            osp.join(MM_DATA, name, 'test.txt'), root / 'res' / f'{name}.txt')
        frames = [
            int(line.split(',')[0])
            for f in ('gt.txt', 'test.txt')
            for line in open(osp.join(MM_DATA, name, f)) if line.strip()
        ]
        write_seqinfo(str(seq_dir / 'seqinfo.ini'),
                      SeqInfo(name=name, seq_length=max(frames)))
    return str(root)


@pytest.fixture(scope='module')
def tud_tables(tud):
    return evaluate_mot(
        osp.join(tud, 'gt'), osp.join(tud, 'res'), backend='both',
        benchmark='MOT15')


def test_tud_official_values(tud_tables):
    """The devkit values motmetrics checks in its test_motchallenge_files
    (IDF1, IDP, IDR, Rcll, Prcn, GT, MT, ML, FP, FN, IDS, Frag, MOTA and
    MOTP as 1 - distance)."""
    expected = {
        'TUD-Campus': [0.557659, 0.729730, 0.451253, 0.582173, 0.941441, 8,
                       1, 1, 13, 150, 7, 7, 0.526462, 0.277201],
        'TUD-Stadtmitte': [0.644619, 0.819760, 0.531142, 0.608997,
                           0.939920, 10, 5, 1, 45, 452, 7, 6, 0.564014,
                           0.345904],
        'OVERALL': [0.624296, 0.799176, 0.512211, 0.602640, 0.940268, 18,
                    6, 2, 58, 602, 14, 13, 0.555116, 0.330177],
    }
    cols = ['IDF1', 'IDP', 'IDR', 'Rcll', 'Prcn', 'GT_IDs', 'MT', 'ML',
            'FP', 'FN', 'IDS', 'Frag', 'MOTA', 'MOTP']
    scale = np.array([100] * 5 + [1] * 7 + [100, -100])
    offset = np.array([0] * 13 + [100])
    for backend, table in tud_tables.items():
        for seq, values in expected.items():
            got = table.loc[seq, cols].to_numpy()
            np.testing.assert_allclose(
                got, np.array(values) * scale + offset, atol=1e-3,
                err_msg=f'{backend} {seq}')
    assert list(tud_tables['trackeval'].index) == list(TUD) + ['OVERALL']
    # HOTA only from TrackEval
    assert np.isnan(tud_tables['motmetrics']['HOTA']).all()
    hota = tud_tables['trackeval']['HOTA']
    assert (hota > 30).all() and (hota < 60).all()


def test_tud_backends_agree(tud_tables):
    assert compare_backends(tud_tables).empty
    assert compare_backends(
        tud_tables, metrics=['MT', 'ML', 'Frag', 'MOTP', 'IDP', 'IDR'],
        atol=1e-9).empty


def test_format_table(tud_tables):
    text = format_table(tud_tables['trackeval'])
    head, campus = text.splitlines()[:2]
    assert head.split() == ['Sequence', 'MOTA', 'IDF1', 'HOTA', 'MOTP',
                            'MT', 'ML', 'FP', 'FN', 'IDS']
    assert campus.split()[:2] == ['TUD-Campus', '52.6']
    assert campus.split()[-3:] == ['13', '150', '7']
    assert format_table(tud_tables['motmetrics']).splitlines()[1].split(
    )[3] == '-'


def _box(x, w=10.0):
    return [x, 0.0, w, 20.0]


def test_mot17_conventions_by_hand(tmp_path):
    """Distractors, zero-marked boxes, a switch and a miss, counted by hand.

    GT: pedestrians 1 and 2 in frames 1-3, a static person (class 7, a
    distractor) in frame 1, a zero-marked pedestrian in frame 2, a car
    (class 3) in frame 3. Tracker: track 1 on GT 1 in frames 1-2, track 2
    on GT 1 in frame 3 (one switch), track 5 on GT 2 in frames 1-2 (frame 1
    box 12 wide: IoU 10/12), a box on the distractor (dropped), one on the
    zero-marked box and one on the car (both false positives).
    """
    gt = [[t, 1, *_box(0), 1, 1, 1] for t in (1, 2, 3)]
    gt += [[t, 2, *_box(100), 1, 1, 1] for t in (1, 2, 3)]
    gt += [[1, 3, *_box(200), 0, 7, 1], [2, 4, *_box(300), 0, 1, 1],
           [3, 6, *_box(400), 0, 3, 1]]
    res = [[1, 1, *_box(0), 1], [2, 1, *_box(0), 1], [3, 2, *_box(0), 1],
           [1, 5, *_box(100, 12), 1], [2, 5, *_box(100), 1],
           [1, 7, *_box(200), 1], [2, 8, *_box(300), 1],
           [3, 9, *_box(400), 1]]
    make_seq(str(tmp_path), 'S', 3, np.array(gt, float),
             np.array(res, float))
    tables = evaluate_mot(
        str(tmp_path / 'gt'), str(tmp_path / 'res'), backend='both')
    for backend, table in tables.items():
        row = table.loc['OVERALL']
        # GT 6, TP 5, FN 1, FP 2, IDS 1 -> MOTA = 1 - 4 / 6
        assert row['FN'] == 1 and row['FP'] == 2 and row['IDS'] == 1
        assert row['MOTA'] == pytest.approx(100 / 3)
        # IDTP 4 of 6 GT and 7 kept predictions
        assert row['IDF1'] == pytest.approx(100 * 8 / 13)
        assert row['MOTP'] == pytest.approx(100 * (4 + 10 / 12) / 5)
        assert (row['MT'], row['ML']) == (1, 0)
    # MOT15 has no classes: the distractor, zero-marked and car rows are
    # dropped from GT only, so all three predictions on them count as FPs
    t15 = evaluate_mot(str(tmp_path / 'gt'), str(tmp_path / 'res'),
                       backend='both', benchmark='MOT15')
    for table in t15.values():
        assert table.loc['OVERALL', 'FP'] == 3


def test_mot20_non_mot_vehicle_is_a_distractor(tmp_path):
    gt = np.array([[1, 1, *_box(0), 1, 1, 1], [1, 2, *_box(50), 0, 6, 1]])
    res = np.array([[1, 1, *_box(0), 1], [1, 2, *_box(50), 1]])
    make_seq(str(tmp_path), 'S', 1, gt, res)
    fp = {
        b: evaluate_mot(str(tmp_path / 'gt'), str(tmp_path / 'res'),
                        backend='both', benchmark=b)
        for b in ('MOT17', 'MOT20')
    }
    for tables in fp['MOT17'].values():
        assert tables.loc['S', 'FP'] == 1
    for tables in fp['MOT20'].values():
        assert tables.loc['S', 'FP'] == 0


def _random_sequence(rng, num_frames=40, num_people=7):
    """GT with distractors and ignored boxes; a noisy tracker with misses,
    false positives, switches and predictions on distractors."""
    gt, res = [], []
    next_track = 100
    for pid in range(1, num_people + 1):
        start = rng.integers(1, num_frames // 2)
        stop = rng.integers(start + 5, num_frames + 1)
        x0, y0 = rng.uniform(0, 400), rng.uniform(0, 200)
        vx = rng.uniform(-4, 4)
        cls, conf = 1, 1
        if pid == num_people:
            cls = 7  # a static person, a distractor
        elif pid == num_people - 1:
            conf = 0  # an ignored pedestrian
        track = next_track
        next_track += 1
        for t in range(start, stop + 1):
            box = [x0 + vx * t, y0, 30.0, 70.0]
            gt.append([t, pid, *box, conf, cls, rng.uniform(0, 1)])
            if rng.random() < 0.15:
                continue  # miss
            if rng.random() < 0.05:
                track = next_track  # identity switch
                next_track += 1
            noisy = np.array(box) + rng.normal(0, 4, 4) * [1, 1, 0.5, 0.5]
            res.append([t, track, *noisy, rng.uniform(0.3, 1)])
    for t in range(1, num_frames + 1):
        if rng.random() < 0.3:  # false positive
            res.append([t, next_track, *rng.uniform(0, 400, 2), 30, 70, 0.5])
            next_track += 1
    return np.array(gt), np.array(res)


def test_backends_agree_on_mot17_style_data(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        gt, res = _random_sequence(rng)
        make_seq(str(tmp_path), f'SEQ-{i}', 40, gt, res)
    tables = evaluate_mot(
        str(tmp_path / 'gt'), str(tmp_path / 'res'), backend='both')
    # Frag is compared too: motmetrics counts one more in SEQ-0, where it
    # re-links targets after a gap (Relinks > 0): explained, not a bug
    exact = [m for m in AGREEMENT_METRICS if m != 'Frag']
    diff = compare_backends(tables, exact)
    assert diff.empty, diff
    assert list(compare_backends(tables).columns) == ['Frag']
    assert unexplained_disagreement(tables).empty
    row = tables['trackeval'].loc['OVERALL']
    # the data exercise every error type
    assert row['FP'] > 0 and row['FN'] > 0 and row['IDS'] > 0
    assert 0 < row['MOTA'] < 100 and 0 < row['HOTA'] < 100
    for m in exact:
        assert tables['trackeval'].loc['OVERALL', m] == pytest.approx(
            tables['motmetrics'].loc['OVERALL', m], abs=1e-9)


def test_sequence_without_predictions(tmp_path):
    gt = np.array([[t, 1, *_box(0), 1, 1, 1] for t in (1, 2)], float)
    make_seq(str(tmp_path), 'S', 4, gt, np.zeros((0, 7)))
    for table in evaluate_mot(
            str(tmp_path / 'gt'), str(tmp_path / 'res'),
            backend='both').values():
        assert table.loc['S', 'FN'] == 2 and table.loc['S', 'FP'] == 0
        assert table.loc['S', 'MOTA'] == 0


def test_missing_inputs(tmp_path):
    gt = np.array([[1, 1, *_box(0), 1, 1, 1]], float)
    make_seq(str(tmp_path), 'A', 2, gt, gt[:, :7])
    make_seq(str(tmp_path), 'B', 2, gt)  # no result file
    gt_root, res = str(tmp_path / 'gt'), str(tmp_path / 'res')
    with pytest.raises(FileNotFoundError, match=r'sequence .B.*B\.txt'):
        evaluate_mot(gt_root, res)
    with pytest.raises(FileNotFoundError, match="sequence 'C' not found"):
        evaluate_mot(gt_root, res, seqs=['A', 'C'])
    table = evaluate_mot(gt_root, res, seqs=['A'])['trackeval']
    assert list(table.index) == ['A', 'OVERALL']
    os.remove(tmp_path / 'gt' / 'A' / 'seqinfo.ini')
    with pytest.raises(MOTFormatError, match='seqinfo.ini not found'):
        evaluate_mot(gt_root, res, seqs=['A'])
    with pytest.raises(ValueError, match='backend'):
        evaluate_mot(gt_root, res, backend='devkit')



def test_relink_after_a_gap_is_a_definition_difference(tmp_path):
    """One target, matched to track 1 in frame 1, missed in frame 2 (the
    frame has only a false positive far away), and overlapped in frame 3 by
    track 1 (IoU 0.54) and track 2 (IoU 1). TrackEval, like the devkit,
    prefers only the track of the previous frame: it matches track 2 and
    counts a switch. motmetrics re-links the target to track 1: no switch.
    Both find the same identity optimum."""
    gt = np.array([[t, 1, *_box(0), 1, 1, 1] for t in (1, 2, 3)], float)
    res = np.array([[1, 1, *_box(0), 1], [2, 9, *_box(500), 1],
                    [3, 1, *_box(3), 1], [3, 2, *_box(0), 1]], float)
    make_seq(str(tmp_path), 'S', 3, gt, res)
    tables = evaluate_mot(
        str(tmp_path / 'gt'), str(tmp_path / 'res'), backend='both')
    te, mm = tables['trackeval'].loc['S'], tables['motmetrics'].loc['S']
    assert (te['IDS'], mm['IDS']) == (1, 0)
    assert te['FP'] == mm['FP'] == 2 and te['FN'] == mm['FN'] == 1
    assert te['MOTA'] == pytest.approx(-100 / 3)
    assert mm['MOTA'] == pytest.approx(0)
    assert te['IDF1'] == pytest.approx(mm['IDF1']) == pytest.approx(400 / 7)
    assert mm['Relinks'] == 1 and np.isnan(te['Relinks'])
    assert not compare_backends(tables).empty
    assert unexplained_disagreement(tables).empty


def test_unexplained_disagreement_rule(tmp_path):
    """CLEAR differences count as explained only where motmetrics could
    re-link; identity differences never do."""
    gt = np.array([[t, 1, *_box(0), 1, 1, 1] for t in (1, 2)], float)
    make_seq(str(tmp_path), 'S', 2, gt, gt[:, :7])
    tables = evaluate_mot(
        str(tmp_path / 'gt'), str(tmp_path / 'res'), backend='both')
    assert unexplained_disagreement(tables).empty
    tables['motmetrics'].loc[:, 'IDS'] += 1  # no re-links: unexplained
    assert list(unexplained_disagreement(tables).columns) == ['IDS']
    tables['motmetrics'].loc[:, 'Relinks'] = 1
    assert unexplained_disagreement(tables).empty
    tables['motmetrics'].loc[:, 'IDF1'] += 1  # never explained
    assert list(unexplained_disagreement(tables).columns) == ['IDF1']


def _tables_of_one_clean_sequence(tmp_path):
    gt = np.array([[t, 1, *_box(0), 1, 1, 1] for t in (1, 2)], float)
    make_seq(str(tmp_path), 'S', 2, gt, gt[:, :7])
    return evaluate_mot(
        str(tmp_path / 'gt'), str(tmp_path / 'res'), backend='both')


@pytest.mark.parametrize('column', ['MT', 'ML', 'Frag', 'MOTP', 'Rcll'])
def test_every_printed_count_is_cross_checked(tmp_path, column):
    """MT 0 vs 6 with Relinks 0 used to pass unnoticed: only MOTA, IDF1,
    FP, FN and IDS were compared."""
    tables = _tables_of_one_clean_sequence(tmp_path)
    assert compare_backends(tables).empty
    tables['motmetrics'].loc['S', column] += 6
    assert column in compare_backends(tables).columns
    assert list(unexplained_disagreement(tables).columns) == [column]


def test_nan_against_a_number_is_a_difference(tmp_path):
    tables = _tables_of_one_clean_sequence(tmp_path)
    tables['motmetrics'].loc['S', 'MOTA'] = np.nan
    diff = compare_backends(tables)
    assert diff.loc['S', 'MOTA'] == 'NaN vs number'
    assert 'MOTA' in unexplained_disagreement(tables).columns
    # NaN in both (HOTA of motmetrics is NaN by design) is no difference
    tables['trackeval'].loc['S', 'MOTA'] = np.nan
    assert compare_backends(tables).empty


def test_a_sequence_with_nothing_to_evaluate_is_named(tmp_path):
    """Ground truth of distractors only (a static person, class 7): no
    target is left, TrackEval writes MOTA 0 and motmetrics NaN. That is
    no agreement to claim, nor a disagreement: the sequence is named."""
    from mmmtl.evaluation.result_tables import sequences_without_targets
    gt = np.array([[t, 1, *_box(0), 1, 7, 1] for t in (1, 2)], float)
    make_seq(str(tmp_path), 'D', 2, gt, gt[:, :7])
    gt = np.array([[t, 1, *_box(0), 1, 1, 1] for t in (1, 2)], float)
    make_seq(str(tmp_path), 'S', 2, gt, gt[:, :7])
    tables = evaluate_mot(
        str(tmp_path / 'gt'), str(tmp_path / 'res'), backend='both')
    assert tables['trackeval'].loc['D', 'MOTA'] == 0
    assert np.isnan(tables['motmetrics'].loc['D', 'MOTA'])
    assert sequences_without_targets(tables) == ['D']
    assert compare_backends(tables).empty
    assert unexplained_disagreement(tables).empty
    # its counts are still compared
    tables['motmetrics'].loc['D', 'FP'] += 1
    assert list(unexplained_disagreement(tables).columns) == ['FP']


def test_identities_near_2_53_are_exact(tmp_path):
    """Distinct identities just below 2**53 used to be reported as one
    identity appearing twice (frame * 2**32 + id rounded in float64)."""
    from mmmtl.formats import read_mot_results
    ids = np.arange(2**53 - 40, 2**53 - 10, dtype=np.int64)
    path = tmp_path / 'r.txt'
    path.write_text(''.join(f'1,{i},0,0,10,20,1,-1,-1,-1\n' for i in ids))
    rows = read_mot_results(str(path), 1)
    assert rows[:, 1].astype(np.int64).tolist() == ids.tolist()
    # two rows of one identity are still caught
    path.write_text(f'1,{ids[3]},0,0,10,20,1,-1,-1,-1\n' * 2)
    with pytest.raises(MOTFormatError, match=f'identity {ids[3]} appears '
                       'twice'):
        read_mot_results(str(path), 1)


def test_identities_beyond_2_53_are_exact_with_their_line(tmp_path):
    """Ids near 2**62 are parsed as integers: two that differ only beyond
    float precision are two identities; the same one twice in a frame is
    named as written, with its line."""
    from mmmtl.formats import read_mot_results
    big = 2**62 + 1  # 2**62 + 1 and 2**62 + 2 are one float64
    path = tmp_path / 'r.txt'
    path.write_text('1,5,0,0,10,20,1,-1,-1,-1\n'
                    f'1,{big},0,0,10,20,1,-1,-1,-1\n'
                    f'1,{big + 1},0,0,10,20,1,-1,-1,-1\n'
                    f'2,{big + 1},0,0,10,20,1,-1,-1,-1\n')
    rows = read_mot_results(str(path), 2, renumber_large_ids=True)
    assert rows[:, 1].tolist() == [1, 2, 3, 3]
    # the float rows cannot hold them as they are: refused with the line
    with pytest.raises(MOTFormatError,
                       match=f'{path}:2: identity {big} is 2\\*\\*53'):
        read_mot_results(str(path), 2)
    path.write_text('1,5,0,0,10,20,1,-1,-1,-1\n'
                    f'1,{big + 1},0,0,10,20,1,-1,-1,-1\n'
                    f'1,{big},0,0,10,20,1,-1,-1,-1\n'
                    f'1,{big + 1},0,0,10,20,1,-1,-1,-1\n')
    with pytest.raises(MOTFormatError) as err:
        read_mot_results(str(path), 1, renumber_large_ids=True)
    assert str(err.value) == (f'{path}:4: identity {big + 1} appears twice '
                              'in frame 1 (first at line 2)')


@pytest.mark.parametrize('ident,reason', [
    ('2.5', 'identity is not an integer'),
    (str(2**63), 'identity is outside the 64-bit integers'),
    (str(-2**63 - 1), 'identity is outside the 64-bit integers'),
])
def test_identity_not_an_int64_is_named_with_file_and_line(
        tmp_path, ident, reason):
    from mmmtl.formats import read_mot_gt
    path = tmp_path / 'gt.txt'
    path.write_text('1,1,0,0,10,20,1,1,1\n'
                    f'1,{ident},0,0,10,20,1,1,1\n')
    for renumber in (False, True):
        with pytest.raises(MOTFormatError) as err:
            read_mot_gt(str(path), 1, renumber_large_ids=renumber)
        assert str(err.value) == f'{path}:2: {reason}'


def _with_large_ids(src: str, dst: str, offset: int) -> None:
    """Copy a row file with identity ``i`` written as ``offset - i``."""
    lines = []
    for line in open(src).read().splitlines():
        cols = line.split(',')
        cols[1] = str(offset - int(cols[1]))
        lines.append(','.join(cols) + '\n')
    with open(dst, 'w') as f:
        f.write(''.join(lines))


def test_identities_near_2_62_evaluate_as_small_ones(tmp_path):
    """Every identity i rewritten as 2**62 - i (consecutive ids one apart,
    one float64 for several of them, order reversed): both back-ends give
    the tables of the small ids."""
    rng = np.random.default_rng(1)
    small, large = tmp_path / 'small', tmp_path / 'large'
    for i in range(2):
        gt, res = _random_sequence(rng)
        make_seq(str(small), f'SEQ-{i}', 40, gt, res)
        make_seq(str(large), f'SEQ-{i}', 40, gt, res)
        for sub in (osp.join('gt', f'SEQ-{i}', 'gt', 'gt.txt'),
                    osp.join('res', f'SEQ-{i}.txt')):
            _with_large_ids(str(small / sub), str(large / sub), 2**62)
    text = (large / 'gt' / 'SEQ-0' / 'gt' / 'gt.txt').read_text()
    assert f',{2**62 - 1},' in text and f',{2**62 - 2},' in text
    want = evaluate_mot(str(small / 'gt'), str(small / 'res'),
                        backend='both')
    got = evaluate_mot(str(large / 'gt'), str(large / 'res'),
                       backend='both')
    for backend in ('trackeval', 'motmetrics'):
        assert want[backend]['IDS'].sum() > 0
        pd.testing.assert_frame_equal(got[backend], want[backend])


def test_error_events_name_the_identities_of_the_files(tmp_path):
    """Identities that float64 holds exactly are read as written, so the
    error analysis (and its pictures) name the file's own ids; only a file
    with an identity of 2**53 or more is numbered 1..K."""
    from mmmtl.evaluation import analyse_errors, load_sequences
    rng = np.random.default_rng(1)
    plain, shifted = tmp_path / 'plain', tmp_path / 'shifted'
    gt, res = _random_sequence(rng)
    make_seq(str(plain), 'SEQ-0', 40, gt, res)
    gt_big, res_big = gt.copy(), res.copy()
    gt_big[:, 1] += 1000
    res_big[:, 1] += 5000
    make_seq(str(shifted), 'SEQ-0', 40, gt_big, res_big)
    seq = load_sequences(str(shifted / 'gt'), str(shifted / 'res'))[0]
    assert set(seq.gt[:, 1]) == set(gt_big[:, 1])
    assert set(seq.results[:, 1]) == set(res_big[:, 1])
    errors, _ = analyse_errors([seq])
    switches = [s for f in errors[0].frames for s in f.switches]
    assert switches
    assert all(s.gt_id > 1000 and s.track_id > 5000 for s in switches)
    base = analyse_errors(
        load_sequences(str(plain / 'gt'), str(plain / 'res')))[0][0]
    assert errors[0].counts() == base.counts()
