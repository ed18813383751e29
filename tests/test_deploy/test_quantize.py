"""INT8 quantisation of an exported graph, and ORTDetector's input errors.

A tiny CE-head model (ResNet-18 stem and stage widths of 8-64, 96x64 input)
with random weights, calibrated on a few frames of a written synthetic
MOTChallenge split.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.apis import (
    calibration_frame_paths,
    calibration_inputs,
    network_input,
    onnxruntime_cfg,
)
from mmmtl.datasets import generate_sequence, write_mot_split
from mmmtl.testing import random_init_model, tiny_mot_cfg

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('onnxruntime') is None
    or importlib.util.find_spec('onnx') is None,
    reason='onnx/onnxruntime not installed (pip install "mmmtl[deploy]")')

H, W = 64, 96


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A random tiny model, its FP32 graph (dynamic and static), a split."""
    from mmmtl.deploy import export_detector_onnx
    root = tmp_path_factory.mktemp('quant')
    cfg = Config(
        tiny_mot_cfg(
            'CEHead', scale=(W, H), obj_score_thr=0.0, init_track_thr=0.0))
    cfg.model.detector.test_cfg.update(score_thr=0.0, max_per_img=10)
    init_default_scope('mmdet')
    model = random_init_model(cfg)
    with torch.no_grad():  # spread scores, as a trained model's
        model.detector.bbox_head.retina_cls.weight.normal_(0, 0.1)
    model.cfg = cfg
    model.eval()
    fp32 = str(root / 'fp32.onnx')
    export_detector_onnx(model.detector, fp32, shape=(H, W))
    static = str(root / 'static.onnx')
    export_detector_onnx(model.detector, static, shape=(H, W), dynamic=False)
    write_mot_split(
        str(root / 'data'), num_seqs=2, num_frames=5, size=(W, H), seed=1,
        num_targets=3, workers=1)
    return dict(
        root=root, cfg=cfg, model=model, fp32=fp32, static=static,
        data=str(root / 'data' / 'train'))


def test_calibration_frames_spread_over_sequences(tiny):
    paths = calibration_frame_paths(tiny['data'], 4)
    # 10 frames of two sequences: indices 0, 3, 6, 9 of the concatenation
    assert [osp.relpath(p, tiny['data']) for p in paths] == [
        'SYN1-01/img1/000001.jpg', 'SYN1-01/img1/000004.jpg',
        'SYN1-02/img1/000002.jpg', 'SYN1-02/img1/000005.jpg'
    ]
    with pytest.raises(ValueError, match='10 frames, fewer than the 11'):
        calibration_frame_paths(tiny['data'], 11)
    with pytest.raises(FileNotFoundError, match='no sequence'):
        calibration_frame_paths(str(tiny['root']), 2)
    arrays, source = calibration_inputs(tiny['model'], tiny['data'], 3)
    assert len(arrays) == 3 and 'SYN1-01, SYN1-02' in source
    # the test pipeline's normalisation: a frame is not in [0, 255]
    assert arrays[0].shape == (1, 3, H, W) and arrays[0].min() < 0


def test_float_node_names(tiny):
    import onnx

    from mmmtl.deploy import float_node_names
    graph = onnx.load(tiny['fp32'])
    levels = tiny['model'].detector.bbox_head.prior_generator.num_levels
    reid = float_node_names(graph, ['reid_feat'])
    convs = {n.name for n in graph.graph.node if n.op_type == 'Conv'}
    # one shared Re-ID conv, applied once per level
    assert len(reid) == levels and set(reid) <= convs
    both = float_node_names(graph, ['reid_feat', 'bbox_pred'])
    assert set(reid) < set(both) and len(both) == 2 * levels
    # CE's score J = sigmoid(I) * Q: the cls conv and CE's last conv
    cls = float_node_names(graph, ['cls_score'])
    assert len(cls) == 2 * levels and not set(cls) & set(both)
    with pytest.raises(ValueError, match='unknown output kinds'):
        float_node_names(graph, ['boxes'])


