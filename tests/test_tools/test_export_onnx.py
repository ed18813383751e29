"""tools/deployment/export_onnx.py and the demo on onnxruntime."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from _tool_loader import load_tool
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.apis import VideoSink
from mmmtl.datasets import generate_sequence
from mmmtl.testing import random_init_model, save_checkpoint, tiny_mot_cfg

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('onnxruntime') is None
    or importlib.util.find_spec('onnx') is None,
    reason='onnx/onnxruntime not installed (pip install "mmmtl[deploy]")')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
W, H, T, FPS = 128, 80, 8, 10.0


_load_tool = load_tool


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """Config, random-init checkpoint and a short synthetic clip."""
    root = tmp_path_factory.mktemp('export')
    # 'robust': every random box of a frame keeps a track, so the clip
    # yields at least T rows to compare
    cfg = tiny_mot_cfg(
        'CEHead', scale=(96, 64), preset='robust', obj_score_thr=0.0,
        init_track_thr=0.0)
    cfg['model']['detector']['test_cfg'].update(score_thr=0.0, max_per_img=4)
    cfg = Config(cfg)
    config = str(root / 'tiny_oneshot_mot.py')
    cfg.dump(config)
    init_default_scope('mmdet')
    model = random_init_model(cfg)
    with torch.no_grad():  # distinct scores, as a trained model's
        model.detector.bbox_head.retina_cls.weight.normal_(0, 0.1)
    checkpoint = save_checkpoint(model, str(root / 'tiny.pth'))
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


def test_export_refuses_bad_arguments(assets, tmp_path, capsys):
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
    # a checkpoint of another model is refused, not half loaded: one line
    # naming the checkpoint and the keys, without advice to use a flag the
    # exporter does not have
    other = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'detector.foo': torch.zeros(1)}), other)
    capsys.readouterr()
    assert tool.main([
        assets['config'], other, '--out', str(tmp_path / 'm.onnx'),
        '--shape', '64', '96'
    ]) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'other.pth' in err and 'foo' in err
    assert 'allow-partial' not in err and 'Traceback' not in err
    assert not osp.exists(tmp_path / 'm.onnx')
    assert list(tmp_path.iterdir()) == [tmp_path / 'other.pth']


@pytest.mark.parametrize('flag,value', [
    ('--opset', '0'), ('--opset', '-1'), ('--opset', '99'),
    ('--opset', 'nan'), ('--shape', '0'), ('--shape', '-32'),
    ('--shape', 'nan'), ('--shape', '99999999999'),
    ('--calib-frames', '0'), ('--calib-frames', '-1'),
    ('--calib-frames', 'nan'), ('--calib-frames', '1e30')
])
def test_numeric_flags_are_range_checked(assets, capsys, flag, value):
    tool = _load_tool('deployment', 'export_onnx.py')
    argv = [assets['config'], assets['checkpoint'], '--out', 'm.onnx']
    values = [value, '96'] if flag == '--shape' else [value]
    extra = ['--quantize', 'int8', '--calib', str(assets['root'])] \
        if flag == '--calib-frames' else []
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args(argv + extra + [flag, *values])
    assert exit_info.value.code == 2
    assert flag in capsys.readouterr().err


def test_quantize_arguments(assets):
    tool = _load_tool('deployment', 'export_onnx.py')
    argv = [assets['config'], assets['checkpoint'], '--out', 'm.onnx']
    for extra in (['--quantize', 'int8'],  # no calibration data
                  ['--calib', str(assets['root'])],  # without --quantize
                  ['--quantize', 'int8', '--calib', 'no/such/dir'],
                  ['--quantize', 'int8', '--calib', str(assets['root']),
                   '--opset', '11'],
                  ['--keep-float', 'reid_feat'],
                  ['--keep-float-nodes', '/detector/neck/*'],
                  ['--calib-moving-average'],
                  ['--calib-method', 'percentile']):
        with pytest.raises(SystemExit) as exit_info:
            tool.parse_args(argv + extra)
        assert exit_info.value.code == 2, extra
    quant = argv + ['--quantize', 'int8', '--calib', str(assets['root'])]
    for extra in (['--calib-percentile', '99.9'],  # not with minmax
                  ['--calib-method', 'entropy', '--calib-moving-average'],
                  ['--calib-method', 'percentile', '--calib-percentile',
                   '50'],
                  ['--calib-method', 'percentile', '--calib-percentile',
                   '100.5'],
                  ['--keep-float-nodes']):
        with pytest.raises(SystemExit) as exit_info:
            tool.parse_args(quant + extra)
        assert exit_info.value.code == 2, extra
    args = tool.parse_args(quant + [
        '--calib-method', 'percentile', '--calib-percentile', '99.99',
        '--keep-float-nodes', '/detector/neck/*', '/detector/reid*'])
    assert args.calib_percentile == 99.99 and args.keep_float == []
    assert args.keep_float_nodes == ['/detector/neck/*', '/detector/reid*']


def test_out_through_a_linked_folder_is_an_input_too(assets, tmp_path,
                                                     capsys):
    """--out naming the checkpoint through a linked folder: the plain path
    comparison let the export replace the checkpoint."""
    import hashlib
    import os

    def sha(path):
        return hashlib.sha256(open(path, 'rb').read()).hexdigest()

    os.symlink(osp.dirname(assets['checkpoint']), tmp_path / 'link')
    ckpt = assets['checkpoint']
    before = sha(ckpt)
    tool = _load_tool('deployment', 'export_onnx.py')
    with pytest.raises(SystemExit) as exc:
        tool.parse_args([
            assets['config'], ckpt, '--out',
            str(tmp_path / 'link' / osp.basename(ckpt))
        ])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert '--out' in err and 'would overwrite the input' in err
    assert sha(ckpt) == before
    # check_int8_accuracy.py: the same rule for its --out
    graph = tmp_path / 'g.onnx'
    graph.write_bytes(b'not read')
    with pytest.raises(SystemExit) as exc:
        _load_tool('deployment', 'check_int8_accuracy.py').parse_args([
            assets['config'], '--fp32', str(graph), '--int8', str(graph),
            '--out', str(tmp_path / 'link' / osp.basename(ckpt)),
            '--checkpoint', ckpt
        ])
    assert exc.value.code == 2
    assert 'would overwrite the input' in capsys.readouterr().err
    assert sha(ckpt) == before


def test_static_export_at_another_shape(assets, capsys):
    """--static at a --shape other than the config's test size."""
    out = str(assets['root'] / 'static.onnx')
    tool = _load_tool('deployment', 'export_onnx.py')
    # the config resizes to 96x64; the graph is fixed at 128x160
    assert tool.main([
        assets['config'], assets['checkpoint'], '--out', out, '--shape',
        '128', '160', '--static'
    ]) == 0
    text = capsys.readouterr().out
    assert 'on a 128x160 synthetic frame' in text
    import onnx
    dims = [d.dim_value
            for d in onnx.load(out).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 128, 160]


