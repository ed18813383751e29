"""tools/analysis_tools/run_ablation.py: the study's runs, resumption,
statistics and the report regenerated from the stored JSON."""
import json
import os
import os.path as osp

import pytest
from _tool_loader import load_tool
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'run_ablation.py')


@pytest.fixture(scope='module')
def tool():
    return load_tool('analysis_tools', 'run_ablation.py')


def fake_run(tool, args, config, seed, metrics, iters=None, every=None,
             weights=None, per_sequence=None, **point):
    iters = iters or args.iters
    key = tool.run_key(args, seed, iters, every)
    metrics = dict(dict(DetA=50., AssA=50., MOTP=75.), **metrics)
    points = [
        dict(iter=it, metrics=metrics, per_sequence=per_sequence or {},
             weights=weights or {}, **point)
        for it in (range(every, iters + 1, every) if every else [iters])
    ]
    tool.save_json(
        tool.store_path(args, config, key),
        dict(config=config, seed=seed, iters=iters, batch_size=8,
             data=key, points=points))


def test_every_row_is_a_config_that_loads(tool):
    configs = {c for t in tool.TABLES.values() for _, c, _ in t['rows']}
    assert len(configs) >= 23
    for config in configs:
        cfg = Config.fromfile(osp.join(ROOT, config))
        assert cfg.model.type == 'OneShotMOT', config
        assert cfg.train_cfg.type == 'IterBasedTrainLoop', config
    for _, _, a, b in tool.CLAIMS:
        assert a in configs and b in configs


def test_stored_points_are_skipped_and_missing_ones_run(
        tool, tmp_path, monkeypatch):
    args = tool.parse_args(['heads', '--out', str(tmp_path / 'out'),
                            '--store', str(tmp_path / 'store'),
                            '--doc', str(tmp_path / 'doc.md'), '--iters',
                            '7', '--seeds', '0', '1'])
    rows = tool.TABLES['heads']['rows']
    for i, (_, config, _) in enumerate(rows):
        fake_run(tool, args, config, 0, dict(MOTA=70., IDF1=60., HOTA=50.,
                                             IDS=10.))
        if i > 0:  # the first row misses seed 1
            fake_run(tool, args, config, 1, dict(MOTA=80., IDF1=60.,
                                                 HOTA=52., IDS=12.))
    calls = []
    monkeypatch.setattr(
        'mmmtl.datasets.make_synthmot_data', lambda *a, **k: None)
    monkeypatch.setattr(
        tool, 'run_child', lambda out, log, config, seed, *a:
        calls.append((config, seed)) or 1)
    assert tool.run_tables(args) == 1  # the one missing run failed
    assert calls == [(rows[0][1], 1)]
    table = '\n'.join(tool.row_table(args, 'heads'))
    assert '75.0 ± 7.1 [70.0, 80.0]' in table  # sample sd of 70 and 80
    assert '70.0 [70.0]' in table
    fake_run(tool, args, rows[0][1], 1, dict(MOTA=80., IDF1=60., HOTA=52.,
                                             IDS=12.))
    calls.clear()
    assert tool.run_tables(args) == 0 and calls == []


def test_configs_runs_only_the_named_rows_and_refuses_others(
        tool, tmp_path, monkeypatch, capsys):
    args = tool.parse_args(['balancers', 'heads', '--configs',
                            'ce-lwf-literal-senet', 'double-branch-reg-head',
                            '--out', str(tmp_path), '--store',
                            str(tmp_path / 's'), '--seeds', '0', '1'])
    calls = []
    monkeypatch.setattr(tool, 'run', lambda args, config, seed, *a:
                        calls.append((tool.row_name(config), seed)) or True)
    assert tool.run_tables(args) == 0
    assert calls == [('ce-lwf-literal-senet', 0),
                     ('ce-lwf-literal-senet', 1),
                     ('double-branch-reg-head', 0),
                     ('double-branch-reg-head', 1)]
    with pytest.raises(SystemExit):
        tool.parse_args(['heads', '--configs', 'ce-lwf-literal-senet'])
    err = capsys.readouterr().err
    assert "--configs: ['ce-lwf-literal-senet'] are not rows" in err
    assert 'double-branch-reg-head' in err


def test_a_curve_resumes_at_its_first_missing_point(tool, tmp_path,
                                                    monkeypatch):
    args = tool.parse_args(['curve', '--out', str(tmp_path / 'out'),
                            '--store', str(tmp_path / 'store'),
                            '--curve-iters', '30', '--eval-every', '10'])
    config = tool.CURVE_ROWS[0][1]
    key = tool.run_key(args, 0, 30, 10)
    tool.save_json(
        tool.store_path(args, config, key),
        dict(config=config, seed=0, iters=30, batch_size=8, data=key,
             points=[dict(iter=10, metrics=dict(HOTA=1.), weights={})]))
    calls = []

    def fake_child(out_json, log, config, seed, run_dir, data_root, iters,
                   since, until, batch, cache):
        calls.append((config, since, until, cache is not None))
        with open(out_json, 'w') as f:
            json.dump(dict(iter=until, metrics=dict(HOTA=float(until)),
                           weights={}), f)
        return 0

    monkeypatch.setattr(
        'mmmtl.datasets.make_synthmot_data', lambda *a, **k: None)
    monkeypatch.setattr(tool, 'run_child', fake_child)
    assert tool.run_tables(args) == 0
    first = [c for c in calls if c[0] == config]
    # resumes after the stored point; only the last point keeps a cache
    assert first == [(config, 10, 20, False), (config, 20, 30, True)]
    stored = tool.load_json(tool.store_path(args, config, key))
    assert [p['iter'] for p in stored['points']] == [10, 20, 30]


