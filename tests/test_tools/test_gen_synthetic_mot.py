"""tools/misc/gen_synthetic_mot.py: counts and scales checked by the
parser, and no run writes into another run's folders."""
import hashlib
import os
import os.path as osp

import pytest
from _tool_loader import load_tool

from mmmtl.datasets import write_mot_split
from mmmtl.formats import read_seqinfo

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL = ['--size', '64', '48', '--num-targets', '2', '--workers', '1']


@pytest.fixture(scope='module')
def tool():
    return load_tool('misc', 'gen_synthetic_mot.py')


@pytest.mark.parametrize('args, flag', [
    (['--frames', '0'], '--frames'),
    (['--num-seqs', '0'], '--num-seqs'),
    (['--num-seqs', '-2'], '--num-seqs'),
    (['--people-scale', '-1'], '--people-scale'),
    (['--scale', '0.001'], '--scale'),
    (['--scale', 'nan'], '--scale'),
    (['--size', '0', '48'], '--size'),
    (['--jpeg-quality', '101'], '--jpeg-quality'),
])
def test_bad_counts_and_scales_stop_at_the_parser(tool, tmp_path, capsys,
                                                  args, flag):
    with pytest.raises(SystemExit) as exc:
        tool.main([str(tmp_path / 'out')] + args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f'argument {flag}' in err and 'must be' in err
    assert not (tmp_path / 'out').exists()


def _sums(folder):
    return {
        osp.relpath(osp.join(d, f), folder):
        hashlib.sha256(open(osp.join(d, f), 'rb').read()).hexdigest()
        for d, _, files in os.walk(folder) for f in files
    }


def test_a_rerun_with_fewer_frames_is_refused_unless_overwrite(
        tool, tmp_path, capsys):
    out = str(tmp_path / 'data')
    assert tool.main([out, '--num-seqs', '1', '--frames', '6'] +
                     SMALL) == 0
    seq = osp.join(out, 'train', 'SYN0-01')
    assert len(os.listdir(osp.join(seq, 'img1'))) == 6
    before = _sums(out)
    capsys.readouterr()
    # fewer frames: 2 stale frames would stay beside seqLength=4
    assert tool.main([out, '--num-seqs', '1', '--frames', '4'] +
                     SMALL) == 2
    err = capsys.readouterr().err
    assert seq in err and '6 frames' in err and '--overwrite' in err
    assert _sums(out) == before  # nothing touched
    # the same command again is a re-run of the same sequence: allowed
    assert tool.main([out, '--num-seqs', '1', '--frames', '6'] +
                     SMALL) == 0
    assert tool.main([out, '--num-seqs', '1', '--frames', '4',
                      '--overwrite'] + SMALL) == 0
    assert sorted(os.listdir(osp.join(seq, 'img1'))) == [
        f'{i:06d}.jpg' for i in range(1, 5)
    ]
    assert read_seqinfo(seq).seq_length == 4


def test_the_library_refuses_too(tmp_path):
    write_mot_split(str(tmp_path), num_seqs=1, num_frames=3, size=(64, 48),
                    num_targets=1, workers=1)
    with pytest.raises(FileExistsError, match='another run'):
        write_mot_split(str(tmp_path), num_seqs=1, num_frames=3,
                        size=(96, 48), num_targets=1, workers=1)
    with pytest.raises(ValueError, match='num_seqs and num_frames'):
        write_mot_split(str(tmp_path / 'b'), num_seqs=-2, num_frames=3)


def test_zero_is_not_read_as_the_default(tool):
    # 0 used to mean "default" (150 frames, 3 sequences)
    args = tool.parse_args(['out', '--frames', '1', '--num-seqs', '1'])
    assert (args.frames, args.num_seqs) == (1, 1)
    args = tool.parse_args(['out'])
    assert args.frames is None and args.num_seqs is None


@pytest.mark.parametrize('profile, seqs, fps, digits', [
    ('dancetrack', ['dancetrack0001', 'dancetrack0004'], 20, 8),
    ('sportsmot', ['v_-6Os86HzwCs_c001', 'v_00HRwkvvjtQ_c001'], 25, 6),
])
def test_dancetrack_and_sportsmot_profiles(tool, tmp_path, capsys, profile,
                                           seqs, fps, digits):
    """The command line writes the benchmark's train and val folders with
    its frame names and frame rate, ground truth in both."""
    assert tool.main(['--profile', profile, '--list']) == 0
    listed = capsys.readouterr().out
    assert all(s in listed for s in seqs)
    out = str(tmp_path / profile)
    assert tool.main([out, '--profile', profile, '--seqs'] + seqs + [
        '--frames', '2', '--scale', '0.1', '--workers', '1']) == 0
    for split, name in zip(('train', 'val'), seqs):
        seq = osp.join(out, split, name)
        assert sorted(os.listdir(osp.join(seq, 'img1'))) == [
            f'{i:0{digits}d}.jpg' for i in (1, 2)]
        assert osp.isfile(osp.join(seq, 'gt', 'gt.txt'))
        assert read_seqinfo(seq).frame_rate == fps