def _weight_source(graph, node_name):
    """op type producing a Conv's weight, or 'initializer'."""
    node = next(n for n in graph.graph.node if n.name == node_name)
    producer = {o: n for n in graph.graph.node for o in n.output}
    src = producer.get(node.input[1])
    return 'initializer' if src is None else src.op_type


def test_quantized_graph_runs_in_ort_detector(tiny, tmp_path):
    import onnx

    from mmmtl.deploy import float_node_names, quantize_detector_onnx
    model = tiny['model']
    arrays, source = calibration_inputs(model, tiny['data'], 4)
    out = str(tmp_path / 'int8.onnx')
    meta = quantize_detector_onnx(
        tiny['fp32'], out, arrays, keep_float=['reid_feat'],
        calib_source=source)
    quant = meta['quantization']
    assert quant['format'] == 'QDQ' and quant['float_kinds'] == ['reid_feat']
    assert quant['calibration']['frames'] == 4
    assert meta['head'] == 'CEHead'  # the export's metadata is kept
    graph = onnx.load(out)
    ops = [n.op_type for n in graph.graph.node]
    assert ops.count('QuantizeLinear') > 10
    kept = set(float_node_names(onnx.load(tiny['fp32']), ['reid_feat']))
    assert set(quant['float_nodes']) == kept
    for conv in (n for n in graph.graph.node if n.op_type == 'Conv'):
        want = 'initializer' if conv.name in kept else 'DequantizeLinear'
        assert _weight_source(graph, conv.name) == want, conv.name
    ort_detector = MODELS.build(
        onnxruntime_cfg(tiny['cfg'], out).model.detector)
    assert ort_detector.quantization['dtype'] == 'int8'
    frames, _ = generate_sequence(1, (W, H), seed=7, num_targets=3)
    inputs = network_input(model, frames[0])
    with torch.no_grad():
        ref = model.detector(inputs, None, mode='tensor')
        got = ort_detector(inputs, None, mode='tensor')
    for ref_levels, got_levels in zip(ref, got):
        for r, g in zip(ref_levels, got_levels):
            assert torch.isfinite(g).all()
            # int8 rounding, not another network: strongly correlated
            corr = np.corrcoef(r.flatten().numpy(), g.flatten().numpy())[0, 1]
            assert corr > 0.9
    with pytest.raises(ValueError, match='overwrite its FP32 input'):
        quantize_detector_onnx(tiny['fp32'], tiny['fp32'], arrays)
    bad = [arrays[0].copy()]
    bad[0][0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='calibration input 0'):
        quantize_detector_onnx(tiny['fp32'], out + '2', bad)


@pytest.mark.parametrize('content', [b'', b'not a protobuf at all \x00\xff',
                                     'truncated'])
def test_unreadable_onnx_is_one_error_naming_the_file(tiny, tmp_path,
                                                      content):
    from mmmtl.deploy import ONNXModelError, read_onnx_metadata
    path = str(tmp_path / 'broken.onnx')
    if content == 'truncated':
        with open(tiny['fp32'], 'rb') as f:
            content = f.read()[:2000]
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(ONNXModelError, match='broken.onnx') as err:
        MODELS.build(onnxruntime_cfg(tiny['cfg'], path).model.detector)
    assert '\n' not in str(err.value)
    with pytest.raises(ValueError, match='broken.onnx'):
        read_onnx_metadata(path)


def test_static_graph_refuses_another_size(tiny):
    ort_detector = MODELS.build(
        onnxruntime_cfg(tiny['cfg'], tiny['static']).model.detector)
    assert ort_detector.input_shape == (1, 3, H, W)
    with torch.no_grad():
        ort_detector(torch.zeros(1, 3, H, W), None, mode='tensor')
        with pytest.raises(ValueError,
                           match=r'static.onnx: the graph takes 1x3x64x96 '
                           r'inputs, got 1x3x96x96; export it with '
                           r'--shape 96 96'):
            ort_detector(torch.zeros(1, 3, 96, 96), None, mode='tensor')