def test_verdicts_follow_the_interval(tool):
    assert tool.verdict(-0.4, 4.4, 3) == 'inconclusive at n = 3'
    assert tool.verdict(0.5, 1.0, 3) == 'supported'
    assert tool.verdict(-1.0, -0.2, 3) == 'contradicted'
    # a single pair has no interval (nan ends)
    assert tool.verdict(float('nan'), float('nan'), 1) == \
        'inconclusive at n = 1'
    assert tool.verdict(-1.0, -0.2, 3, higher_better=False) == 'supported'


def test_report_rewrites_only_its_part_and_is_deterministic(
        tool, tmp_path):
    doc = tmp_path / 'doc.md'
    doc.write_text('# Title\n\nprose\n\n' + tool.BEGIN +
                   '\nstale generated part\n' + tool.END +
                   '\n\nmore prose\n')
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(doc), '--seeds', '7'])
    for seed, (f, e) in enumerate([(52., 50.), (55., 51.), (50., 50.5)]):
        fake_run(tool, args, tool.PLAIN, seed, dict(MOTA=70., IDF1=60.,
                                                   HOTA=f, IDS=5.))
        fake_run(tool, args, tool.synth('double-branch-reg-head'), seed,
                 dict(MOTA=69., IDF1=61., HOTA=e, IDS=6.))
    tool.write_report(args)
    text = doc.read_text()
    assert text.startswith('# Title\n\nprose\n\n' + tool.BEGIN)
    assert text.endswith(tool.END + '\n\nmore prose\n')
    assert 'stale generated part' not in text
    # the seeds the store has, not --seeds
    assert "seeds [0, 1, 2] (a row's n is the number of them" in text
    # (f) - (e) HOTA: 2, 4, -0.5 -> mean 1.8, inconclusive at n = 3
    assert '| CE module: (f) - (e) | 3 | 5 (interim) | +1.0 [+1.0, +1.0] |' \
        in text
    assert 'inconclusive at n = 3' in text
    tool.write_report(args)
    assert doc.read_text() == text


def test_parts_table_averages_the_seeds_and_the_late_weights(
        tool, tmp_path):
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(tmp_path / 'doc.md')])
    for seed, (det, w_reg) in enumerate([(56., 0.1), (58., 0.3)]):
        # late weights: the mean from iters - 400 on (1.0 and 3.0 -> 2.0)
        weights = dict(cls=[[100, 1.5], [args.iters - 400, 1.0],
                            [args.iters, 3.0]],
                       reg=[[100, 0.5], [args.iters, w_reg]],
                       reid=[[100, 1.0], [args.iters, 1.0]])
        fake_run(tool, args, tool.QUICKSTART, seed,
                 dict(DetA=det, AssA=48., MOTP=74.), weights=weights)
    # The plain sum ran too but logged no weights; (e) never ran.
    fake_run(tool, args, tool.PLAIN, 0, dict(DetA=60.))
    lines = tool.parts_table(args)
    assert lines[2] == '| (f) double branch-reg + CE | `ce-head` | 1 | ' \
        '60.0 | 50.0 | 75.0 | - |'
    assert lines[3] == '| LWF, safeguarded (default) | `ce-lwf` | 2 | ' \
        '57.0 | 48.0 | 74.0 | 2.00 / 0.20 / 1.00 |'
    # Each config once, though the plain sum is a row of both tables.
    assert len(lines) == 4


def test_sequences_table_pairs_each_sequence_by_seed(tool, tmp_path):
    """Each claim's HOTA difference per held-out sequence, paired by seed;
    the last sequence is marked as the panning one; a claim whose rows
    have not both run reads 'not run'."""
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(tmp_path / 'doc.md')])
    assert tool.sequences_table(args) == [
        'No claim has per-sequence results yet.']
    a, b = tool.CLAIMS[0][2:]
    # (f) - (e): TEST-01 +1, +2, +3; TEST-02 -4 in every seed
    for seed in range(3):
        for config, h1, h2 in ((a, 50. + seed + 1, 40.), (b, 50., 44.)):
            fake_run(tool, args, config, seed, dict(HOTA=0.),
                     per_sequence={'TEST-01': dict(HOTA=h1),
                                   'TEST-02': dict(HOTA=h2)})
    lines = tool.sequences_table(args)
    assert lines[2] == ('| claim | n | Δ HOTA TEST-01 [95 % CI] (per seed) '
                        '| Δ HOTA TEST-02 (pans) [95 % CI] (per seed) |')
    assert lines[4] == ('| CE module: (f) - (e) | 3 | '
                        '+2.0 [-0.5, +4.5] (+1.0, +2.0, +3.0) | '
                        '-4.0 [-4.0, -4.0] (-4.0, -4.0, -4.0) |')
    assert lines[5] == ('| ' + tool.CLAIMS[1][0] +
                        ' | 0 | not run | not run |')
    assert len(lines) == 6 + len(tool.CLAIMS)
    # The count under the table is the table's: only the interval at
    # -4.0 [-4.0, -4.0] excludes 0, of the two that ran.
    assert lines[-1] == ('1 of the 2 intervals excludes 0: CE module: '
                         '(f) - (e) on TEST-02. With no effect anywhere '
                         'about 0.1 would by chance, but the intervals '
                         'share runs and are not independent.')


def test_sequence_rows_keep_the_metrics_and_parts_per_sequence(tool):
    import pandas as pd
    table = pd.DataFrame(
        dict(MOTA=[70., 60., 65.], IDF1=[71., 61., 66.], HOTA=[55., 50., 52.],
             IDS=[3., 4., 7.], DetA=[56., 51., 53.], AssA=[54., 49., 51.],
             MOTP=[78., 76., 77.], FP=[1., 2., 3.]),
        index=['TEST-01', 'TEST-02', 'OVERALL'])
    rows = tool.sequence_rows(table)
    assert sorted(rows) == ['TEST-01', 'TEST-02']
    assert rows['TEST-02'] == dict(MOTA=60., IDF1=61., HOTA=50., IDS=4.,
                                   DetA=51., AssA=49., MOTP=76.)


