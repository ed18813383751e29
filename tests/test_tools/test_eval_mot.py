"""tools/eval_mot.py on motmetrics' TUD data and on broken input."""
import json
import os
import os.path as osp
import runpy
import shutil

import motmetrics
import pandas as pd
import pytest

from mmmtl.formats import SeqInfo, write_seqinfo

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'eval_mot.py')
MM_DATA = osp.join(osp.dirname(motmetrics.__file__), 'data')
SEQ_LENGTH = {'TUD-Campus': 71, 'TUD-Stadtmitte': 179}


@pytest.fixture(scope='module')
def main():
    return runpy.run_path(TOOL)['main']


@pytest.fixture
def tud(tmp_path):
    for name, length in SEQ_LENGTH.items():
        seq_dir = tmp_path / 'gt' / name
        (seq_dir / 'gt').mkdir(parents=True)
        shutil.copy(osp.join(MM_DATA, name, 'gt.txt'), seq_dir / 'gt')
        (tmp_path / 'res').mkdir(exist_ok=True)
        shutil.copy(
            osp.join(MM_DATA, name, 'test.txt'),
            tmp_path / 'res' / f'{name}.txt')
        write_seqinfo(str(seq_dir / 'seqinfo.ini'),
                      SeqInfo(name=name, seq_length=length))
    return tmp_path


def test_both_backends_csv_json(main, tud, capsys):
    csv, js = tud / 'm.csv', tud / 'm.json'
    rc = main([
        '--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
        '--benchmark', 'MOT15', '--backend', 'both', '--csv', str(csv),
        '--json', str(js)
    ])
    out = capsys.readouterr().out
    assert rc == 0
    assert 'agree on every count and score' in out
    overall = [line for line in out.splitlines()
               if line.startswith('OVERALL')]
    # TrackEval then motmetrics; HOTA only from TrackEval
    assert overall[0].split()[1:3] == ['55.5', '62.4']
    assert overall[1].split()[3] == '-'
    table = pd.read_csv(csv, index_col=[0, 1])
    assert table.loc[('trackeval', 'TUD-Campus'), 'FN'] == 150
    assert table.loc[('motmetrics', 'OVERALL'), 'IDS'] == 14
    data = json.loads(js.read_text())
    assert data['benchmark'] == 'MOT15' and data['disagreement'] == {}
    assert data['tables']['motmetrics']['OVERALL']['HOTA'] is None
    assert data['tables']['trackeval']['TUD-Stadtmitte']['MOTA'] == \
        pytest.approx(56.4014, abs=1e-3)


def test_seqs_subset(main, tud, capsys):
    rc = main([
        '--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
        '--benchmark', 'MOT15', '--seqs', 'TUD-Campus'
    ])
    out = capsys.readouterr().out
    assert rc == 0 and 'TUD-Stadtmitte' not in out
    campus = [line for line in out.splitlines()
              if line.startswith('TUD-Campus')][0]
    assert campus.split()[1:3] == ['52.6', '55.8']


def test_malformed_input_exit_code(main, tud, capsys):
    res = tud / 'res' / 'TUD-Campus.txt'
    lines = res.read_text().splitlines()
    lines[4] = lines[4].replace(',', ';', 1)
    res.write_text('\n'.join(lines) + '\n')
    rc = main([
        '--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
        '--benchmark', 'MOT15'
    ])
    assert rc == 2
    assert 'TUD-Campus.txt:5:' in capsys.readouterr().err
    res.unlink()
    assert main(['--gt-root', str(tud / 'gt'), '--results',
                 str(tud / 'res'), '--benchmark', 'MOT15']) == 2
    assert "no result file for sequence 'TUD-Campus'" in \
        capsys.readouterr().err


def test_a_sequence_without_ground_truth_is_an_error(main, tud, capsys):
    (tud / 'gt' / 'TUD-Campus' / 'gt' / 'gt.txt').unlink()
    args = ['--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
            '--benchmark', 'MOT15']
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "no ground truth gt/gt.txt for sequences ['TUD-Campus']" in err
    assert '--seqs' in err
    # listing the others on purpose evaluates them
    assert main(args + ['--seqs', 'TUD-Stadtmitte']) == 0


def test_tables_go_into_a_new_folder(main, tud, capsys):
    csv = tud / 'new' / 'deeper' / 'm.csv'
    js = tud / 'other' / 'm.json'
    assert main([
        '--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
        '--benchmark', 'MOT15', '--csv', str(csv), '--json', str(js)
    ]) == 0
    assert csv.is_file() and js.is_file()
    capsys.readouterr()
    blocker = tud / 'file'
    blocker.write_text('')
    assert main([
        '--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
        '--benchmark', 'MOT15', '--csv', str(blocker / 'm.csv')
    ]) == 2
    captured = capsys.readouterr()
    # refused before the evaluation, not after the tables
    assert 'cannot write' in captured.err and 'OVERALL' not in captured.out


def _write_sequence(root, name, seq_length, gt, results):
    """``root/gt/<name>/{seqinfo.ini,gt/gt.txt}`` and
    ``root/res/<name>.txt``."""
    from mmmtl.formats import write_mot_gt, write_mot_results
    seq = root / 'gt' / name
    (seq / 'gt').mkdir(parents=True)
    (root / 'res').mkdir(exist_ok=True)
    write_seqinfo(str(seq / 'seqinfo.ini'),
                  SeqInfo(name=name, seq_length=seq_length))
    write_mot_gt(str(seq / 'gt' / 'gt.txt'), gt)
    write_mot_results(str(root / 'res' / f'{name}.txt'), results)