def test_int8_accuracy_verdict():
    from mmmtl.deploy import int8_accuracy_verdict
    fp32 = dict(HOTA=56.3, IDF1=74.1, IDSW=58)
    ok = int8_accuracy_verdict(fp32, dict(HOTA=55.5, IDF1=75.0, IDSW=60))
    assert ok['passed'] and ok['failed'] == []
    assert ok['deltas']['HOTA'] == pytest.approx(-0.8)
    assert ok['deltas']['IDSW_rel'] == pytest.approx(2 / 58)
    bad = int8_accuracy_verdict(fp32, dict(HOTA=55.2, IDF1=74.1, IDSW=55))
    # 3 fewer switches is 5.2 %: a different tracker output either way
    assert not bad['passed'] and bad['failed'] == ['HOTA', 'IDSW']
    with pytest.raises(ValueError, match='int8 IDF1 is nan'):
        int8_accuracy_verdict(fp32, dict(HOTA=1, IDF1=float('nan'), IDSW=1))
    with pytest.raises(KeyError, match='fp32 metrics have no IDSW'):
        int8_accuracy_verdict(dict(HOTA=1, IDF1=1), fp32)


def test_threads_follow_torch_by_default(tiny):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        det = MODELS.build(
            onnxruntime_cfg(tiny['cfg'], tiny['fp32']).model.detector)
        opts = det.session.get_session_options()
        assert opts.intra_op_num_threads == 1
        det = MODELS.build(
            onnxruntime_cfg(tiny['cfg'], tiny['fp32'],
                            num_threads=2).model.detector)
        assert det.session.get_session_options().intra_op_num_threads == 2
    finally:
        torch.set_num_threads(before)


def test_calibration_method_is_checked(tiny, tmp_path):
    from mmmtl.deploy import quantize_detector_onnx
    arrays, _ = calibration_inputs(tiny['model'], tiny['data'], 1)
    with pytest.raises(ValueError, match="calib_method must be one of"):
        quantize_detector_onnx(tiny['fp32'], str(tmp_path / 'q.onnx'),
                               arrays, calib_method='kl')
    assert not (tmp_path / 'q.onnx').exists()


