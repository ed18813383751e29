"""Strict MOTChallenge readers: every malformed input names file and line."""
import numpy as np
import pytest

from mmmtl.formats import (
    MOTFormatError,
    SeqInfo,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
    write_mot_gt,
    write_mot_results,
    write_seqinfo,
)

GOOD_GT = ['1,1,10,20,30,60,1,1,1.0', '1,2,50,20,30,60,0,7,0.5',
           '2,1,12,20,30,60,1,1,0.8']
GOOD_RES = ['1,1,10.5,20,30,60,0.9,-1,-1,-1', '2,1,12,20,30,60,0.8,-1,-1,-1']


def _write(tmp_path, lines, name='f.txt'):
    path = tmp_path / name
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_good_files_round_trip(tmp_path):
    gt = read_mot_gt(_write(tmp_path, GOOD_GT + ['']), seq_length=2)
    assert gt.shape == (3, 9)
    np.testing.assert_array_equal(gt[1], [1, 2, 50, 20, 30, 60, 0, 7, 0.5])
    res = read_mot_results(_write(tmp_path, GOOD_RES, 'r.txt'), 2)
    assert res.shape == (2, 7) and res[0, 2] == 10.5
    # writers give back the same floats
    write_mot_gt(str(tmp_path / 'g2.txt'), gt)
    np.testing.assert_array_equal(read_mot_gt(str(tmp_path / 'g2.txt')), gt)
    noisy = res.copy()
    noisy[:, 2:7] += 1 / 3
    write_mot_results(str(tmp_path / 'r2.txt'), noisy)
    np.testing.assert_array_equal(
        read_mot_results(str(tmp_path / 'r2.txt')), noisy)
    write_mot_results(str(tmp_path / 'r3.txt'), noisy, decimals=3)
    assert (tmp_path / 'r3.txt').read_text().startswith(
        '1,1,10.833,20.333,30.333,60.333,1.233,-1,-1,-1')


def test_empty_result_file_is_no_predictions(tmp_path):
    res = read_mot_results(_write(tmp_path, []), 10)
    assert res.shape == (0, 7)


def test_mot15_ground_truth(tmp_path):
    path = _write(tmp_path, ['1,1,10,20,30,60,1,-1,-1,-1'])
    gt = read_mot_gt(path, benchmark='MOT15')
    np.testing.assert_array_equal(gt[0, 6:], [1, 1, 1])
    # the 10-column layout is not taken for MOT17 (wx would be a class)
    with pytest.raises(MOTFormatError, match=r'f\.txt:1: .*columns'):
        read_mot_gt(path, benchmark='MOT17')


@pytest.mark.parametrize('line, match', [
    ('1,3,10,20,30,60,1,1', r':2: expected 9'),
    ('1,3,10,20,30,60,1,1,1,1', r':2: expected 9'),
    ('1,3,10,abc,30,60,1,1,1', r':2: column 4 is not a number'),
    ('1,3,10,,30,60,1,1,1', r':2: column 4 is not a number'),
    ('1,3,10,nan,30,60,1,1,1', r':2: NaN'),
    ('1,3,10,20,inf,60,1,1,1', r':2: NaN or infinite'),
    ('1,3,10,20,0,60,1,1,1', r':2: box width and height'),
    ('1,3,10,20,30,-5,1,1,1', r':2: box width and height'),
    ('1.5,3,10,20,30,60,1,1,1', r':2: frame number is not an integer'),
    ('0,3,10,20,30,60,1,1,1', r':2: frame number must be >= 1'),
    ('9,3,10,20,30,60,1,1,1', r':2: frame number exceeds'),
    ('1,-3,10,20,30,60,1,1,1', r':2: identity must be >= 0'),
    ('1,3.5,10,20,30,60,1,1,1', r':2: identity is not an integer'),
    ('1,3,10,20,30,60,0.5,1,1', r':2: ground-truth conf'),
    ('1,3,10,20,30,60,1,14,1', r':2: class must be'),
    ('1,3,10,20,30,60,1,1,1.5', r':2: visibility'),
    ('1,1,10,20,30,60,1,1,1', r':2: identity 1 appears twice in frame 1 '
     r'\(first at line 1\)'),
])
def test_malformed_gt_row(tmp_path, line, match):
    path = _write(tmp_path, [GOOD_GT[0], line])
    with pytest.raises(MOTFormatError, match=r'f\.txt' + match):
        read_mot_gt(path, seq_length=5)


