"""``--amp`` on the CPU, end to end: bfloat16 training of shipped configs.

One tiny synthetic MOT training set is made per module. The quickstart
config runs through ``tools/train.py --amp`` (the command users type); the
papers' CE + LWF ResNet-50 config, shrunk by
:func:`mmmtl.testing.shrink_mot_config`, runs in-process with the options
that ``--amp`` adds, once in bfloat16 and once in float32, to compare
their loss curves.
"""
import glob
import json
import math
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmmtl.engine.optimizers import amp_args
from mmmtl.testing import shrink_mot_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')
R50_LWF = osp.join(
    ROOT, 'configs', 'lwf',
    'ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16train_test-mot16test.py')
KEYS = ('loss', 'loss_cls', 'loss_bbox', 'loss_reid', 'w_cls', 'w_reg',
        'w_reid')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    """One 12-frame training sequence (MOT layout + CocoVID json)."""
    from mmmtl.datasets.converters import convert_mot_to_coco
    from mmmtl.datasets.synthetic import write_mot_split
    root = str(tmp_path_factory.mktemp('amp') / 'synth') + '/'
    write_mot_split(root, num_seqs=1, num_frames=12, size=(320, 192),
                    seed=0, split='train', workers=1, name_prefix='AMP')
    summary = convert_mot_to_coco(root, root + 'annotations',
                                  split_train=False)
    return root, summary['train']['num_identities']


def _scalars(work_dir):
    """Per-iteration scalars of the run's ``vis_data/scalars.json``."""
    path, = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {k: np.array([r[k] for r in rows if k in r]) for k in KEYS}


def test_train_py_amp_runs_the_quickstart_in_bfloat16(data_root, tmp_path,
                                                      monkeypatch):
    root, num_ids = data_root
    if amp_args._has_amp_accelerator():
        pytest.skip('a GPU is present: --amp is mmdet\'s float16 AMP there')
    cfg = tmp_path / 'tiny_quickstart.py'
    cfg.write_text(f"""
_base_ = ['{QUICKSTART}']
train_dataloader = dict(batch_size=2, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root='{root}'))
model = dict(detector=dict(bbox_head=dict(num_identities={num_ids})))
train_cfg = dict(max_iters=2)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2))
""")
    work_dir = str(tmp_path / 'work')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([ROOT, env.get('PYTHONPATH', '')])
    res = subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), str(cfg), '--amp',
        '--work-dir', work_dir
    ], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    dumped = Config.fromfile(osp.join(work_dir, 'tiny_quickstart.py'))
    assert dumped.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert dumped.optim_wrapper.dtype == 'bfloat16'
    scalars = _scalars(work_dir)
    for key in KEYS:
        assert len(scalars[key]) == 2, key
        assert np.isfinite(scalars[key]).all(), (key, scalars[key])
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))


def _amp_options(config):
    """The ``--cfg-options`` that ``tools/train.py --amp`` adds here."""
    import argparse
    argv = amp_args.cpu_amp_argv(['train.py', config, '--amp'])
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv[1:]).cfg_options


def _train(cfg):
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    return {
        k: np.array(hub.get_scalar(f'train/{k}').data[0])
        for k in KEYS
    }


def test_r50_lwf_config_bfloat16_follows_float32(data_root, tmp_path,
                                                 monkeypatch):
    """The shrunk R50 CE + LWF config in bfloat16 and in float32.

    Same seed, data order and initialisation; 10 iterations of 2 images.
    Tolerance: every loss and LWF weight finite; the bfloat16 total loss
    within 5 % of float32's at every iteration and within 2 % averaged
    over iterations 1-5 and over 6-10 (measured here: 0.02 % on the
    averages, under 0.2 % per iteration; on the full-width quickstart
    model, 30 iterations of 2 images, single iterations differed by up to
    15 % and 3.6 % on average, as each run follows its own noise once
    the parameters differ).
    """
    monkeypatch.setattr(amp_args, '_has_amp_accelerator', lambda: False)
    root, num_ids = data_root
    curves = {}
    for name in ('fp32', 'bf16'):
        cfg = Config.fromfile(R50_LWF)
        shrink_mot_config(cfg, root, num_ids, str(tmp_path / name),
                          max_iters=10)
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
        cfg.experiment_name = f'amp-{name}'
        if name == 'bf16':
            cfg.merge_from_dict(_amp_options(R50_LWF))
            assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
        assert cfg.model.loss_balancer.type == 'LWFLoss'
        curves[name] = _train(cfg)
    for key in KEYS:
        assert len(curves['bf16'][key]) == 10, key
        assert np.isfinite(curves['bf16'][key]).all(), key
    fp32, bf16 = curves['fp32']['loss'], curves['bf16']['loss']
    assert (abs(bf16 / fp32 - 1) < 0.05).all(), (fp32, bf16)
    for window in (slice(0, 5), slice(5, 10)):
        rel = abs(bf16[window].mean() / fp32[window].mean() - 1)
        assert rel < 0.02, (window, fp32, bf16)
    assert not math.isclose(float(bf16[0]), float(fp32[0]), rel_tol=0,
                            abs_tol=0)  # bfloat16 did run
