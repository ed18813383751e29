"""``mim train/test mmmtl``, ``tools/dist_train.sh`` and resume, end to end.

One tiny synthetic MOT data set is made per module; the quickstart config
is shrunk to a few iterations on it.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')
BIN = osp.dirname(sys.executable)


def _env(extra_path=None):
    env = dict(os.environ)
    paths = [ROOT] + ([extra_path] if extra_path else [])
    env['PYTHONPATH'] = os.pathsep.join(
        paths + [env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    env['OMP_NUM_THREADS'] = '1'
    return env


@pytest.fixture(scope='module')
def tiny_cfg(tmp_path_factory):
    from mmmtl.datasets.converters import convert_mot_to_coco
    from mmmtl.datasets.synthetic import write_mot_split
    tmp = tmp_path_factory.mktemp('entry')
    roots = {}
    # two test videos: TrackImgSampler needs one per process
    for name, seed, n in (('train', 0, 1), ('test', 1, 2)):
        root = str(tmp / f'synth-{name}')
        write_mot_split(root, num_seqs=n, num_frames=6, size=(320, 192),
                        seed=seed, split='train', workers=1,
                        name_prefix=name.upper())
        convert_mot_to_coco(root, osp.join(root, 'annotations'),
                            split_train=False)
        roots[name] = root + '/'
    cfg = tmp / 'tiny_quickstart.py'
    cfg.write_text(f"""
_base_ = ['{QUICKSTART}']
train_root = '{roots['train']}'
test_root = '{roots['test']}'
train_dataloader = dict(batch_size=2, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root=train_root))
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root=test_root))
test_evaluator = dict(gt_root=test_root + 'train')
train_cfg = dict(max_iters=3)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=3))
""")
    return str(cfg), tmp


def _run(cmd, env, timeout=300):
    res = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         timeout=timeout, cwd=ROOT)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    return out


@pytest.fixture(scope='module')
def trained(tiny_cfg):
    """``mim train`` of the tiny config: (config, work_dir, checkpoint)."""
    cfg, tmp = tiny_cfg
    work_dir = str(tmp / 'mim_wd')
    _run([osp.join(BIN, 'mim'), 'train', 'mmmtl', cfg, '--gpus', '0',
          '--work-dir', work_dir], _env())
    return cfg, work_dir, osp.join(work_dir, 'iter_3.pth')


def test_mim_train_then_mim_test(trained):
    cfg, work_dir, ckpt = trained
    assert osp.isfile(ckpt)
    from mmmtl.utils import safe_torch_load
    state = safe_torch_load(ckpt)
    assert any(k.startswith('loss_balancer.') for k in state['state_dict'])
    out = _run([osp.join(BIN, 'mim'), 'test', 'mmmtl', cfg, '--checkpoint',
                ckpt, '--gpus', '0', '--work-dir', work_dir], _env())
    for key in ('HOTA', 'MOTA', 'IDF1'):
        assert key in out, out[-3000:]


def _fails(cmd, env, timeout=300):
    res = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         timeout=timeout, cwd=ROOT)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-4000:]
    return out


def test_test_py_refuses_url_mismatch_and_no_checkpoint(
        trained, http_root, evil_checkpoint, tmp_path):
    cfg, work_dir, ckpt = trained
    test_py = osp.join(ROOT, 'tools', 'test.py')
    folder, base = http_root
    marker = tmp_path / 'pwned'
    from mmmtl.utils import safe_torch_load
    state = safe_torch_load(ckpt)
    evil_checkpoint(folder / 'evil.pth', marker,
                    state_dict=state['state_dict'])
    env = _env()
    out = _fails([sys.executable, test_py, cfg, f'{base}/evil.pth',
                  '--work-dir', work_dir], env)
    assert 'UnsafeCheckpointError' in out and 'evil.pth' in out
    assert 'motchallenge-metric' not in out and not marker.exists()
    # a checkpoint of another model: named keys, no metrics
    other = {k.replace('bbox_head', 'roi_head'): v
             for k, v in state['state_dict'].items()}
    bad = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=other), bad)
    out = _fails([sys.executable, test_py, cfg, bad, '--work-dir',
                  work_dir], env)
    assert 'CheckpointMismatchError' in out and 'roi_head' in out
    assert 'motchallenge-metric' not in out
    out = _fails([sys.executable, test_py, cfg, '--work-dir', work_dir],
                 env)
    assert '--random-weights' in out
    out = _run([sys.executable, test_py, cfg, '--random-weights',
                '--work-dir', work_dir], env)
    assert 'motchallenge-metric/HOTA' in out


def test_dist_train_two_processes_keep_identical_lwf_weights(tiny_cfg):
    cfg, tmp = tiny_cfg
    work_dir = str(tmp / 'dist_wd')
    probe_dir = osp.dirname(osp.abspath(__file__))
    env = _env(probe_dir)
    env['PYTHON'] = sys.executable
    env['PORT'] = '29517'
    dist_cfg = tmp / 'tiny_dist.py'
    dist_cfg.write_text(f"""