def test_backfill_adds_parts_only_where_the_replay_reproduces_the_run(
        tool, tmp_path, monkeypatch):
    """--backfill-parts: parts are added from the replayed cache when it
    reproduces the stored per-sequence metrics; a mismatch is refused
    naming the file; runs without a cache or with parts are left alone."""
    import types

    import pandas as pd
    args = tool.parse_args(['--backfill-parts', '--store',
                            str(tmp_path / 's'), '--out', str(tmp_path)])
    stored = {'TEST-01': dict(HOTA=55., MOTA=70., IDF1=71., IDS=3.)}
    fake_run(tool, args, tool.PLAIN, 0, dict(HOTA=55.),
             per_sequence=stored)
    fake_run(tool, args, tool.PLAIN, 1, dict(HOTA=55.),
             per_sequence=stored)  # no cache: skipped
    replayed = dict(HOTA=55., MOTA=70., IDF1=71., IDS=3., DetA=56.,
                    AssA=54., MOTP=78.)
    monkeypatch.setattr(
        tool, 'kept_cache', lambda args, config, seed:
        (types.SimpleNamespace(model=types.SimpleNamespace()), 'cache', [])
        if seed == 0 else None)
    monkeypatch.setattr(tool, 'cache_assa_by_alpha', lambda *a, **k: None)
    import mmmtl.apis
    monkeypatch.setattr(
        mmmtl.apis, 'replay_tracker', lambda cfg, cache, sequences:
        types.SimpleNamespace(per_sequence=dict(trackeval=pd.DataFrame(
            {k: [v] for k, v in replayed.items()}, index=['TEST-01']))))
    assert tool.backfill_parts(args) == 1
    points = tool.final_points(args, tool.PLAIN, args.iters)
    assert points[0]['per_sequence']['TEST-01'] == replayed
    assert points[1]['per_sequence']['TEST-01'] == stored['TEST-01']
    assert tool.backfill_parts(args) == 0  # already there
    fake_run(tool, args, tool.PLAIN, 0, dict(HOTA=55.), per_sequence={
        'TEST-01': dict(stored['TEST-01'], HOTA=54.)})
    with pytest.raises(ValueError, match='HOTA is 54.0, but the replay'):
        tool.backfill_parts(args)


def test_a_runs_embeddings_are_measured_once_and_stored(tool, tmp_path,
                                                        monkeypatch):
    """A finished run's embeddings are measured on its kept cache with the
    study's settings and stored in its record, which later reads need
    alone; --backfill-parts adds them to every run with a cache."""
    import numpy as np

    from mmmtl.formats import (
        SequenceDetections,
        cache_path,
        write_detection_cache,
        write_mot_gt,
    )
    args = tool.parse_args(['--backfill-parts', '--store',
                            str(tmp_path / 's'), '--out', str(tmp_path)])
    monkeypatch.setattr(tool, 'cache_assa_by_alpha', lambda *a, **k: None)
    parts = {'TEST-01': dict(HOTA=55., DetA=50., AssA=60., MOTP=75.)}
    for seed in (0, 1):
        fake_run(tool, args, tool.PLAIN, seed, dict(HOTA=55.),
                 per_sequence=parts)
    # seed 0 keeps a cache: two people over three frames, the second one
    # scoring under the tracker's obj_score_thr in the last frame
    boxes = np.array([[0, 0, 10, 20], [30, 0, 40, 20]], np.float32)
    frames = [(boxes, np.array([.9, s], np.float32), np.zeros(2, np.int64),
               np.eye(2, dtype=np.float32)) for s in (.9, .9, .2)]
    gt_root = tmp_path / 'gt'
    write_detection_cache(
        cache_path(tool.cache_dir(args, tool.PLAIN, 0), 'TEST-01'),
        SequenceDetections.from_frames('TEST-01', frames,
                                       meta=dict(gt_root=str(gt_root))))
    (gt_root / 'TEST-01' / 'gt').mkdir(parents=True)
    write_mot_gt(str(gt_root / 'TEST-01' / 'gt' / 'gt.txt'),
                 [[t, i + 1, 30 * i, 0, 10, 20, 1, 1, 1]
                  for t in (1, 2, 3) for i in (0, 1)])
    assert tool.backfill_parts(args) == 1
    points = tool.final_points(args, tool.PLAIN, args.iters)
    assert 'embeddings' not in points[1]
    emb = points[0]['embeddings']
    assert sorted(emb) == ['OVERALL', 'TEST-01']
    # frames 1-2 and 2-3 (max_gap 30 takes 1-3 too); the 0.2 box is out:
    # same pairs 2 + 1 + 1, other pairs 2 + 1 + 1
    assert (emb['TEST-01']['same_pairs'],
            emb['TEST-01']['other_pairs']) == (4, 4)
    assert emb['TEST-01']['TAR@FAR=0.01'] == 1.
    # the record is read from now on: the cache may go
    import shutil
    shutil.rmtree(tool.cache_dir(args, tool.PLAIN, 0))
    assert tool.run_embeddings(args, tool.PLAIN, 0) == emb
    assert tool.backfill_parts(args) == 0


def test_embeddings_table_splits_assa_at_the_usual_iou(tool, tmp_path):
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(tmp_path / 'doc.md')])
    assert tool.embeddings_table(args) == [
        'No claim run has stored its embeddings\' separability and AssA '
        'by threshold yet.']
    a, b = tool.CLAIMS[0][2:]
    low = sum(x <= 0.5 for x in tool.HOTA_ALPHAS)
    assert low == 10 and len(tool.HOTA_ALPHAS) == 19

    def measured(tar, strict):
        return dict(
            embeddings={q: {'TAR@FAR=0.01': tar} for q in ('TEST-01',
                                                            'OVERALL')},
            assa_by_alpha={'TEST-01': [80.] * low + [strict] * (19 - low)})
    for seed in range(3):
        for config, tar, strict in ((a, .5 + .1 * seed, 40. - seed),
                                    (b, .5, 40.)):
            # seed 2 of the minuend did not measure them
            extra = measured(tar, strict) if (seed, config) != (2, a) \
                else {}
            fake_run(tool, args, config, seed, dict(HOTA=0.), **extra)
    lines = tool.embeddings_table(args)
    assert lines[0] == ('| claim | n | TEST-01 (pans): Δ AssA α ≤ 0.5 / '
                        'α > 0.5 / Δ TAR |')
    # strict AssA -0 and -1 (mean -0.5), TAR +0 and +10 points (+5)
    assert lines[2] == '| CE module: (f) - (e) | 2 | +0.0 / -0.5 / +5.0 |'
    assert lines[3].endswith(' | 0 | not measured |')