def _activation_scales(path):
    """{tensor: scale} of the QuantizeLinear nodes of a QDQ graph."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    return {
        n.input[0]: float(inits[n.input[1]])
        for n in graph.node
        if n.op_type == 'QuantizeLinear' and n.input[1] in inits
        and inits[n.input[1]].size == 1
    }


def test_calibration_percentile_and_moving_average(tiny, tmp_path):
    import copy

    from mmmtl.deploy import (
        export_detector_onnx,
        quantization_settings,
        quantize_detector_onnx,
    )
    arrays, _ = calibration_inputs(tiny['model'], tiny['data'], 6)
    # the random CE module's quality map is constant to 1e-4 on the
    # coarsest level, too narrow for numpy's float32 histogram of 2048
    # bins; the histogram is widened for it
    q = quantize_detector_onnx(tiny['fp32'], str(tmp_path / 'q.onnx'),
                               arrays, calib_method='percentile')
    assert q['quantization']['calibration']['percentile'] == 99.999
    ort_detector = MODELS.build(
        onnxruntime_cfg(tiny['cfg'], str(tmp_path / 'q.onnx')).model.detector)
    with torch.no_grad():
        outs = ort_detector(torch.from_numpy(arrays[0]), None, mode='tensor')
    assert all(torch.isfinite(t).all() for level in outs for t in level)
    detector = copy.deepcopy(tiny['model'].detector)
    with torch.no_grad():  # a quality map that varies, as a trained one
        detector.bbox_head.ce.conv3.weight.normal_(0, 1.0)
    fp32 = str(tmp_path / 'fp32.onnx')
    export_detector_onnx(detector, fp32, shape=(H, W))
    files, metas = {}, {}
    for name, kwargs in (
            ('minmax', {}),
            ('moving', dict(calib_moving_average=True)),
            ('p99', dict(calib_method='percentile', calib_percentile=99.0)),
            ('p_default', dict(calib_method='percentile'))):
        files[name] = str(tmp_path / f'{name}.onnx')
        metas[name] = quantize_detector_onnx(fp32, files[name], arrays,
                                             **kwargs)['quantization']
    calib = {k: m['calibration'] for k, m in metas.items()}
    assert calib['minmax']['moving_average'] is False
    assert 'percentile' not in calib['minmax']
    assert calib['moving']['moving_average'] is True
    assert calib['p99'] == dict(calib['p99'], method='Percentile',
                                percentile=99.0)
    assert calib['p_default']['percentile'] == 99.999
    assert 'moving_average' not in calib['p99']
    assert quantization_settings(metas['p99']) == dict(
        method='Percentile', percentile=99.0, moving_average=False,
        float_kinds=[], float_node_patterns=[])
    # an older record (no percentile, no moving average) reads as defaults
    assert quantization_settings(dict(float_kinds=['reid_feat'])) == dict(
        method='MinMax', percentile=None, moving_average=False,
        float_kinds=['reid_feat'], float_node_patterns=[])
    scales = {k: _activation_scales(f) for k, f in files.items()}
    common = set(scales['minmax']) & set(scales['moving'])
    assert common
    # averaged or clipped extremes: never wider, narrower somewhere
    for name in ('moving', 'p99'):
        pairs = [(scales[name][t], scales['minmax'][t]) for t in common
                 if t in scales[name]]
        assert all(a <= b * (1 + 1e-6) for a, b in pairs), name
        assert any(a < b * 0.99 for a, b in pairs), name
    for kwargs, match in (
            (dict(calib_percentile=99.0), 'read with calib_method='),
            (dict(calib_method='percentile', calib_percentile=40.0),
             r'in \(50, 100\]'),
            (dict(calib_method='entropy', calib_moving_average=True),
             'calib_moving_average is read with')):
        with pytest.raises(ValueError, match=match):
            quantize_detector_onnx(fp32, str(tmp_path / 'bad.onnx'), arrays,
                                   **kwargs)
    assert not (tmp_path / 'bad.onnx').exists()


def test_keep_float_nodes_by_name_pattern(tiny, tmp_path):
    import onnx

    from mmmtl.deploy import match_node_names, quantize_detector_onnx
    arrays, _ = calibration_inputs(tiny['model'], tiny['data'], 3)
    fp32 = onnx.load(tiny['fp32'])
    neck = [n.name for n in fp32.graph.node
            if n.op_type == 'Conv' and n.name.startswith('/detector/neck/')]
    assert neck and set(neck) <= set(
        match_node_names(fp32, ['/detector/neck/*']))
    out = str(tmp_path / 'int8.onnx')
    quant = quantize_detector_onnx(
        tiny['fp32'], out, arrays, keep_float=['reid_feat'],
        keep_float_nodes=['/detector/neck/*'])['quantization']
    assert quant['float_node_patterns'] == ['/detector/neck/*']
    assert set(neck) <= set(quant['float_nodes'])
    graph = onnx.load(out)
    for conv in (n for n in graph.graph.node if n.op_type == 'Conv'):
        kept = conv.name in neck or conv.name in quant['float_nodes']
        want = 'initializer' if kept else 'DequantizeLinear'
        assert _weight_source(graph, conv.name) == want, conv.name
    ort_detector = MODELS.build(
        onnxruntime_cfg(tiny['cfg'], out).model.detector)
    with torch.no_grad():
        outs = ort_detector(torch.zeros(1, 3, H, W), None, mode='tensor')
    assert all(torch.isfinite(t).all() for level in outs for t in level)
    with pytest.raises(ValueError, match="'/detector/nek/\\*'"):
        quantize_detector_onnx(tiny['fp32'], str(tmp_path / 'bad.onnx'),
                               arrays, keep_float_nodes=['/detector/nek/*'])
    assert not (tmp_path / 'bad.onnx').exists()