_base_ = ['{cfg}']
custom_imports = dict(imports=['mmmtl', '_dist_probe'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='LWFStateProbeHook')]
train_dataloader = dict(batch_size=1)
""")
    _run([
        'bash',
        osp.join(ROOT, 'tools', 'dist_train.sh'),
        str(dist_cfg), '2', '--work-dir', work_dir
    ], env, timeout=400)
    r0 = torch.load(osp.join(work_dir, 'lwf_rank0.pth'), weights_only=False)
    r1 = torch.load(osp.join(work_dir, 'lwf_rank1.pth'), weights_only=False)
    assert r0['iter'] == r1['iter'] == 3
    assert r0['state'].keys() == r1['state'].keys()
    for k in r0['state']:
        torch.testing.assert_close(r0['state'][k], r1['state'][k],
                                   rtol=0, atol=0)
    for k, v in r0['weights'].items():
        assert v == pytest.approx(r1['weights'][k], abs=0), k
    # the weights were learned (not the initial ones) and are finite
    assert all(0.0 < v < 10.0 for v in r0['weights'].values())


def test_train_py_resume_continues_the_same_run(tiny_cfg):
    """A run resumed from its iteration-2 checkpoint ends with the weights
    of the run that was not interrupted. The config sets no seed, so each
    process draws its own: before ``ResumableRunner`` the resumed run's
    sampler took the new one and its weights differed."""
    import shutil

    from mmmtl.utils import safe_torch_load
    cfg, tmp = tiny_cfg
    every = ['--cfg-options', 'default_hooks.checkpoint.interval=1',
             'default_hooks.checkpoint.max_keep_ckpts=-1']
    whole, resumed = str(tmp / 'whole_wd'), str(tmp / 'resume_wd')
    _run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), cfg,
          '--work-dir', whole] + every, _env())
    # the interruption: a work_dir holding the run up to iteration 2 only
    os.makedirs(resumed)
    shutil.copy(osp.join(whole, 'iter_2.pth'), resumed)
    with open(osp.join(resumed, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(resumed, 'iter_2.pth'))
    out = _run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), cfg,
                '--work-dir', resumed, '--resume'] + every, _env())
    assert 'resumed epoch: 0, iter: 2' in out
    a = safe_torch_load(osp.join(whole, 'iter_3.pth'))
    b = safe_torch_load(osp.join(resumed, 'iter_3.pth'))
    assert a['meta']['seed'] == b['meta']['seed']
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for k, v in a['state_dict'].items():
        torch.testing.assert_close(b['state_dict'][k], v, rtol=0, atol=0,
                                   msg=k)


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_tools_print_help(tool):
    """``-h`` shows the usage and the wrapped script's options."""
    out = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', tool), '-h'],
        capture_output=True, text=True, env=_env(), timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert '--cfg-options' in out.stdout
    assert 'not found' not in out.stdout + out.stderr


def _metrics(out):
    """``motchallenge-metric/KEY: VALUE`` pairs of a test log."""
    import re
    return dict(re.findall(r'motchallenge-metric/(\w+): ([-\d.]+)', out))


@pytest.mark.skipif(
    __import__('importlib').util.find_spec('onnxruntime') is None,
    reason='onnxruntime is not installed (pip install "mmmtl[deploy]")')
def test_test_py_on_onnxruntime_gives_the_same_metrics(trained, tmp_path):
    """tools/test.py --backend onnxruntime: the checkpoint's metrics."""
    cfg, work_dir, ckpt = trained
    env = _env()
    onnx_file = str(tmp_path / 'tiny.onnx')
    _run([sys.executable, osp.join(ROOT, 'tools', 'deployment',
                                   'export_onnx.py'), cfg, ckpt, '--out',
          onnx_file, '--shape', '192', '320'], env)
    test_py = osp.join(ROOT, 'tools', 'test.py')
    ref = _metrics(_run([sys.executable, test_py, cfg, ckpt, '--work-dir',
                         str(tmp_path / 'pt')], env))
    got = _metrics(_run([sys.executable, test_py, cfg, '--backend',
                         'onnxruntime', '--onnx', onnx_file, '--work-dir',
                         str(tmp_path / 'ort')], env))
    assert 'HOTA' in ref and 'IDF1' in ref
    assert got == ref
    out = _fails([sys.executable, test_py, cfg, ckpt, '--backend',
                  'onnxruntime', '--onnx', onnx_file], env)
    assert 'takes the weights from' in out
