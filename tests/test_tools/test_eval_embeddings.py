"""tools/analysis_tools/eval_embeddings.py on a small written cache."""
import json
import os

import numpy as np
import pytest
from _tool_loader import load_tool

from mmmtl.formats import (
    SequenceDetections,
    cache_path,
    write_detection_cache,
    write_mot_gt,
)


@pytest.fixture(scope='module')
def tool():
    return load_tool('analysis_tools', 'eval_embeddings.py')


@pytest.fixture
def cache(tmp_path):
    """Two sequences of two people over four frames; in SEQ-B the
    embeddings of the two people are the same."""
    boxes = np.array([[0, 0, 10, 20], [30, 0, 40, 20]], np.float32)
    for name, embeds in (('SEQ-A', [[1, 0], [0, 1]]),
                         ('SEQ-B', [[1, 1], [1, 1]])):
        frames = [(boxes, np.array([.9, .9], np.float32),
                   np.zeros(2, np.int64), np.array(embeds, np.float32))
                  ] * 4
        seq = SequenceDetections.from_frames(
            name, frames, meta=dict(gt_root=str(tmp_path / 'gt')))
        write_detection_cache(cache_path(str(tmp_path / 'cache'), name),
                              seq)
        os.makedirs(tmp_path / 'gt' / name / 'gt')
        write_mot_gt(str(tmp_path / 'gt' / name / 'gt' / 'gt.txt'),
                     [[t, i + 1, 30 * i, 0, 10, 20, 1, 1, 1]
                      for t in range(1, 5) for i in range(2)])
    return tmp_path


def test_prints_and_writes_each_sequence_and_the_pool(tool, cache, capsys):
    out = cache / 'quality.json'
    assert tool.main([str(cache / 'cache'), '--max-gap', '2', '--json',
                      str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == ['Sequence', 'SEQ-A', 'SEQ-B',
                                               'OVERALL']
    figures = json.loads(out.read_text())
    assert figures['max_gap'] == 2
    seqs = figures['sequences']
    # pairs 1 or 2 frames apart: (3 + 2) frame pairs, 2 same and 2 other
    assert seqs['SEQ-A']['same_pairs'] == 10
    assert seqs['SEQ-A']['AUC'] == 1.0
    assert seqs['SEQ-B']['AUC'] == 0.5
    assert seqs['OVERALL']['same_pairs'] == 20
    assert seqs['OVERALL']['identities'] == 4


def test_refuses_missing_ground_truth_and_outputs_inside_inputs(
        tool, cache, capsys):
    os.remove(cache / 'gt' / 'SEQ-B' / 'gt' / 'gt.txt')
    assert tool.main([str(cache / 'cache')]) == 2
    err = capsys.readouterr().err
    assert 'SEQ-B' in err and 'gt.txt' in err
    assert tool.main([str(cache / 'cache'), '--seqs', 'SEQ-A']) == 0
    capsys.readouterr()
    assert tool.main([str(cache / 'cache'), '--json',
                      str(cache / 'cache' / 'q.json')]) == 2
    assert '--json' in capsys.readouterr().err
    assert not (cache / 'cache' / 'q.json').exists()
