"""The one output rule: never onto an input, written under a temporary
name, renamed when complete."""
import os

import pytest

from mmmtl.utils import (
    OutputClashError,
    atomic_open,
    atomic_path,
    check_output_dir,
    check_outputs,
    partial_path,
)


def test_partial_path_keeps_the_extension():
    assert partial_path('a/out.mp4') == 'a/out.partial.mp4'
    assert partial_path('metrics.csv') == 'metrics.partial.csv'


def test_an_output_never_resolves_to_an_input(tmp_path):
    src = tmp_path / 'gt.txt'
    src.write_text('1,1,0,0,1,1,1,1,1\n')
    link = tmp_path / 'link.txt'
    os.symlink(src, link)
    hard = tmp_path / 'hard.txt'
    os.link(src, hard)
    for out in (src, link, hard, tmp_path / '.' / 'gt.txt'):
        with pytest.raises(OutputClashError, match='would overwrite the '
                           'input'):
            check_outputs([str(out)], [str(src)])
    # two outputs onto one file
    with pytest.raises(OutputClashError, match='the output'):
        check_outputs([str(tmp_path / 'a.csv'), str(tmp_path / 'a.csv')],
                      [])
    # the partial name of an output is written first: it is checked too
    with pytest.raises(OutputClashError):
        check_outputs([str(tmp_path / 'x.txt')],
                      [str(tmp_path / 'x.partial.txt')])
    check_outputs([str(tmp_path / 'new.csv'), None], [str(src)])
    assert src.read_text() == '1,1,0,0,1,1,1,1,1\n'


def test_output_folder_and_input_folder(tmp_path):
    gt = tmp_path / 'P' / 'gt'
    gt.mkdir(parents=True)
    for out, word in ((tmp_path / 'P', 'holds'), (gt, 'is'),
                      (gt / 'sub', 'lies inside')):
        with pytest.raises(OutputClashError, match=word):
            check_output_dir(str(out), [str(gt)], 'outfile_prefix')
    check_output_dir(str(tmp_path / 'Q'), [str(gt)])
    # writers whose names cannot clash may sit above the input
    check_output_dir(str(tmp_path / 'P'), [str(gt)], may_hold_inputs=True)
    with pytest.raises(OutputClashError):
        check_output_dir(str(gt / 'x'), [str(gt)], may_hold_inputs=True)


def test_atomic_writes_appear_only_when_complete(tmp_path):
    out = tmp_path / 'deep' / 'table.json'
    with atomic_open(str(out)) as f:
        f.write('{}')
        assert not out.exists()  # still under the partial name
        assert (tmp_path / 'deep' / 'table.partial.json').exists()
    assert out.read_text() == '{}'
    assert not (tmp_path / 'deep' / 'table.partial.json').exists()
    # an error keeps the old file and leaves no partial file behind
    with pytest.raises(RuntimeError):
        with atomic_open(str(out)) as f:
            f.write('{"half": ')
            raise RuntimeError('boom')
    assert out.read_text() == '{}'
    assert not (tmp_path / 'deep' / 'table.partial.json').exists()
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(str(out), keep_partial=True) as tmp:
            open(tmp, 'w').write('half')
            raise KeyboardInterrupt
    assert (tmp_path / 'deep' / 'table.partial.json').read_text() == 'half'
    with pytest.raises(ValueError, match='mode'):
        with atomic_open(str(out), 'a'):
            pass


def test_format_writers_never_leave_a_truncated_file(tmp_path, monkeypatch):
    """The MOTChallenge writers (results, ground truth, seqinfo.ini) write
    through a temporary name: a failure half-way keeps the old file."""
    import numpy as np

    from mmmtl.formats import motchallenge, write_mot_results
    path = tmp_path / 'S.txt'
    write_mot_results(str(path), np.array([[1, 1, 0, 0, 10, 20, 1.]]))
    before = path.read_text()

    def broken(*args, **kwargs):
        raise RuntimeError('disk full')

    monkeypatch.setattr(motchallenge, 'format_mot_results', broken)
    with pytest.raises(RuntimeError, match='disk full'):
        write_mot_results(str(path), np.array([[2, 1, 0, 0, 10, 20, 1.]]))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['S.txt']
