"""The quickstart pipeline end to end, shrunk to a few frames/iterations."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import pytest
from _tool_loader import load_tool

from mmmtl.engine.optimizers import amp_args

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _quickstart(out, env):
    """A two-iteration quickstart on one 8-frame sequence per split."""
    return subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'quickstart.py'), '--out',
        str(out), '--train-seqs', '1', '--test-seqs', '1', '--frames', '8',
        '--iters', '2'
    ], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_quickstart_runs_every_step_and_leaves_its_outputs(tmp_path):
    out = tmp_path / 'qs'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    res = _quickstart(out, env)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-4000:]
    for step in range(1, 6):
        assert f'[quickstart {step}/5]' in log
    assert 'MOTA' in log and 'IDF1' in log and 'HOTA' in log
    metrics = json.loads((out / 'metrics.json').read_text())
    assert any(k.endswith('MOTA') for k in metrics)
    video = cv2.VideoCapture(str(out / 'tracking_demo.mp4'))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 8
    assert int(video.get(cv2.CAP_PROP_FRAME_WIDTH)) == 320
    video.release()
    png = out / 'lwf_weights.png'
    assert png.stat().st_size > 1000
    assert cv2.imread(str(png)) is not None
    # a second run reuses the data and the checkpoint
    res2 = _quickstart(out, env)
    assert res2.returncode == 0, (res2.stdout + res2.stderr)[-4000:]
    assert 'exists, kept' in res2.stdout


@pytest.mark.parametrize('accelerator, expected', [
    (False, dict(type='CPUAmpOptimWrapper', dtype='bfloat16',
                 loss_scale=None)),
    (True, dict(type='AmpOptimWrapper', loss_scale='dynamic')),
])
def test_quickstart_amp_sets_what_train_amp_sets(monkeypatch, tmp_path,
                                                 accelerator, expected):
    monkeypatch.setattr(amp_args, '_has_amp_accelerator',
                        lambda: accelerator)
    quickstart = load_tool('quickstart.py')
    ann = tmp_path / 'data' / 'synthmot-train' / 'annotations'
    ann.mkdir(parents=True)
    (ann / 'train_cocoformat.json').write_text('{"num_identities": 5}')
    args = quickstart.parse_args(['--amp', '--out', str(tmp_path)])
    cfg = quickstart.build_cfg(args, str(tmp_path / 'data'),
                               str(tmp_path / 'work_dir'))
    for key, value in expected.items():
        assert cfg.optim_wrapper[key] == value
    plain = quickstart.build_cfg(quickstart.parse_args(['--out',
                                                        str(tmp_path)]),
                                 str(tmp_path / 'data'),
                                 str(tmp_path / 'work_dir'))
    assert plain.optim_wrapper.type == 'OptimWrapper'