def test_assa_by_threshold_is_the_replays_and_must_be_the_runs(
        tool, tmp_path, monkeypatch):
    """A run's AssA at each HOTA threshold comes from TrackEval on its
    replayed cache, and is refused unless its mean is the stored AssA."""
    import types

    import numpy as np

    import mmmtl.apis
    from mmmtl.formats import (
        SeqInfo,
        write_mot_gt,
        write_mot_results,
        write_seqinfo,
    )
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--out', str(tmp_path)])
    people = [[t, i + 1, 40 * i, 0, 20, 40] for t in (1, 2, 3)
              for i in range(2)]

    def fake_replay(cfg, cache, outfile_prefix, sequences):
        assert cfg.model.tracker == tool.STUDY_TRACKER
        seq = osp.join(outfile_prefix, 'gt', 'TEST-01')
        os.makedirs(osp.join(seq, 'gt'))
        write_seqinfo(osp.join(seq, 'seqinfo.ini'),
                      SeqInfo(name='TEST-01', seq_length=3))
        write_mot_gt(osp.join(seq, 'gt', 'gt.txt'),
                     [p + [1, 1, 1] for p in people])
        os.makedirs(osp.join(outfile_prefix, 'default-tracker'))
        write_mot_results(
            osp.join(outfile_prefix, 'default-tracker', 'TEST-01.txt'),
            np.array([p[:1] + [swap.get((p[0], p[1]), p[1])] + p[2:] + [1]
                      for p in people], float))

    swap = {}
    monkeypatch.setattr(mmmtl.apis, 'replay_tracker', fake_replay)
    monkeypatch.setattr(tool, 'kept_cache', lambda *a: (
        types.SimpleNamespace(model=types.SimpleNamespace()), 'cache', []))
    fake_run(tool, args, tool.PLAIN, 0, dict(HOTA=100.), per_sequence={
        'TEST-01': dict(HOTA=100., DetA=100., AssA=100., MOTP=100.)})
    out = tool.cache_assa_by_alpha(args, tool.PLAIN, 0)
    assert out == {'TEST-01': [pytest.approx(100.)] * 19}
    fake_run(tool, args, tool.PLAIN, 0, dict(HOTA=100.), per_sequence={
        'TEST-01': dict(HOTA=90., DetA=100., AssA=90., MOTP=100.)})
    with pytest.raises(ValueError, match='TEST-01 AssA is 90.0, but the'):
        tool.cache_assa_by_alpha(args, tool.PLAIN, 0)
    # the tracks swap the two people in the last frame; with the people's
    # identities the same boxes associate perfectly, and the oracle is
    # not the run's own AssA, so it is not held to the stored one
    swap.update({(3, 1): 2, (3, 2): 1})
    with pytest.raises(ValueError, match='gives 40.0; not stored'):
        tool.cache_assa_by_alpha(args, tool.PLAIN, 0)
    assert tool.run_oracle_assa_by_alpha(args, tool.PLAIN, 0) == {
        'TEST-01': [pytest.approx(100.)] * 19}
    assert tool.final_points(args, tool.PLAIN, args.iters)[0][
        'oracle_assa_by_alpha'] == {'TEST-01': [pytest.approx(100.)] * 19}


def test_oracle_table_puts_the_tracked_gap_beside_the_boxes_gap(
        tool, tmp_path):
    """Per claim and sequence, the mean paired gap in strict-threshold
    AssA as tracked and with the people's identities, over the seeds
    whose two runs stored both."""
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(tmp_path / 'doc.md')])
    assert tool.oracle_table(args) == [
        'No claim run has stored its AssA with the people\'s identities '
        'yet.']
    a, b = tool.CLAIMS[0][2:]
    low = sum(x <= 0.5 for x in tool.HOTA_ALPHAS)

    def assa(strict):
        return {'TEST-01': [90.] * low + [strict] * (19 - low)}
    for seed in range(3):
        for config, tracked, oracle in ((a, 30. - seed, 50. - 2 * seed),
                                        (b, 40., 50.)):
            extra = dict(assa_by_alpha=assa(tracked))
            # seed 2 of the minuend has no oracle: left out
            if (seed, config) != (2, a):
                extra['oracle_assa_by_alpha'] = assa(oracle)
            fake_run(tool, args, config, seed, dict(HOTA=0.), **extra)
    lines = tool.oracle_table(args)
    assert lines[0] == ('| claim | n | TEST-01 (pans): Δ AssA α > 0.5, '
                        'tracked / with the people\'s identities |')
    # tracked -10 and -11, oracle 0 and -2
    assert lines[2] == '| CE module: (f) - (e) | 2 | -10.5 / -1.0 |'
    assert lines[3].endswith(' | 0 | not measured |')


def test_sequence_parts_table_averages_the_paired_parts(tool, tmp_path):
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(tmp_path / 'doc.md')])
    a, b = tool.CLAIMS[0][2:]
    for seed in range(2):
        for config, det in ((a, 50. + 2 * seed), (b, 50.)):
            fake_run(tool, args, config, seed, dict(HOTA=0.), per_sequence={
                'TEST-01': dict(HOTA=1., DetA=det, AssA=40., MOTP=75.)})
    lines = tool.sequence_parts_table(args)
    assert lines[0] == ('| claim | n | TEST-01 (pans): Δ DetA / Δ AssA / '
                        'Δ MOTP |')
    assert lines[2] == '| CE module: (f) - (e) | 2 | +1.0 / +0.0 / +0.0 |'
    assert lines[3].endswith(' | 0 | not run |')


