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
            f'FP {int(row["FP"])}') in text
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
