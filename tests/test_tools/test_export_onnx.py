"""tools/deployment/export_onnx.py and the demo on onnxruntime."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.apis import VideoSink
from mmmtl.datasets import generate_sequence
from mmmtl.testing import tiny_mot_cfg
from mmmtl.utils.checkpoint import CheckpointMismatchError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('onnxruntime') is None
    or importlib.util.find_spec('onnx') is None,
    reason='onnx/onnxruntime not installed (pip install "mmmtl[deploy]")')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
W, H, T, FPS = 128, 80, 8, 10.0


def _load_tool(*parts):
    path = osp.join(ROOT, 'tools', *parts)
    spec = importlib.util.spec_from_file_location(parts[-1][:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """Config, random-init checkpoint and a short synthetic clip."""
    root = tmp_path_factory.mktemp('export')
    cfg = tiny_mot_cfg(
        'CEHead', scale=(96, 64), obj_score_thr=0.0, init_track_thr=0.0)
    cfg['model']['detector']['test_cfg'].update(score_thr=0.0, max_per_img=4)
    cfg = Config(cfg)
    config = str(root / 'tiny_oneshot_mot.py')
    cfg.dump(config)
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():  # distinct scores, as a trained model's
        model.detector.bbox_head.retina_cls.weight.normal_(0, 0.1)
    checkpoint = str(root / 'tiny.pth')
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=('pedestrian', )))),
        checkpoint)
    frames, _ = generate_sequence(T, (W, H), seed=4, num_targets=4)
    video = str(root / 'clip.mp4')
    with VideoSink(video, FPS, (W, H)) as sink:
        for f in frames:
            sink.write(f)
    return dict(root=root, config=config, checkpoint=checkpoint, video=video)


def test_export_checks_and_compares(assets, capsys):
    out = str(assets['root'] / 'tiny.onnx')
    tool = _load_tool('deployment', 'export_onnx.py')
    assert tool.main([
        assets['config'], assets['checkpoint'], '--out', out, '--shape',
        '64', '96', '--opset', '17'
    ]) == 0
    text = capsys.readouterr().out
    assert 'onnx.checker: passed' in text
    diffs = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(': ')
        if key in ('cls_score', 'bbox_pred', 'reid_feat', 'bboxes',
                   'scores', 'embeds'):
            diffs[key] = float(value)
    assert set(diffs) == {
        'cls_score', 'bbox_pred', 'reid_feat', 'bboxes', 'scores', 'embeds'
    }
    assert max(diffs.values()) < 1e-4
    from mmmtl.deploy import read_onnx_metadata
    meta = read_onnx_metadata(out)
    assert meta['head'] == 'CEHead' and meta['classes'] == ['pedestrian']
    assert meta['opset'] == 17 and meta['dynamic'] is True


def test_export_refuses_bad_arguments(assets, tmp_path):
    tool = _load_tool('deployment', 'export_onnx.py')
    with pytest.raises(SystemExit):  # would overwrite the checkpoint
        tool.parse_args([
            assets['config'], assets['checkpoint'], '--out',
            assets['checkpoint']
        ])
    with pytest.raises(SystemExit):  # not a multiple of 32
        tool.parse_args([
            assets['config'], assets['checkpoint'], '--out', 'm.onnx',
            '--shape', '60', '96'
        ])
    # a checkpoint of another model is refused, not half loaded
    other = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'detector.foo': torch.zeros(1)}), other)
    with pytest.raises(CheckpointMismatchError, match='foo'):
        tool.main([
            assets['config'], other, '--out', str(tmp_path / 'm.onnx'),
            '--shape', '64', '96'
        ])
    assert not osp.exists(tmp_path / 'm.onnx')


def _rows(path):
    return np.array([[float(v) for v in line.split(',')]
                     for line in open(path).read().splitlines()])


def test_demo_on_onnxruntime_writes_the_same_tracks(assets):
    onnx_file = str(assets['root'] / 'demo.onnx')
    _load_tool('deployment', 'export_onnx.py').main([
        assets['config'], assets['checkpoint'], '--out', onnx_file,
        '--shape', '64', '96'
    ])
    demo = _load_tool('demo', 'mot_demo.py')
    txt = {}
    for backend in ('pytorch', 'onnxruntime'):
        txt[backend] = str(assets['root'] / f'{backend}.txt')
        weights = (['--checkpoint', assets['checkpoint']]
                   if backend == 'pytorch' else ['--onnx', onnx_file])
        assert demo.main([
            assets['video'], assets['config'], *weights, '--backend',
            backend, '--out-txt', txt[backend], '--score-thr', '0',
            '--no-progress'
        ]) == 0
    ref, got = _rows(txt['pytorch']), _rows(txt['onnxruntime'])
    assert len(ref) >= T and ref.shape == got.shape
    np.testing.assert_array_equal(got[:, :2], ref[:, :2])  # frame, id
    np.testing.assert_allclose(got[:, 2:7], ref[:, 2:7], atol=2e-3)


def test_demo_backend_arguments(assets):
    demo = _load_tool('demo', 'mot_demo.py')
    base = [assets['video'], assets['config'], '--out-txt', 'x.txt']
    for extra in (['--backend', 'onnxruntime'],
                  ['--backend', 'onnxruntime', '--onnx', 'm.onnx',
                   '--checkpoint', assets['checkpoint']],
                  ['--onnx', 'm.onnx']):
        with pytest.raises(SystemExit):
            demo.parse_args(base + extra)
    # the graph is an input: an output onto it is refused before loading
    onnx_file = str(assets['root'] / 'never_loaded.onnx')
    assert demo.main([
        assets['video'], assets['config'], '--backend', 'onnxruntime',
        '--onnx', onnx_file, '--out-txt', onnx_file
    ]) == 2