def test_nonfinite_checkpoint_is_one_line(assets, tmp_path, capsys):
    """NaN in the Re-ID conv: refused at load, nothing is written."""
    state = torch.load(assets['checkpoint'], weights_only=True)
    key = next(k for k in state['state_dict'] if 'reid' in k and
               k.endswith('weight'))
    state['state_dict'][key][0].fill_(float('nan'))
    ckpt = str(tmp_path / 'nan.pth')
    torch.save(state, ckpt)
    out = tmp_path / 'nan.onnx'
    tool = _load_tool('deployment', 'export_onnx.py')
    assert tool.main([
        assets['config'], ckpt, '--out', str(out), '--shape', '64', '96'
    ]) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'nan.pth' in err and key in err
    # the exporter has no --allow-nonfinite: no advice to use it
    assert '--allow-' not in err and 'Traceback' not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ['nan.pth']


def test_check_fails_on_nonfinite_outputs(assets, tmp_path):
    """The export's comparison refuses NaN outputs, naming the output."""
    from mmmtl.apis import init_mot_model, onnxruntime_cfg
    from mmmtl.deploy import export_detector_onnx
    tool = _load_tool('deployment', 'export_onnx.py')
    init_default_scope('mmdet')
    model = init_mot_model(assets['config'], assets['checkpoint'])
    with torch.no_grad():
        model.detector.bbox_head.reid_embed.weight[0].fill_(float('nan'))
    onnx_file = str(tmp_path / 'nan.onnx')
    export_detector_onnx(model.detector, onnx_file, shape=(64, 96))
    ort_detector = MODELS.build(
        onnxruntime_cfg(model.cfg, onnx_file).model.detector)
    with pytest.raises(tool.ExportCheckError,
                       match='PyTorch output reid_feat_0 holds NaN'):
        tool.compare(model, ort_detector, (64, 96))


def test_quantize_int8_export(assets, tmp_path, capsys):
    from mmmtl.datasets import write_mot_split
    from mmmtl.deploy import read_onnx_metadata
    write_mot_split(str(tmp_path / 'data'), num_seqs=1, num_frames=4,
                    size=(W, H), seed=2, num_targets=3, workers=1)
    out = str(tmp_path / 'int8.onnx')
    tool = _load_tool('deployment', 'export_onnx.py')
    assert tool.main([
        assets['config'], assets['checkpoint'], '--out', out, '--shape',
        '64', '96', '--quantize', 'int8', '--calib',
        str(tmp_path / 'data' / 'train'), '--calib-frames', '3',
        '--keep-float', 'reid_feat', '--calib-moving-average',
        '--keep-float-nodes', '/detector/backbone/conv1/*'
    ]) == 0
    text = capsys.readouterr().out
    assert 'quantised to INT8 (QDQ' in text and '3 frames' in text
    assert 'MinMax, moving average' in text
    assert '/detector/backbone/conv1/Conv' in text
    meta = read_onnx_metadata(out)
    assert meta['head'] == 'CEHead'
    quant = meta['quantization']
    assert quant['float_kinds'] == ['reid_feat']
    assert quant['calibration']['frames'] == 3
    assert quant['calibration']['moving_average'] is True
    assert quant['float_node_patterns'] == ['/detector/backbone/conv1/*']
    assert '/detector/backbone/conv1/Conv' in quant['float_nodes']
    # a pattern that matches no node: one line naming it, nothing written
    assert tool.main([
        assets['config'], assets['checkpoint'], '--out', out + '2',
        '--shape', '64', '96', '--quantize', 'int8', '--calib',
        str(tmp_path / 'data' / 'train'), '--calib-frames', '2',
        '--keep-float-nodes', '/detector/stem*'
    ]) == 1
    err = capsys.readouterr().err
    assert "'/detector/stem*'" in err and err.count('\n') == 1
    assert not osp.exists(out + '2')


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


