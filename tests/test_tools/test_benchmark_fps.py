"""The FPS benchmark on tiny OneShotMOT configs, a frame or two."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from _tool_loader import load_tool
from mmengine.config import Config
from torch.nn.modules.batchnorm import _BatchNorm

from mmmtl.apis import detect_frame, prepare_frame
from mmmtl.datasets import generate_sequence
from mmmtl.deploy import export_detector_onnx
from mmmtl.testing import tiny_mot_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_tool():
    return load_tool('analysis_tools', 'benchmark_fps.py')


def _write_config(path, head):
    cfg = tiny_mot_cfg(head, scale=(1088, 608))
    # Must not be downloaded: the benchmark uses random weights.
    cfg['model']['detector']['backbone']['init_cfg'] = dict(
        type='Pretrained', checkpoint='torchvision://resnet18')
    Config(cfg).dump(path)
    return path


def test_benchmark_two_configs(tmp_path):
    config_a = _write_config(str(tmp_path / 'a.py'), 'TripleBranchHead')
    config_b = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    out = str(tmp_path / 'res' / 'fps.json')
    tool = _load_tool()
    results = tool.main([
        config_a, config_b, '--shape', '64', '96', '--warmup', '1',
        '--iters', '1', '--max-boxes', '5', '--num-targets', '3', '--out',
        out
    ])
    with open(out) as f:
        saved = json.load(f)
    assert saved == json.loads(json.dumps(results))
    assert saved['shape'] == [64, 96] and saved['iters'] == 1
    assert len(saved['runs']) == 1
    run = saved['runs'][0]
    assert list(run['variants']) == ['A', 'B']
    for name, config in (('A', config_a), ('B', config_b)):
        r = run['variants'][name]
        assert r['config'] == config and r['backend'] == 'pytorch'
        assert saved['configs'][config]['params_m'] > 0
        for kind in ('detector', 'end_to_end'):
            assert r[kind]['fps'] > 0
        # The pinned test_cfg keeps exactly --max-boxes boxes, and the
        # opened tracker gates let the tracker report tracks.
        assert r['detector']['boxes_mean'] == 5
        assert 0 < r['end_to_end']['boxes_mean'] <= 5
    ratio = run['ratio_over_baseline']
    assert ratio['A']['detector'] == 1.0
    assert ratio['B']['detector'] == pytest.approx(
        run['variants']['B']['detector']['fps'] /
        run['variants']['A']['detector']['fps'])
    assert ratio['B']['end_to_end'] == pytest.approx(
        run['variants']['B']['end_to_end']['fps'] /
        run['variants']['A']['end_to_end']['fps'])


def test_config_without_nms_is_refused(tmp_path):
    config = _write_config(str(tmp_path / 'a.py'), 'CEHead')
    cfg = Config.fromfile(config)
    del cfg.model.detector.test_cfg['nms']
    cfg.dump(config)
    tool = _load_tool()
    with pytest.raises(KeyError, match='a.py'):
        tool.main([config, config, '--shape', '64', '96', '--iters', '1',
                   '--warmup', '0'])


def _detections(tool, args, backend, tmp_path, fuse=False):
    """Detections of the benchmark's variant of one config on one frame."""
    cfg = tool.benchmark_cfg(args.configs[0], args)
    ckpt = str(tmp_path / 'w.pth')
    model = tool.random_checkpoint(cfg, ckpt, seed=0)
    onnx_file = None
    if backend == 'onnxruntime':
        onnx_file = str(tmp_path / 'w.onnx')
        export_detector_onnx(model.detector, onnx_file, args.shape)
    args.fuse_conv_bn = fuse
    variant = tool.build_variant(cfg, backend, ckpt, onnx_file, args, 1)
    frames, _ = generate_sequence(1, (96, 64), seed=0, num_targets=3)
    data = prepare_frame(variant, frames[0], 0, 1)
    return variant, detect_frame(variant, data).pred_instances