def test_box_weight_points_read_each_balancer_runs_final_ratio(
        tool, tmp_path):
    """One point per balancer run with logged weights: final w_reg / w_cls
    with its MOTP and HOTA; head rows and runs without weights are left
    out, and the figure is drawn and linked only when there are points."""
    doc = tmp_path / 'doc.md'
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(doc)])
    full = dict(MOTA=60., IDF1=60., HOTA=50., IDS=5.)
    fake_run(tool, args, tool.synth('double-branch-reg-head'), 0, full,
             weights=dict(cls=[[args.iters, 1.0]], reg=[[args.iters, 1.0]]))
    fake_run(tool, args, tool.synth('ce-gm'), 1, full)
    assert tool.box_weight_points(args) == []
    tool.write_report(args)
    assert 'box weight' not in doc.read_text()
    for seed, w_reg in enumerate((0.1, 0.3)):
        fake_run(tool, args, tool.QUICKSTART, seed,
                 dict(full, HOTA=52. + seed, MOTP=74.),
                 weights=dict(cls=[[100, 1.0], [args.iters, 2.0]],
                              reg=[[100, 1.0], [args.iters, w_reg]]))
    points = tool.box_weight_points(args)
    assert [p[:2] for p in points] == [('ce-lwf', 0), ('ce-lwf', 1)]
    assert [p[2:] for p in points] == [
        pytest.approx((0.05, 74., 52.)), pytest.approx((0.15, 74., 53.))]
    tool.write_report(args)
    assert f'![box weight]({tool.BOX_PNG})' in doc.read_text()
    assert (tmp_path / tool.BOX_PNG).is_file()


def test_box_weight_ranks_follow_the_weight_within_each_seed(
        tool, tmp_path):
    """MOTP less its seed's mean, ranked against w_reg / w_cls and against
    w_reg / w_reid; runs without all three weights are left out."""
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                            '--doc', str(tmp_path / 'doc.md')])
    rows = [c for _, c, _ in tool.TABLES['balancers']['rows']]
    full = dict(MOTA=60., IDF1=60., HOTA=50., IDS=5.)

    def run(config, seed, reg, reid, motp):
        it = args.iters
        fake_run(tool, args, config, seed, dict(full, MOTP=motp),
                 weights=dict(cls=[[it, 1.0]], reg=[[it, reg]],
                              reid=[[it, reid]]))

    # MOTP rises with w_reg / w_reid in both seeds; seed 1 is 10 points
    # easier throughout, which must not count; w_reg / w_cls is shuffled
    for seed, offset in ((0, 0.), (1, 10.)):
        for i, (reg, reid) in enumerate(((0.5, 4.), (2., 2.), (1., 0.5))):
            run(rows[i], seed, reg, reid, 70. + offset + i)
    fake_run(tool, args, rows[3], 0, dict(full, MOTP=99.))  # no weights
    n, rho_cls, rho_reid = tool.box_weight_ranks(args)
    assert n == 6
    assert rho_reid == pytest.approx(1)
    assert rho_cls == pytest.approx(0.5)
    tool.write_report(args)
    assert ('(n = 6): with the late `w_reg / w_cls`, Spearman\'s rho = '
            '0.50; with `w_reg / w_reid`, rho = 1.00.'
            ) in (tmp_path / 'doc.md').read_text()