def test_int8_accuracy_check_refuses_float_graph(assets, tmp_path, capsys):
    """check_int8_accuracy.py: an FP32 graph given as --int8 is refused
    before any test run, and --out may not be an input."""
    fp32 = str(tmp_path / 'fp32.onnx')
    assert _load_tool('deployment', 'export_onnx.py').main([
        assets['config'], assets['checkpoint'], '--out', fp32, '--shape',
        '64', '96'
    ]) == 0
    tool = _load_tool('deployment', 'check_int8_accuracy.py')
    capsys.readouterr()
    assert tool.main([
        assets['config'], '--fp32', fp32, '--int8', fp32, '--out',
        str(tmp_path / 'acc.json')
    ]) == 1
    err = capsys.readouterr().err
    assert 'fp32.onnx: not a quantised graph' in err
    assert not (tmp_path / 'acc.json').exists()
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args([
            assets['config'], '--fp32', fp32, '--int8', fp32, '--out', fp32
        ])
    assert exit_info.value.code == 2
    for value in ('-1', 'nan', '1e30'):
        with pytest.raises(SystemExit):
            tool.parse_args([
                assets['config'], '--fp32', fp32, '--int8', fp32, '--out',
                'a.json', '--hota-tol', value
            ])


@pytest.mark.parametrize('content', [b'', b'\x08\x07garbage', 'truncated'])
def test_test_tool_refuses_unreadable_onnx(assets, tmp_path, capsys,
                                           content):
    """tools/test.py --onnx of an empty, corrupt or truncated file: exit 2
    and one line naming the file, before anything is built."""
    path = str(tmp_path / 'bad.onnx')
    if content == 'truncated':
        good = str(tmp_path / 'good.onnx')
        _load_tool('deployment', 'export_onnx.py').main([
            assets['config'], assets['checkpoint'], '--out', good,
            '--shape', '64', '96'
        ])
        with open(good, 'rb') as f:
            content = f.read()[:3000]
    with open(path, 'wb') as f:
        f.write(content)
    capsys.readouterr()
    tool = _load_tool('test.py')
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args([
            assets['config'], '--backend', 'onnxruntime', '--onnx', path
        ])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert 'bad.onnx' in err and 'Traceback' not in err


def test_demo_refuses_a_corrupt_graph_in_one_line(assets, tmp_path, capsys):
    """A truncated .onnx used to end the demo with onnxruntime's
    traceback."""
    good = str(tmp_path / 'good.onnx')
    assert _load_tool('deployment', 'export_onnx.py').main([
        assets['config'], assets['checkpoint'], '--out', good, '--shape',
        '64', '96'
    ]) in (0, None)
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(open(good, 'rb').read()[:200])
    capsys.readouterr()
    rc = _load_tool('demo', 'mot_demo.py').main([
        assets['video'], assets['config'], '--backend', 'onnxruntime',
        '--onnx', str(bad), '--out-txt', str(tmp_path / 'o.txt'),
        '--no-progress'
    ])
    err = capsys.readouterr().err
    assert rc == 1
    assert 'bad.onnx' in err and 'Traceback' not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'o.txt').exists()


def test_a_static_graph_of_another_size_is_one_line(assets, tmp_path,
                                                    capsys):
    """A graph exported --static at 128x160 fed the config's 96x64
    frames: the demo ends with one line naming the graph and both sizes
    (onnxruntime's own error used to come with a traceback)."""
    static = str(tmp_path / 'static.onnx')
    assert _load_tool('deployment', 'export_onnx.py').main([
        assets['config'], assets['checkpoint'], '--out', static, '--shape',
        '128', '160', '--static'
    ]) == 0
    capsys.readouterr()
    rc = _load_tool('demo', 'mot_demo.py').main([
        assets['video'], assets['config'], '--backend', 'onnxruntime',
        '--onnx', static, '--out-txt', str(tmp_path / 'o.txt'),
        '--no-progress'
    ])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1, err
    assert 'static.onnx' in err and '128x160' in err and '64x96' in err
    assert 'Traceback' not in err
    assert not (tmp_path / 'o.txt').exists()