def test_fuse_conv_bn_keeps_outputs(tmp_path):
    """--fuse-conv-bn folds every BatchNorm and leaves the boxes unchanged."""
    config = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    tool = _load_tool()
    args = tool.parse_args([config, '--shape', '64', '96', '--max-boxes',
                            '5'])
    models, outputs = {}, {}
    for fuse in (False, True):
        models[fuse], outputs[fuse] = _detections(
            tool, args, 'pytorch', tmp_path, fuse=fuse)
    num_bn = {
        fuse: sum(isinstance(m, _BatchNorm) for m in model.modules())
        for fuse, model in models.items()
    }
    assert num_bn[False] > 0 and num_bn[True] == 0
    assert len(outputs[True]) == len(outputs[False]) == 5
    torch.testing.assert_close(
        outputs[True].bboxes, outputs[False].bboxes, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(
        outputs[True].scores, outputs[False].scores, rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(
    importlib.util.find_spec('onnxruntime') is None
    or importlib.util.find_spec('onnx') is None,
    reason='onnx/onnxruntime not installed (pip install "mmmtl[deploy]")')
def test_benchmark_backends_and_threads(tmp_path):
    """Eager and onnxruntime of one config, 1 and 2 threads, same weights."""
    config = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    tool = _load_tool()
    results = tool.main([
        config, '--backend', 'pytorch', 'onnxruntime', '--threads', '1', '2',
        '--shape', '64', '96', '--warmup', '1', '--iters', '2',
        '--max-boxes', '5', '--num-targets', '3'
    ])
    assert [r['threads'] for r in results['runs']] == [1, 2]
    assert results['configs'][config]['export_s'] > 0
    for run in results['runs']:
        assert list(run['variants']) == ['A:pytorch', 'A:onnxruntime']
        for r in run['variants'].values():
            assert r['detector']['boxes_mean'] == 5
            assert r['end_to_end']['fps'] > 0
        assert run['ratio_over_baseline']['A:pytorch']['end_to_end'] == 1.0
    # both backends ran the same weights: the same boxes
    args = tool.parse_args([config, '--shape', '64', '96', '--max-boxes',
                            '5'])
    _, eager = _detections(tool, args, 'pytorch', tmp_path)
    _, ort = _detections(tool, args, 'onnxruntime', tmp_path)
    torch.testing.assert_close(ort.bboxes, eager.bboxes, rtol=0, atol=1e-3)
    torch.testing.assert_close(ort.scores, eager.scores, rtol=0, atol=1e-4)


def _int8_record(path, float_kinds, **quantization):
    """An accuracy record as tools/deployment/check_int8_accuracy.py
    writes it (the metrics are inputs of the benchmark, not checked)."""
    from mmmtl.deploy import int8_accuracy_verdict
    metrics = dict(
        fp32=dict(HOTA=50.0, IDF1=60.0, IDSW=40.0),
        int8=dict(HOTA=49.5, IDF1=60.2, IDSW=41.0))
    record = dict(
        config='quickstart.py', metrics=metrics,
        int8=dict(quantization=dict(float_kinds=float_kinds,
                                    **quantization)),
        verdict=int8_accuracy_verdict(metrics['fp32'], metrics['int8']))
    with open(path, 'w') as f:
        json.dump(record, f)
    return path


def test_int8_ratio_needs_its_accuracy_record(tmp_path, capsys):
    config = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    tool = _load_tool()
    base = [config, '--backend', 'pytorch', 'onnxruntime-int8']
    for extra, message in (
            ([], 'no INT8 ratio without its accuracy'),
            (['--int8-accuracy', _int8_record(
                str(tmp_path / 'acc.json'), ['reid_feat'])],
             "kept ['reid_feat'] in float")):
        with pytest.raises(SystemExit) as exit_info:
            tool.parse_args(base + extra)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
    # found beside --out, made with the same float kinds: accepted
    _int8_record(str(tmp_path / 'int8_accuracy.json'), [])
    args = tool.parse_args(base + ['--out', str(tmp_path / 'fps.json')])
    assert args.int8_record['passed'] is True
    # a record of a graph calibrated otherwise than this run's
    pct = _int8_record(
        str(tmp_path / 'pct.json'), [],
        calibration=dict(method='Percentile', percentile=99.999),
        float_node_patterns=['/detector/neck/*'])
    for extra, message in (
            ([], "method='Percentile'"),
            (['--calib-method', 'percentile', '--calib-percentile', '99.99'],
             'percentile=99.999'),
            (['--calib-method', 'percentile'],
             "float_node_patterns=['/detector/neck/*']")):
        with pytest.raises(SystemExit) as exit_info:
            tool.parse_args(base + ['--int8-accuracy', pct] + extra)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err, extra
    args = tool.parse_args(base + [
        '--int8-accuracy', pct, '--calib-method', 'percentile',
        '--keep-float-nodes', '/detector/neck/*'])
    assert args.int8_record['settings']['percentile'] == 99.999
    with pytest.raises(SystemExit):  # INT8 flags without the INT8 backend
        tool.parse_args([config, '--calib-method', 'percentile'])


@pytest.mark.parametrize('flag', ['--iters', '--max-boxes', '--nms-pre',
                                  '--num-targets', '--threads', '--shape',
                                  '--calib-frames'])
@pytest.mark.parametrize('value', ['0', '-1', 'nan', '1e30'])
def test_numeric_flags_are_range_checked(tmp_path, capsys, flag, value):
    tool = _load_tool()
    values = [value, '96'] if flag == '--shape' else [value]
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args(['a.py', flag, *values])
    assert exit_info.value.code == 2
    assert flag in capsys.readouterr().err


@pytest.mark.skipif(
    importlib.util.find_spec('onnxruntime') is None
    or importlib.util.find_spec('onnx') is None,
    reason='onnx/onnxruntime not installed (pip install "mmmtl[deploy]")')
def test_benchmark_int8_beside_fp32(tmp_path, capsys):
    """Eager, FP32 and INT8 onnxruntime in one run, with the CPU's flags
    and the accuracy record's verdict beside the INT8 ratio."""
    config = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    record = _int8_record(str(tmp_path / 'acc.json'), [])
    tool = _load_tool()
    results = tool.main([
        config, '--backend', 'pytorch', 'onnxruntime', 'onnxruntime-int8',
        '--threads', '1', '--shape', '64', '96', '--warmup', '1', '--iters',
        '1', '--max-boxes', '5', '--num-targets', '3', '--int8-accuracy',
        record
    ])
    run = results['runs'][0]
    assert list(run['variants']) == [
        'A:pytorch', 'A:onnxruntime', 'A:onnxruntime-int8'
    ]
    assert run['variants']['A:onnxruntime-int8']['detector']['boxes_mean'] \
        == 5
    quant = results['configs'][config]['quantization']
    assert quant['dtype'] == 'int8' and quant['float_kinds'] == []
    assert 'synthetic' in quant['calibration']['source']
    assert results['int8_accuracy']['file'] == record
    assert isinstance(results['cpu_flags'], list)
    text = capsys.readouterr().out
    assert 'instruction sets:' in text
    assert 'HOTA -0.50, IDF1 +0.20, IDSW +2.5% against FP32' in text


@pytest.mark.skipif(
    importlib.util.find_spec('onnxruntime') is None
    or importlib.util.find_spec('onnx') is None,
    reason='onnx/onnxruntime not installed (pip install "mmmtl[deploy]")')
def test_int8_ratio_withheld_without_record(tmp_path, capsys):
    """No record beside --out when the ratios are reported: the INT8
    variant is left out of the results and the file."""
    config = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    out = str(tmp_path / 'fps.json')
    results = _load_tool().main([
        config, '--backend', 'pytorch', 'onnxruntime-int8', '--threads', '1',
        '--shape', '64', '96', '--warmup', '0', '--iters', '1',
        '--max-boxes', '5', '--num-targets', '3', '--out', out
    ])
    assert 'int8_accuracy.json' in results['int8_withheld']
    with open(out) as f:
        saved = json.load(f)
    for res in (results, saved):
        assert list(res['runs'][0]['variants']) == ['A:pytorch']
        assert list(res['runs'][0]['ratio_over_baseline']) == ['A:pytorch']
    assert 'INT8 ratios withheld' in capsys.readouterr().out


def _sha(path):
    import hashlib
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


@pytest.mark.parametrize('target', ['config', 'record', 'linked folder'])
def test_out_never_replaces_an_input(tmp_path, capsys, target):
    """--out onto a config (by any path) or onto the INT8 accuracy record
    it reads used to be written over."""
    import os
    config = _write_config(str(tmp_path / 'a.py'), 'CEHead')
    record = tmp_path / 'int8_accuracy.json'
    record.write_text('{}')
    victim = record if target == 'record' else tmp_path / 'a.py'
    out = str(victim)
    if target == 'linked folder':
        os.symlink(tmp_path, tmp_path / 'link')
        out = str(tmp_path / 'link' / 'a.py')
    before = _sha(victim)
    argv = [config, '--out', out]
    if target == 'record':
        argv += ['--backend', 'onnxruntime-int8', '--int8-accuracy',
                 str(record)]
    with pytest.raises(SystemExit) as exc:
        _load_tool().parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert 'argument' not in err and '--out' in err
    assert 'would overwrite the input' in err
    assert _sha(victim) == before