def _cross_check(main, root, capsys):
    """Exit status and printed text of ``--backend both`` on ``root``."""
    rc = main(['--gt-root', str(root / 'gt'), '--results',
               str(root / 'res'), '--backend', 'both'])
    return rc, capsys.readouterr().out


def test_relink_difference_is_explained(main, tmp_path, capsys):
    """The two back-ends differ on IDS where motmetrics re-links a target
    to its track after a gap; the tool says so and exits with 0."""
    import numpy as np

    _write_sequence(
        tmp_path, 'S', 3,
        np.array([[t, 1, 0, 0, 10, 20, 1, 1, 1] for t in (1, 2, 3)]),
        np.array([[1, 1, 0, 0, 10, 20, 1], [2, 9, 500, 0, 10, 20, 1],
                  [3, 1, 3, 0, 10, 20, 1], [3, 2, 0, 0, 10, 20, 1]]))
    rc, out = _cross_check(main, tmp_path, capsys)
    assert rc == 0
    assert 're-links after a gap (motmetrics only): S 1' in out
    assert 'Every difference lies in a sequence where' in out


def _sha(path):
    import hashlib
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


@pytest.mark.parametrize('flag', ['--csv', '--json'])
@pytest.mark.parametrize('target', ['result', 'gt', 'seqinfo', 'link'])
def test_tables_never_replace_an_input(main, tud, capsys, flag, target):
    inputs = {
        'result': tud / 'res' / 'TUD-Campus.txt',
        'gt': tud / 'gt' / 'TUD-Campus' / 'gt' / 'gt.txt',
        'seqinfo': tud / 'gt' / 'TUD-Campus' / 'seqinfo.ini',
    }
    victim = inputs.get(target, inputs['gt'])
    out = victim
    if target == 'link':
        out = tud / 'table.txt'
        os.symlink(victim, out)
    before = _sha(victim)
    rc = main(['--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
               '--benchmark', 'MOT15', flag, str(out)])
    captured = capsys.readouterr()
    assert rc == 2
    assert 'would overwrite the input' in captured.err
    assert 'OVERALL' not in captured.out  # refused before evaluating
    assert _sha(victim) == before


@pytest.mark.parametrize('value', ['1.5', 'nan', '0', '-1', 'inf'])
def test_iou_threshold_outside_0_1_is_refused(main, tud, capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(['--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
              f'--iou-thr={value}'])
    assert exc.value.code == 2
    assert 'argument --iou-thr: must be a finite number in (0, 1]' in \
        capsys.readouterr().err


def test_cross_check_names_a_sequence_with_nothing_to_evaluate(
        main, tmp_path, capsys):
    import numpy as np

    for name, cls in (('D', 7), ('S', 1)):  # D: a static person only
        gt = np.array([[t, 1, 0, 0, 10, 20, 1, cls, 1] for t in (1, 2)])
        _write_sequence(tmp_path, name, 2, gt, gt[:, :7])
    rc, out = _cross_check(main, tmp_path, capsys)
    assert rc == 0
    assert 'nothing to evaluate in D' in out
    assert 'agree on every count and score' in out


def test_the_seqs_default_is_what_the_help_says(main, tud, capsys):
    """Default: every sequence folder with ground truth; a result file
    without ground truth is then an error naming it (as --help says)."""
    shutil.copy(tud / 'res' / 'TUD-Campus.txt', tud / 'res' / 'EXTRA.txt')
    rc = main(['--gt-root', str(tud / 'gt'), '--results', str(tud / 'res'),
               '--benchmark', 'MOT15'])
    assert rc == 2
    assert "no ground truth gt/gt.txt for sequences ['EXTRA']" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(['--help'])
    help_text = ' '.join(capsys.readouterr().out.split())
    assert 'a sequence folder or result file without ground truth is ' \
        'then an error' in help_text


@pytest.mark.parametrize('column, value', [('MT', 6), ('Frag', 2),
                                           ('MOTA', float('nan'))])
def test_an_unexplained_difference_is_printed_and_exit_3(
        main, tmp_path, capsys, monkeypatch, column, value):
    """MT 0 vs 6 with Relinks 0 used to be neither printed nor exit 3;
    a NaN against a number used to count as agreement."""
    import numpy as np
    gt = np.array([[t, 1, 0, 0, 10, 20, 1, 1, 1] for t in (1, 2)])
    _write_sequence(tmp_path, 'S', 2, gt, gt[:, :7])
    real = main.__globals__['evaluate_mot']

    def skewed(*args, **kwargs):
        tables = real(*args, **kwargs)
        tables['motmetrics'].loc['S', column] = value
        return tables

    monkeypatch.setitem(main.__globals__, 'evaluate_mot', skewed)
    js = tmp_path / 'm.json'
    rc = main(['--gt-root', str(tmp_path / 'gt'), '--results',
               str(tmp_path / 'res'), '--backend', 'both', '--json',
               str(js)])
    out = capsys.readouterr().out
    assert rc == 3
    assert 'agree on every count' not in out
    assert 'NOT explained by the re-link rule' in out
    table = out.split('NOT explained by the re-link rule')[1]
    assert column in table
    if np.isnan(value):
        assert 'NaN vs number' in table
    cell = json.loads(js.read_text())['unexplained_disagreement']['S']
    assert column in cell
    if np.isnan(value):
        assert cell[column] == 'NaN vs number'