@pytest.mark.parametrize('line, match', [
    ('1,3,10,20,30,60', r':2: expected 7 or 8 or 9 or 10'),
    ('1,3,10,20,30,60,1,-1,-1', r':2: 9 columns, but earlier rows have 10'),
    ('1,3,10,20,x,60,1,-1,-1,-1', r':2: column 5 is not a number'),
    ('1,3,10,20,30,60,nan,-1,-1,-1', r':2: NaN'),
    ('1,3,10,20,0,60,1,-1,-1,-1', r':2: box width and height'),
    ('3,3,10,20,30,60,1,-1,-1,-1', r':2: frame number exceeds'),
    ('1,-1,10,20,30,60,1,-1,-1,-1', r':2: identity must be >= 0'),
    ('1,1,10,20,30,60,1,-1,-1,-1', r':2: identity 1 appears twice'),
    ('1,3,10,20,30,60,1,3,-1,-1', r':2: class column'),
])
def test_malformed_result_row(tmp_path, line, match):
    path = _write(tmp_path, [GOOD_RES[0], line], 'r.txt')
    with pytest.raises(MOTFormatError, match=r'r\.txt' + match):
        read_mot_results(path, seq_length=2)


def test_warn_mode_skips_bad_rows(tmp_path):
    path = _write(tmp_path, GOOD_RES + ['2,2,12,20,0,60,0.8,-1,-1,-1'])
    with pytest.warns(UserWarning, match=r'skipped 1 invalid row.*line'):
        res = read_mot_results(path, 2, on_invalid='warn')
    assert len(res) == 2


def test_missing_files(tmp_path):
    with pytest.raises(MOTFormatError, match='nope.txt'):
        read_mot_gt(str(tmp_path / 'nope.txt'))
    with pytest.raises(MOTFormatError, match='seqinfo.ini not found'):
        read_seqinfo(str(tmp_path))


def test_seqinfo(tmp_path):
    info = SeqInfo(name='S', seq_length=7, im_width=64, im_height=32)
    write_seqinfo(str(tmp_path / 'seqinfo.ini'), info)
    assert read_seqinfo(str(tmp_path)) == info
    with pytest.raises(MOTFormatError, match='differs from the sequence'):
        read_seqinfo(str(tmp_path), expected_name='T')
    (tmp_path / 'seqinfo.ini').write_text(
        '[Sequence]\nname=S\nimDir=img1\nframeRate=30\nseqLength=x\n')
    with pytest.raises(MOTFormatError, match=r'seqLength=.x. is not'):
        read_seqinfo(str(tmp_path))
    (tmp_path / 'seqinfo.ini').write_text(
        '[Sequence]\nname=S\nimDir=img1\nframeRate=30\n')
    with pytest.raises(MOTFormatError, match="no key 'seqLength'"):
        read_seqinfo(str(tmp_path))
    (tmp_path / 'seqinfo.ini').write_text('[Other]\nname=S\n')
    with pytest.raises(MOTFormatError, match=r'no \[Sequence\]'):
        read_seqinfo(str(tmp_path))


def test_the_formats_live_in_mmmtl_formats_only():
    """Version 0.1.0 keeps no re-export of the MOTChallenge readers and
    writers under their pre-move paths."""
    import importlib

    import mmmtl.evaluation as evaluation
    with pytest.raises(AttributeError):
        evaluation.read_mot_gt
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module('mmmtl.evaluation.mot_io')


def test_distractor_table_is_the_official_one():
    from mmmtl.formats import DISTRACTOR_CLASSES, distractor_classes
    assert DISTRACTOR_CLASSES['MOT17'] == (2, 7, 8, 12)
    assert DISTRACTOR_CLASSES['MOT16'] == DISTRACTOR_CLASSES['MOT17']
    assert distractor_classes('MOT20') == [2, 6, 7, 8, 12]
    assert distractor_classes('MOT15') == []


def test_numbers_are_written_exactly_and_ints_as_ints(tmp_path):
    from mmmtl.formats import read_mot_det, write_mot_det
    gt = np.array([[1, 3, 10, 20.5, 30, 60, 1, 1, 1.0],
                   [2, 3, 11, 20, 30, 60, 0, 7, 0.25]])
    write_mot_gt(str(tmp_path / 'gt.txt'), gt)
    assert (tmp_path / 'gt.txt').read_text().splitlines() == [
        '1,3,10,20.5,30,60,1,1,1', '2,3,11,20,30,60,0,7,0.25']
    det = np.array([[2, 5, 1.5, 2, 3, 4, -0.5], [1, 9, 1, 2, 3, 4, 2.25]])
    write_mot_det(str(tmp_path / 'det.txt'), det)
    back = read_mot_det(str(tmp_path / 'det.txt'))
    assert back[:, 1].tolist() == [-1, -1] and back[:, 0].tolist() == [1, 2]
    np.testing.assert_array_equal(back[:, 2:], det[::-1, 2:])
    (tmp_path / 'bad.txt').write_text('1,4,1,2,3,4,0.5,-1,-1,-1\n')
    with pytest.raises(MOTFormatError, match=r'bad\.txt:1: .*identity -1'):
        read_mot_det(str(tmp_path / 'bad.txt'))
