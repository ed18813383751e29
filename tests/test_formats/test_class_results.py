"""Class-column result files: one file holding several classes."""
import numpy as np
import pytest

from mmmtl.formats import (
    MOTFormatError,
    read_mot_class_results,
    write_mot_class_results,
)


def test_class_results_round_trip(tmp_path):
    rows = np.array([[2, 5, 1.5, 2, 10, 20, 0.9],
                     [1, 5, 0, 0, 10, 20, 0.8],
                     [1, 5, 50, 0, 30, 10, 0.7]])
    classes = np.array([1, 1, 3])
    path = str(tmp_path / 'V.txt')
    write_mot_class_results(path, rows, classes)
    text = open(path).read().splitlines()
    assert text[0] == '1,5,0,0,10,20,0.8,1,-1,-1'
    assert text[1] == '1,5,50,0,30,10,0.7,3,-1,-1'
    back, cls = read_mot_class_results(path, seq_length=2)
    assert cls.tolist() == [1, 3, 1]
    assert back[2].tolist() == [2, 5, 1.5, 2, 10, 20, 0.9]
    with pytest.raises(ValueError, match='one integer class'):
        write_mot_class_results(path, rows, [1, 0, 3])


def test_class_results_errors_name_the_line(tmp_path):
    path = tmp_path / 'V.txt'
    path.write_text('1,5,0,0,10,20,0.8,1,-1,-1\n1,5,9,0,10,20,0.8,1,-1,-1\n')
    with pytest.raises(MOTFormatError, match=r'V.txt:2: .*twice'):
        read_mot_class_results(str(path))
    path.write_text('1,5,0,0,10,20,0.8,0,-1,-1\n')
    with pytest.raises(MOTFormatError, match=r'V.txt:1: .*class'):
        read_mot_class_results(str(path))
    path.write_text('1,5,0,0,10,20,0.8\n')  # no class column
    with pytest.raises(MOTFormatError, match='columns'):
        read_mot_class_results(str(path))


def test_class_results_written_through_a_partial_name(tmp_path,
                                                      monkeypatch):
    """A write that fails midway leaves the older file whole and no
    partial file."""
    from mmmtl.formats import motchallenge
    path = tmp_path / 'V.txt'
    path.write_text('1,5,0,0,10,20,0.8,1,-1,-1\n')

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(motchallenge, '_format_rows', fail)
    with pytest.raises(KeyboardInterrupt):
        write_mot_class_results(
            str(path), np.array([[1, 7, 0, 0, 10, 20, 0.9]]), [2])
    assert path.read_text() == '1,5,0,0,10,20,0.8,1,-1,-1\n'
    assert [p.name for p in tmp_path.iterdir()] == ['V.txt']
