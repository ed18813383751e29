"""tools/test.py: its metric files never replace the ground truth, NaN
weights or outputs stop it naming them, and the config is printed only
with --verbose."""
import hashlib
import os.path as osp

import pytest
import torch
from _tool_loader import load_tool
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


def _tool():
    return load_tool('test.py', name='test_tool')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Two 4-frame held-out sequences, the quickstart config on them and a
    checkpoint of its randomly initialised model."""
    from mmmtl.datasets import convert_mot_to_coco, write_mot_split
    tmp = tmp_path_factory.mktemp('testpy')
    root = str(tmp / 'synth-test')
    write_mot_split(root, num_seqs=1, num_frames=4, size=(320, 192),
                    seed=3, split='train', workers=1, name_prefix='T')
    convert_mot_to_coco(root, osp.join(root, 'annotations'),
                        split_train=False)
    cfg_file = tmp / 'tiny.py'
    cfg_file.write_text(f"""
_base_ = ['{QUICKSTART}']
test_root = '{root}/'
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root=test_root))
test_evaluator = dict(gt_root=test_root + 'train')
""")
    cfg = Config.fromfile(str(cfg_file))
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(tmp / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return dict(cfg=str(cfg_file), ckpt=ckpt, root=root, tmp=tmp)


def _sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def test_outfile_prefix_holding_gt_root_is_refused(setup, capfd):
    """outfile_prefix=P with gt_root=P/gt used to rewrite the input
    seqinfo.ini (imWidth and imHeight dropped)."""
    import shutil
    prefix = setup['tmp'] / 'P'
    shutil.copytree(osp.join(setup['root'], 'train'), prefix / 'gt')
    seqinfo = prefix / 'gt' / 'T-01' / 'seqinfo.ini'
    gt = prefix / 'gt' / 'T-01' / 'gt' / 'gt.txt'
    before = (_sha(seqinfo), _sha(gt))
    with pytest.raises(SystemExit) as exc:
        _tool().main([
            setup['cfg'], setup['ckpt'], '--work-dir',
            str(setup['tmp'] / 'wd'), '--cfg-options',
            f'test_evaluator.outfile_prefix={prefix}',
            f'test_evaluator.gt_root={prefix}/gt'
        ])
    msg = str(exc.value.code)
    assert msg.startswith('error: outfile_prefix') and 'holds the input ' \
        'folder' in msg
    assert (_sha(seqinfo), _sha(gt)) == before
    # the config is not logged without --verbose
    assert 'Config:' not in capfd.readouterr().out
    assert 'Config:' not in _run_log(setup['tmp'] / 'wd')


def _run_log(work_dir) -> str:
    """The runner's log file in ``work_dir`` (a stream handler may be
    bound to another test's stdout, the file is this run's)."""
    import glob
    logs = sorted(glob.glob(str(work_dir / '*' / '*.log')))
    assert logs, f'no runner log in {work_dir}'
    return open(logs[-1]).read()


def test_the_config_is_printed_with_verbose(setup, capfd):
    prefix = setup['tmp'] / 'Q'
    # mmengine names a runner's logger after its config file and the
    # second it starts, and reuses a logger of that name without opening
    # a log file: a second run of the same file within the same second
    # would log into the first run's file. A config of its own keeps this
    # run's log in its own work dir.
    import shutil
    cfg = str(setup['tmp'] / 'tiny_verbose.py')
    shutil.copyfile(setup['cfg'], cfg)
    with pytest.raises(SystemExit):
        _tool().main([
            cfg, setup['ckpt'], '--verbose', '--work-dir',
            str(setup['tmp'] / 'wd_verbose'), '--cfg-options',
            f'test_evaluator.outfile_prefix={prefix}',
            f'test_evaluator.gt_root={prefix}'
        ])
    assert 'Config:' in _run_log(setup['tmp'] / 'wd_verbose')


def _nan_ckpt(setup, part):
    sd = torch.load(setup['ckpt'], weights_only=True)['state_dict']
    key = next(k for k in sd if part in k and sd[k].is_floating_point())
    sd[key] = sd[key].clone()
    sd[key].view(-1)[0] = float('nan')
    path = str(setup['tmp'] / f'nan_{part}.pth')
    torch.save(dict(state_dict=sd), path)
    return path, key


def test_nan_weights_stop_the_test_naming_them(setup):
    """A checkpoint with NaN weights used to give MOTA 0.0 and no word."""
    ckpt, key = _nan_ckpt(setup, 'reid')
    with pytest.raises(SystemExit) as exc:
        _tool().main([setup['cfg'], ckpt, '--work-dir',
                      str(setup['tmp'] / 'wd')])
    msg = str(exc.value.code)
    assert msg.startswith('error: checkpoint') and key in msg
    assert '--allow-nonfinite' in msg


def test_nan_outputs_stop_the_test_naming_output_and_frame(setup):
    ckpt, _ = _nan_ckpt(setup, 'reid')
    with pytest.warns(UserWarning, match='non-finite'):
        with pytest.raises(SystemExit) as exc:
            _tool().main([setup['cfg'], ckpt, '--allow-nonfinite',
                          '--work-dir', str(setup['tmp'] / 'wd')])
    msg = str(exc.value.code)
    assert 'frame 1' in msg and '000001.jpg' in msg
    assert 'non-finite embeddings' in msg
