"""tools/analysis_tools/get_flops.py and Table I of the CE paper."""
import json
import logging
import os.path as osp

import pytest
from _tool_loader import load_tool
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmmtl  # noqa: F401  (registers the heads)
from mmmtl.testing import HEAD_TYPES, r50_detector_cfg, tiny_mot_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'get_flops.py')

# Table I of the CE paper: (GFLOPs, #params in M) at 512 x 512
TABLE_I = {
    'TripleBranchHead': (64.73, 38.62),
    'JointBranchHead': (64.73, 38.61),
    'SharedBranchHead': (38.96, 33.89),
    'DoubleBranchClsHead': (51.84, 36.25),
    'DoubleBranchRegHead': (51.84, 36.25),
    'CEHead': (51.85, 36.25),
}


@pytest.fixture(scope='module')
def tool():
    module = load_tool('analysis_tools', 'get_flops.py')
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    return module


def write_tiny_config(path, head='CEHead', num_identities=8):
    Config(tiny_mot_cfg(head, num_identities)).dump(str(path))
    return str(path)


def test_folder_table_and_json(tool, tmp_path, capsys):
    folder = tmp_path / 'configs'
    folder.mkdir()
    write_tiny_config(folder / 'b_ce.py', 'CEHead', num_identities=8)
    write_tiny_config(folder / 'a_triple.py', 'TripleBranchHead', 20)
    out = tmp_path / 'res' / 'flops.json'
    rows = tool.main([str(folder), '--shape', '64', '64', '--out', str(out)])
    assert [r['config'] for r in rows] == ['a_triple', 'b_ce']
    assert [r['head'] for r in rows] == ['TripleBranchHead', 'CEHead']
    for row, k in zip(rows, (20, 8)):
        # identity classifier: Linear(D=8, K)
        assert row['params'] - row['params_no_reid_cls'] == 8 * k + k
        assert row['flops'] > 0
    # the triple-branch head has one tower more than CE's two
    assert rows[0]['flops'] > rows[1]['flops']
    printed = capsys.readouterr().out
    assert 'input 64x64' in printed and 'a_triple' in printed
    saved = json.loads(out.read_text())
    assert saved['shape'] == [64, 64] and saved['rows'] == rows


def test_flops_scale_with_the_input_and_cfg_options(tool, tmp_path):
    path = write_tiny_config(tmp_path / 'ce.py')
    small = tool.main([path, '--shape', '64', '64'])[0]
    large = tool.main([path, '--shape', '128', '128'])[0]
    # every feature map has 4x the pixels (sizes divide by the strides)
    assert large['flops'] == 4 * small['flops']
    assert large['params'] == small['params']
    wider = tool.main([
        path, '--shape', '64', '64', '--cfg-options',
        'model.detector.bbox_head.embed_channels=16'
    ])[0]
    assert wider['params'] > small['params']


def test_missing_path_is_named(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        tool.main([str(tmp_path / 'nope.py')])
    with pytest.raises(FileNotFoundError, match='no \\*.py config'):
        tool.main([str(tmp_path)])


def test_table_i_complexity_of_the_six_heads(tool):
    """R50-FPN detectors, 512 x 512: within 1 % params (identity classifier
    left out, as its size depends on the data) and 1.5 % GFLOPs of the
    paper's Table I."""
    init_default_scope('mmdet')
    measured = {}
    for head in HEAD_TYPES:
        detector = MODELS.build(r50_detector_cfg(head, num_identities=500))
        measured[head] = tool.detector_complexity(detector, (512, 512))
        gflops = measured[head]['flops'] / 1e9
        mparams = measured[head]['params_no_reid_cls'] / 1e6
        paper_gflops, paper_mparams = TABLE_I[head]
        assert abs(gflops / paper_gflops - 1) < 0.015, (head, gflops)
        assert abs(mparams / paper_mparams - 1) < 0.01, (head, mparams)
    # the CE module adds its 1x1 convs (2k*E + E*E + E MACs) per location
    # of P3-P7 (64^2 + 32^2 + ... + 4^2 = 5456) and 17,281 parameters
    ce, reg = measured['CEHead'], measured['DoubleBranchRegHead']
    assert ce['flops'] - reg['flops'] == 5456 * 17024
    assert ce['params'] - reg['params'] == 17024 + 257
    assert measured['DoubleBranchClsHead'] == reg
    # this package's count for (a), as docs/heads.md reports it
    assert measured['TripleBranchHead']['flops'] / 1e9 == pytest.approx(
        64.75, abs=0.005)
