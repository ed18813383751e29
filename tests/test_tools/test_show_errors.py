"""tools/analysis_tools/show_errors.py and eval_mot.py --show-errors on
motmetrics' TUD data (real ground truth and a real tracker's results)."""
import os.path as osp
import runpy
import shutil

import motmetrics
import pytest

from mmmtl.evaluation import evaluate_mot
from mmmtl.formats import SeqInfo, write_seqinfo

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MM_DATA = osp.join(osp.dirname(motmetrics.__file__), 'data')


@pytest.fixture
def tud(tmp_path):
    name = 'TUD-Campus'
    seq_dir = tmp_path / 'gt' / name
    (seq_dir / 'gt').mkdir(parents=True)
    shutil.copy(osp.join(MM_DATA, name, 'gt.txt'), seq_dir / 'gt')
    (tmp_path / 'res').mkdir()
    shutil.copy(osp.join(MM_DATA, name, 'test.txt'),
                tmp_path / 'res' / f'{name}.txt')
    write_seqinfo(str(seq_dir / 'seqinfo.ini'),
                  SeqInfo(name=name, seq_length=71, im_width=640,
                          im_height=480))
    return tmp_path


def test_show_errors_tool(tud, capsys):
    main = runpy.run_path(
        osp.join(ROOT, 'tools', 'analysis_tools', 'show_errors.py'))['main']
    out = tud / 'errors'
    assert main([str(tud / 'gt'), str(tud / 'res'), '--out', str(out),
                 '--max-frames', '2', '--benchmark', 'MOT15']) == 0
    official = evaluate_mot(str(tud / 'gt'), str(tud / 'res'),
                            benchmark='MOT15')['trackeval']
    row = official.loc['TUD-Campus']
    text = capsys.readouterr().out
    assert (f'TUD-Campus: IDSW {int(row["IDS"])}, FN {int(row["FN"])}, '
            f'FP {int(row["FP"])}, Frag {int(row["Frag"])} marked') in text
    assert (out / 'report.md').is_file()
    assert (out / 'TUD-Campus_summary.png').is_file()
    assert len(list((out / 'TUD-Campus').glob('*.png'))) <= 2
    # a bad flag value stops at the parser
    with pytest.raises(SystemExit):
        main([str(tud / 'gt'), str(tud / 'res'), '--out', str(out),
              '--iou-thr', '1.5', '--benchmark', 'MOT15'])
    # an output folder inside an input is refused
    assert main([str(tud / 'gt'), str(tud / 'res'), '--out',
                 str(tud / 'res' / 'x'), '--benchmark', 'MOT15']) == 2


def test_eval_mot_show_errors(tud, capsys):
    main = runpy.run_path(osp.join(ROOT, 'tools', 'eval_mot.py'))['main']
    out = tud / 'errors'
    assert main(['--gt-root', str(tud / 'gt'), '--results',
                 str(tud / 'res'), '--show-errors', str(out),
                 '--benchmark', 'MOT15']) == 0
    assert 'errors drawn for 1 sequences' in capsys.readouterr().out
    assert (out / 'report.md').is_file()


QUICKSTART = osp.join(ROOT, 'outputs', 'quickstart')


@pytest.mark.skipif(
    not osp.isfile(osp.join(QUICKSTART, 'TEST-01.txt')),
    reason='no quickstart run in this checkout (make quickstart writes '
    'outputs/quickstart/TEST-01.txt and its held-out data)')
def test_quickstart_held_out_marks_equal_trackeval(tmp_path, capsys):
    """The quickstart's held-out tracks: identity-switch, miss and
    false-positive marks equal TrackEval's IDSW, FN and FP."""
    gt_root = osp.join(QUICKSTART, 'data', 'synthmot-test', 'train')
    (tmp_path / 'res').mkdir()
    shutil.copy(osp.join(QUICKSTART, 'TEST-01.txt'), tmp_path / 'res')
    main = runpy.run_path(
        osp.join(ROOT, 'tools', 'analysis_tools', 'show_errors.py'))['main']
    assert main([gt_root, str(tmp_path / 'res'), '--seqs', 'TEST-01',
                 '--out', str(tmp_path / 'errors'), '--max-frames',
                 '1']) == 0
    row = evaluate_mot(gt_root, str(tmp_path / 'res'),
                       seqs=['TEST-01'])['trackeval'].loc['TEST-01']
    assert row['IDS'] > 0
    assert (f'TEST-01: IDSW {int(row["IDS"])}, FN {int(row["FN"])}, '
            f'FP {int(row["FP"])}, Frag {int(row["Frag"])} marked'
            ) in capsys.readouterr().out