def test_box_weight_figure_tells_every_row_apart_and_hides_no_point(tool):
    """Each balancer row keeps its own marker and colour, and the legend
    lies outside both panels (inside, it covered the points near a
    ratio of 1-3, where the hand-set rows fall)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = [tool.row_name(c) for _, c, _ in tool.TABLES['balancers']['rows']]
    box = [(n, 0, 0.01 * 2**i, 70. + i, 50. + i)
           for i, n in enumerate(names)]
    fig = tool.box_weight_figure(box, 2400)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        styles = set()
        for ax in fig.axes:
            for coll in ax.collections:
                styles.add((ax, coll.get_paths()[0].vertices.tobytes(),
                            tuple(coll.get_facecolor()[0])))
        assert len(styles) == 2 * len(names)
        (legend,) = fig.legends
        box_legend = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box_legend.overlaps(ax.get_window_extent(renderer))
    finally:
        plt.close(fig)


def test_threshold_sweep_pairs_each_grid_point_and_each_rows_best(
        tool, tmp_path, monkeypatch):
    """--thresholds: a claim's difference at every grid point, and with
    each row at its own best point; a seed without both caches is left
    out."""
    args = tool.parse_args(['--thresholds', '--out', str(tmp_path),
                            '--store', str(tmp_path / 'store')])
    grid = tool.THRESHOLD_GRID
    a, b = tool.CLAIMS[0][2:]

    def fake(args, config, seed):
        if seed == 2 and config == b:
            return None  # this run kept no cache
        # a's HOTA peaks at the grid's last point, b's at its first
        up = config == a
        return {p: 50. + seed + (k if up else -k) * 0.1
                for k, p in enumerate(grid)}

    monkeypatch.setattr(tool, 'cache_hota', fake)
    monkeypatch.setattr(tool, 'ROOT', str(tmp_path))
    path = tool.threshold_sweep(args)
    claim = json.load(open(path))['claims'][0]
    assert claim['seeds'] == [0, 1]
    first, best = claim['rows'][0], claim['rows'][-1]
    assert first['point'] == list(grid[0]) and first['diffs'] == [0., 0.]
    last = claim['rows'][len(grid) - 1]
    assert last['diffs'] == pytest.approx([0.2 * (len(grid) - 1)] * 2)
    # own best: a at its last point, b at its first
    assert best['point'] == 'own best'
    assert best['diffs'] == pytest.approx([0.1 * (len(grid) - 1)] * 2)
    assert len(claim['rows']) == len(grid) + 1


def test_a_runs_grid_is_stored_and_a_lost_cache_keeps_its_seeds(
        tool, tmp_path, monkeypatch):
    """A run's threshold grid goes into its record, so a later sweep needs
    no cache; a seed whose runs have neither keeps the differences the
    sweep already written holds for it."""
    args = tool.parse_args(['--thresholds', '--out', str(tmp_path / 'out'),
                            '--store', str(tmp_path / 'store'), '--seeds',
                            '0', '1', '2'])
    grid = tool.THRESHOLD_GRID
    claim, _, a, b = tool.CLAIMS[0]
    monkeypatch.setattr(tool, 'ROOT', str(tmp_path))
    for seed in (0, 1, 2):
        for config in (a, b):
            fake_run(tool, args, config, seed, dict(HOTA=50.))
    replays = []

    def cached(args, config, seed):
        replays.append((config, seed))
        if seed == 2:
            return None  # seed 2's caches are gone
        return {p: 50. + seed + (k if config == a else 0.)
                for k, p in enumerate(grid)}

    monkeypatch.setattr(tool, 'cache_hota', cached)
    # the sweep written before, when seed 2's caches were still here
    before = [[7., 8., 9.] for _ in range(len(grid) + 1)]
    tool.save_json(osp.join(str(tmp_path), tool.THRESHOLDS), dict(
        tracker=tool.STUDY_TRACKER, grid=[list(p) for p in grid],
        claims=[dict(claim=claim, seeds=[0, 1, 2], rows=[
            dict(point='x', diffs=d) for d in before])]))
    tool.threshold_sweep(args)
    rec = json.load(open(tool.store_path(
        args, a, tool.run_key(args, 1, args.iters, None))))
    assert rec['points'][-1]['thresholds'][-1] == pytest.approx(
        [*grid[-1], 51. + len(grid) - 1])
    out = json.load(open(osp.join(str(tmp_path), tool.THRESHOLDS)))
    first = out['claims'][0]
    assert first['seeds'] == [0, 1, 2] and first['carried'] == [2]
    assert first['rows'][-2]['diffs'] == pytest.approx(
        [len(grid) - 1] * 2 + [9.])
    assert first['rows'][0]['diffs'] == pytest.approx([0., 0., 9.])
    # the second sweep reads the records: no cache is replayed again
    replays.clear()
    tool.threshold_sweep(args)
    assert (a, 0) not in replays and (a, 1) not in replays
    assert json.load(open(osp.join(
        str(tmp_path), tool.THRESHOLDS)))['claims'][0] == first


def test_the_report_is_the_stores_whatever_seeds_a_run_was_given(
        tool, tmp_path):
    """A chain command run with ``--seeds 3`` writes the same report as
    ``--report``: the curve of seed 0, the weights of the first stored seed
    and a continue command for the design's seeds and plan, not for every
    seed some row has."""
    docs = {}
    for name, seeds in (('report', []), ('run', ['--seeds', '3'])):
        doc = tmp_path / f'{name}.md'
        args = tool.parse_args(['--report', '--store', str(tmp_path / 's'),
                                '--doc', str(doc)] + seeds)
        if name == 'report':
            for seed in (0, 1, 3):
                fake_run(tool, args, tool.QUICKSTART, seed,
                         dict(MOTA=70., IDF1=60., HOTA=50. + seed, IDS=5.),
                         weights=dict(cls=[[100, 1.], [args.iters, 2.]]))
            for _, config in tool.CURVE_ROWS:
                fake_run(tool, args, config, 0,
                         dict(MOTA=70., IDF1=60., HOTA=55., IDS=5.),
                         iters=args.curve_iters, every=args.eval_every)
        tool.write_report(args)
        docs[name] = doc.read_text()
    assert docs['run'] == docs['report']
    assert 'Seed 0, one run per config' in docs['run']
    assert '`ce-lwf` seed 0' in docs['run']
    assert '--seeds 0 1 2\nnice -n 19 python tools/analysis_tools/' \
        'run_ablation.py --plan\n' in docs['run']


def test_committed_report_equals_the_stored_results(tool, tmp_path):
    """docs/replication.md's generated part is what --report makes of the
    committed JSON, byte for byte."""
    doc = osp.join(ROOT, tool.DOC)
    text = open(doc).read()
    copy = tmp_path / 'replication.md'
    copy.write_text(text)
    tool.main(['--report', '--doc', str(copy)])
    assert copy.read_text() == text


def test_the_schedule_is_where_hota_stops_moving(tool):
    """The plateau: the first point with every later point within 1 HOTA."""
    def curve(*hota):
        return {600 * (k + 1): dict(HOTA=h) for k, h in enumerate(hota)}

    assert tool.plateau_iter(curve(45.4, 50.3, 51.3, 51.9, 52.8, 52.8)) \
        == 2400
    assert tool.plateau_iter(curve(40.0, 45.0, 50.0)) is None
    assert tool.plateau_iter(curve(50.0)) is None  # the last point alone
    assert tool.plateau_iter(curve(50.0, 51.5, 51.2, 51.0)) == 1200
    assert tool.plateau_iter(curve(50.0, 51.5, 51.2, 51.0), tol=2.0) == 600


def test_claims_table_corrects_its_verdicts_for_the_number_of_claims(
        tool, monkeypatch):
    """A gap that a 95 % interval calls contradicted at n = 3 but the
    Bonferroni interval over all claims does not; a claim without runs."""
    args = tool.parse_args(['--report'])
    a, b = tool.CLAIMS[0][2:]
    hota = {a: [54.6, 55.5, 57.0], b: [56.4, 58.1, 59.6]}

    def fake(args, config, iters):
        if config not in hota:
            return {}
        return {s: dict(MOTA=70., IDF1=70., HOTA=v)
                for s, v in enumerate(hota[config])}

    monkeypatch.setattr(tool, 'final_results', fake)
    monkeypatch.setattr(tool, 'CLAIMS', tuple(
        c._replace(planned=3) for c in tool.CLAIMS))
    lines = tool.claims_table(args)
    k = len(tool.CLAIMS)
    assert lines[0].endswith(f'| verdict, corrected for {k} claims |')
    first = lines[2].split(' | ')
    assert first[1:3] == ['3', '3']
    assert first[5] == '-2.3 [-3.5, -1.2]'
    assert first[6:] == ['contradicted', 'inconclusive at n = 3 |']
    assert lines[3].endswith('| 0 | 3 (interim) | not run | not run | '
                             'not run | not run | not run |')
    # The tally under the table counts its verdicts.
    assert lines[-1] == (f'Of the {k} claims: 0 supported, 1 contradicted, '
                         f'0 inconclusive, {k - 1} not run; corrected for '
                         f'their number, 0 supported, 0 contradicted, '
                         f'1 inconclusive, {k - 1} not run. Read at their '
                         f'planned n: 1; at fewer seeds (interim): '
                         f'{k - 1}.')


def test_sweep_table_pairs_each_value_with_the_papers_choice(
        tool, monkeypatch):
    """Each value of a sweep is paired by seed with the paper's value on
    the seeds both have, whatever other seeds the reference has; a value
    with one pair has no interval, one with none is not run."""
    args = tool.parse_args(['--report'])
    rows = tool.TABLES['E']['rows']
    ref = tool.TABLES['E']['reference']
    e16, e64 = rows[0][1], rows[1][1]
    hota = {ref: {0: 54.6, 1: 55.5, 2: 57.0, 3: 57.8}, e16: {0: 52.6, 2: 56.0,
            3: 54.8}, e64: {1: 56.5}}

    def fake(args, config, iters):
        return {s: dict(MOTA=70., IDF1=v + 10, HOTA=v)
                for s, v in hota.get(config, {}).items()}

    monkeypatch.setattr(tool, 'final_results', fake)
    lines = tool.sweep_table(args, 'E')
    assert lines[0].startswith('Paired with E = 128, the paper\'s choice')
    by_row = {ln.split(' | ')[0]: ln.split(' | ') for ln in lines[4:-1]}
    # seeds 0, 2, 3: -2.0, -1.0, -3.0
    assert by_row['| E = 16'][1:3] == ['3', '0, 2, 3']
    assert by_row['| E = 16'][3] == '+0.0 [+0.0, +0.0]'
    assert by_row['| E = 16'][5] == '-2.0 [-4.5, +0.5] (-2.0, -1.0, -3.0) |'
    assert by_row['| E = 64'][1:3] == ['1', '1']
    assert by_row['| E = 64'][5] == '+1.0 [n/a] (+1.0) |'
    assert by_row['| E = 256'][1:] == ['0', '-', 'not run', 'not run',
                                       'not run |']
    assert not any(ln.startswith('| E = 128') for ln in lines)


def test_a_claim_is_judged_at_its_planned_seeds(tool, monkeypatch):
    """Below its planned n a claim's reading is interim; seeds beyond the
    plan do not enter its verdict, whatever they show."""
    args = tool.parse_args(['--report'])
    a, b = tool.CLAIMS[0][2:]
    # seeds 0-2 put a above b by 2-4; seeds 3 and 4 reverse it
    hota = {a: [60., 61., 62., 50., 50.], b: [58., 58., 58., 60., 60.]}
    stored = {}

    def fake(args, config, iters):
        return {s: dict(MOTA=70., IDF1=70., HOTA=v)
                for s, v in enumerate(hota.get(config, [])[:stored['n']])}

    monkeypatch.setattr(tool, 'final_results', fake)
    monkeypatch.setattr(tool, 'CLAIMS', tuple(
        c._replace(planned=3) for c in tool.CLAIMS))
    stored['n'] = 2
    first = tool.claims_table(args)[2].split(' | ')
    assert first[1:3] == ['2', '3 (interim)']
    stored['n'] = 5
    first = tool.claims_table(args)[2].split(' | ')
    assert first[1:3] == ['3', '3']
    assert first[5] == '+3.0 [+0.5, +5.5]' and first[6] == 'supported'
    # a seed missing inside the plan is not replaced by one beyond it
    hota[a][1] = None
    monkeypatch.setattr(tool, 'final_results', lambda args, c, iters: {
        s: dict(MOTA=70., IDF1=70., HOTA=v)
        for s, v in enumerate(hota.get(c, [])) if v is not None})
    first = tool.claims_table(args)[2].split(' | ')
    assert first[1:3] == ['2', '3 (interim)']


def test_the_plan_runs_each_claim_row_to_its_most(tool, monkeypatch,
                                                   tmp_path):
    """Every claim has a planned n of at least the five seeds each claim
    pairs already; --plan runs seed by seed each claim config up to the
    largest n of its claims, and only those."""
    assert min(c.planned for c in tool.CLAIMS) >= 5
    plan = {'LWF - FAMO': 3, 'CE module: (f) - (e)': 2}
    monkeypatch.setattr(tool, 'CLAIMS', tuple(
        c._replace(planned=plan.get(c.name, 1)) for c in tool.CLAIMS))
    lwf, famo = tool.QUICKSTART, tool.synth('ce-famo')
    plain = tool.PLAIN
    assert tool.CLAIMS[-1][2:] == (lwf, famo)
    ran = []
    monkeypatch.setattr(tool, 'run', lambda args, c, s, iters, every:
                        ran.append((s, c)) or True)
    args = tool.parse_args(['--plan', '--store', str(tmp_path)])
    assert tool.run_plan(args) == 0
    seed0 = [(0, c) for c in tool.CLAIM_CONFIGS]
    assert ran == seed0 + [(1, plain), (1, tool.CLAIMS[0][3]), (1, lwf),
                           (1, famo), (2, lwf), (2, famo)]
    with pytest.raises(SystemExit):
        tool.parse_args(['heads', '--plan'])


def test_power_table_plans_each_claims_seeds(tool, monkeypatch):
    """Per claim, the seeds its measured paired HOTA differences would need
    at 80 % power, at 95 % and corrected; too few pairs read n/a and a
    count beyond the search reads as its bound."""
    args = tool.parse_args(['--report'])
    (a, b), (_, c), (e, f) = (tool.CLAIMS[i][2:] for i in (0, 1, 6))
    assert len({a, b, c, e, f}) == 5
    a_ = 0.5**0.5
    # (f) - (e): effect size 1 (10 pairs at 95 %); (f) - (a): one pair;
    # LWF - GM: a mean of 0.1 against an SD of 1.4
    hota = {a: [51 - a_, 51 + a_], b: [50., 50.], c: [49.],
            e: [50.1, 52.1], f: [51., 51.]}

    def fake(args, config, iters):
        return {s: dict(HOTA=v) for s, v in enumerate(hota.get(config, []))}

    monkeypatch.setattr(tool, 'final_results', fake)
    lines = tool.power_table(args)
    k = len(tool.CLAIMS)
    assert lines[0].endswith(f'| seeds for 80 % power, corrected for {k} '
                             'claims |')
    first = lines[2].split(' | ')
    assert first[1:3] == ['2', '+1.0 / 1.0']
    assert first[3] == '10' and int(first[4].rstrip(' |')) > 10
    assert lines[3].endswith('| 1 | n/a | n/a | n/a |')
    assert lines[8].endswith(f'| > {tool.POWER_MOST} | '
                             f'> {tool.POWER_MOST} |')
    assert len(lines) == 2 + k


def test_extra_sets_test_each_kept_checkpoint_once(tool, tmp_path,
                                                  monkeypatch, capsys):
    """--extra-sets K tests a claim run's final checkpoint on the further
    held-out sets it lacks, stores each in the record's last point, and
    skips a run whose checkpoint is not kept."""
    args = tool.parse_args(['--extra-sets', '2', '--seeds', '3', '4',
                            '--store', str(tmp_path / 's'),
                            '--out', str(tmp_path / 'out')])
    a, b = tool.CLAIMS[0][2:]
    for config in (a, b):
        for seed in (3, 4):
            fake_run(tool, args, config, seed, dict(HOTA=50.))
    for seed in (3, 4):  # b's seed-4 checkpoint is not kept
        for config in (a, b)[:2 if seed == 3 else 1]:
            ckpt = osp.join(args.out, 'runs', tool.config_name(config),
                            tool.run_key(args, seed, args.iters, None),
                            'work_dir', f'iter_{args.iters}.pth')
            tool.os.makedirs(osp.dirname(ckpt), exist_ok=True)
            open(ckpt, 'w').close()
    calls = []

    def fake_root(args, seed, k):
        return f'/sets/{seed}/{k}'

    def fake_eval(args, config, seed, ckpt, held_out):
        calls.append((config, seed, held_out))
        hota = 60. + int(held_out.split('/')[-2]) if config == a else 58.
        return dict(metrics=dict(HOTA=hota), per_sequence={})

    monkeypatch.setattr(tool, 'extra_set_root', fake_root)
    monkeypatch.setattr(tool, 'evaluate_on_set', fake_eval)
    assert tool.main(['--extra-sets', '2', '--seeds', '3', '4', '--store',
                      args.store, '--out', args.out]) == 0
    assert sorted(calls) == sorted(
        (c, s, f'/sets/{s}/{k}/synthmot-test')
        for c, s in ((a, 3), (b, 3), (a, 4)) for k in (1, 2))
    assert 'no kept checkpoint' in capsys.readouterr().out
    rec = tool.load_json(tool.store_path(
        args, a, tool.run_key(args, 3, args.iters, None)))
    assert rec['points'][-1]['extra_sets']['2']['metrics']['HOTA'] == 62.
    # a second pass tests nothing again; a larger K only the new set
    calls.clear()
    tool.main(['--extra-sets', '2', '--seeds', '3', '--store', args.store,
               '--out', args.out])
    assert calls == []
    tool.main(['--extra-sets', '3', '--seeds', '3', '--store', args.store,
               '--out', args.out])
    assert sorted(calls) == [(c, 3, '/sets/3/3/synthmot-test')
                             for c in sorted((a, b))]


def test_extra_sets_table_sets_the_within_seed_spread_beside_seeds(
        tool, tmp_path):
    args = tool.parse_args(['--report', '--store', str(tmp_path / 's')])
    assert tool.extra_sets_table(args)[0].startswith('No claim')
    a, b = tool.CLAIMS[0][2:]
    # study's set: +1 (seed 0), +3 (seed 1); seed 1's further sets +2, +7
    for seed, own in ((0, 51.), (1, 53.)):
        fake_run(tool, args, b, seed, dict(HOTA=50.))
        fake_run(tool, args, a, seed, dict(HOTA=own))
    for config, hotas in ((a, (52., 57.)), (b, (50., 50.))):
        path = tool.store_path(args, config,
                               tool.run_key(args, 1, args.iters, None))
        rec = tool.load_json(path)
        rec['points'][-1]['extra_sets'] = {
            str(k): dict(metrics=dict(HOTA=h))
            for k, h in enumerate(hotas, 1)}
        tool.save_json(path, rec)
    lines = tool.extra_sets_table(args)
    # within seed 1: +3, +2, +7 (sd 2.6); between seeds: +1, +3 (sd 1.4)
    assert lines[2] == (f'| {tool.CLAIMS[0][0]} | 1 | 1: +3.0; +2.0, +7.0 '
                        '| 2.6 | 1.4 (n = 2) |')
    assert len(lines) == 3
