"""INT8 static quantisation of an exported detector graph (onnxruntime).

onnxruntime's post-training static quantisation in the tensor-oriented
(QDQ) format: ``QuantizeLinear``/``DequantizeLinear`` pairs around every
quantised operator, which onnxruntime's CPU provider fuses into integer
kernels (``QLinearConv`` on VNNI's ``u8s8`` dot products). The settings
are those onnxruntime's quantisation guide gives for x86 CPUs with VNNI:
per-channel symmetric int8 weights, per-tensor asymmetric uint8
activations with ranges from a calibration run (MinMax), no range
reduction. Calibration inputs are real frames of the dataset run through
the model's own test pipeline (:func:`mmmtl.apis.calibration_inputs`).

Which nodes stay in float is a choice by output kind (``cls_score``,
``bbox_pred``, ``reid_feat``): the convolutions nearest to the graph's
outputs of that kind, found by walking back from the outputs
(:func:`float_node_names`). The graph's ``mmmtl`` metadata gains a
``quantization`` entry that says how it was quantised.
"""
import json
import math
import os
import os.path as osp
import tempfile
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from .onnx_export import METADATA_KEY, OUTPUT_KINDS, _import_onnx

#: Output kinds whose last convolutions may be kept in float.
FLOAT_KINDS = OUTPUT_KINDS

#: Kinds kept in float by default, chosen by measurement on the quickstart
#: model (docs/demo.md, "INT8").
DEFAULT_FLOAT_KINDS = ()

#: Accuracy tolerances of INT8 against FP32 onnxruntime on the same data:
#: HOTA and IDF1 within 1 point, identity switches within 5 %.
INT8_TOLERANCES = dict(HOTA=1.0, IDF1=1.0, IDSW_rel=0.05)


def float_node_names(model, kinds: Sequence[str]) -> List[str]:
    """The convolutions nearest to the graph outputs of some kinds.

    Walks back from each output named ``{kind}_{level}`` through the nodes
    that produce its values (not through ``Shape``, which reads only a
    size) and stops at the first ``Conv`` on every path: the
    head's last conv of that branch (and, for CE's joint score
    J = sigmoid(I) * Q, the classification conv and the last conv of the
    CE module that gives Q).

    Args:
        model (onnx.ModelProto): An exported detector graph.
        kinds (Sequence[str]): Output kinds, a subset of
            :data:`FLOAT_KINDS`.

    Returns:
        list[str]: Node names, sorted.

    Raises:
        ValueError: An unknown kind, or a kind with no output in the graph.
    """
    unknown = sorted(set(kinds) - set(FLOAT_KINDS))
    if unknown:
        raise ValueError(f'unknown output kinds {unknown}; choose from '
                         f'{list(FLOAT_KINDS)}')
    producer = {out: node for node in model.graph.node for out in node.output}
    found = set()
    for kind in kinds:
        outputs = [
            o.name for o in model.graph.output
            if o.name.rsplit('_', 1)[0] == kind
        ]
        if not outputs:
            raise ValueError(f'the graph has no {kind} output')
        stack, seen = list(outputs), set()
        while stack:
            tensor = stack.pop()
            node = producer.get(tensor)
            if node is None or node.name in seen:
                continue  # a graph input or an initializer
            seen.add(node.name)
            if node.op_type == 'Conv':
                found.add(node.name)
            elif node.op_type not in ('Shape', 'Size'):
                # a Shape reads only the size of its input, not its values
                stack.extend(node.input)
    return sorted(found)


def _ort_quantization():
    """onnxruntime and its quantisation package, or an error saying how
    to get them."""
    try:
        import onnxruntime
        import onnxruntime.quantization as quantization
        import onnxruntime.quantization.shape_inference as shape_inference
    except ImportError as err:
        raise ImportError(
            'INT8 quantisation needs onnxruntime: pip install '
            '"mmmtl[deploy]" (or pip install -r requirements/deploy.txt)'
        ) from err
    return (onnxruntime.__version__, quantization,
            shape_inference.quant_pre_process)


def _array_reader(input_name: str, inputs: Iterable[np.ndarray]):
    """onnxruntime ``CalibrationDataReader`` over preprocessed inputs."""
    CalibrationDataReader = _ort_quantization()[1].CalibrationDataReader

    class ArrayReader(CalibrationDataReader):

        def __init__(self):
            self._inputs = iter(inputs)

        def get_next(self) -> Optional[Dict[str, np.ndarray]]:
            """The next ``{input_name: (1, 3, H, W) float32}`` feed."""
            array = next(self._inputs, None)
            if array is None:
                return None
            return {input_name: np.ascontiguousarray(array, np.float32)}

    return ArrayReader()


def quantize_detector_onnx(fp32_file: str,
                           out_file: str,
                           calib_inputs: Sequence[np.ndarray],
                           keep_float: Sequence[str] = (),
                           calib_source: str = '',
                           per_channel: bool = True,
                           reduce_range: bool = False,
                           calib_method: str = 'minmax') -> Dict:
    """Quantise an exported detector graph to INT8 (QDQ, static).

    The FP32 graph is first pre-processed as onnxruntime recommends
    (shape inference, graph optimisation: ``quant_pre_process``), then
    calibrated on ``calib_inputs`` and quantised with
    ``onnxruntime.quantization.quantize_static``. The result is written
    next to ``out_file`` and renamed when complete.

    Args:
        fp32_file (str): Graph written by
            :func:`~mmmtl.deploy.export_detector_onnx`.
        out_file (str): Destination of the INT8 graph (not ``fp32_file``).
        calib_inputs (Sequence[np.ndarray]): Calibration images, each
            (1, 3, H, W) float32, normalised as the graph's input.
        keep_float (Sequence[str]): Output kinds whose last convolutions
            stay in float (:func:`float_node_names`). Defaults to ().
        calib_source (str): How the calibration frames were chosen, stored
            in the metadata. Defaults to ''.
        per_channel (bool): Per-output-channel weight scales.
            Defaults to True.
        reduce_range (bool): 7-bit weights, for x86 CPUs without VNNI
            (their ``u8s8`` products can saturate). Defaults to False.
        calib_method (str): Activation ranges from the calibration
            outputs: ``'minmax'`` (their extremes), ``'percentile'``
            (the 99.999th percentile of their magnitudes, which clips
            rare outliers) or ``'entropy'`` (the range minimising the KL
            divergence of the quantised histogram). Defaults to
            ``'minmax'``.

    Returns:
        dict: The graph's ``mmmtl`` metadata, with ``quantization``.

    Raises:
        ValueError: No calibration input, non-finite calibration inputs, or
            ``out_file`` is ``fp32_file``.
    """
    onnx = _import_onnx()
    ort_version, q, quant_pre_process = _ort_quantization()

    if osp.abspath(out_file) == osp.abspath(fp32_file):
        raise ValueError(f'{out_file}: the INT8 graph would overwrite its '
                         'FP32 input')
    methods = dict(minmax='MinMax', percentile='Percentile',
                   entropy='Entropy')
    if calib_method not in methods:
        raise ValueError(f'calib_method must be one of {list(methods)}, '
                         f'got {calib_method!r}')
    if len(calib_inputs) == 0:
        raise ValueError('no calibration input')
    for i, array in enumerate(calib_inputs):
        if not np.isfinite(array).all():
            raise ValueError(f'calibration input {i} holds NaN or inf')
    model = onnx.load(fp32_file)
    meta = {}
    for entry in model.metadata_props:
        if entry.key == METADATA_KEY:
            meta = json.loads(entry.value)
    excluded = float_node_names(model, keep_float)
    input_name = model.graph.input[0].name
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    tmp_file = osp.join(out_dir, f'.{osp.basename(out_file)}.partial')
    with tempfile.TemporaryDirectory(prefix='mmmtl_quant_') as tmp:
        prep_file = osp.join(tmp, 'prep.onnx')
        quant_pre_process(model, prep_file, skip_symbolic_shape=False)
        try:
            q.quantize_static(
                prep_file,
                tmp_file,
                _array_reader(input_name, calib_inputs),
                quant_format=q.QuantFormat.QDQ,
                per_channel=per_channel,
                reduce_range=reduce_range,
                activation_type=q.QuantType.QUInt8,
                weight_type=q.QuantType.QInt8,
                nodes_to_exclude=excluded,
                calibrate_method=getattr(q.CalibrationMethod,
                                         methods[calib_method]),
                extra_options=dict(ActivationSymmetric=False,
                                   WeightSymmetric=True))
            quant = onnx.load(tmp_file)
            shapes = sorted({tuple(a.shape) for a in calib_inputs})
            meta['quantization'] = dict(
                dtype='int8',
                tool=f'onnxruntime {ort_version} quantize_static',
                format='QDQ',
                weights='int8, symmetric, ' +
                ('per output channel' if per_channel else 'per tensor'),
                activations='uint8, asymmetric, per tensor',
                reduce_range=bool(reduce_range),
                calibration=dict(
                    method=methods[calib_method],
                    frames=len(calib_inputs),
                    input_shapes=[list(s) for s in shapes],
                    source=calib_source),
                float_kinds=list(keep_float),
                float_nodes=excluded)
            del quant.metadata_props[:]
            entry = quant.metadata_props.add()
            entry.key = METADATA_KEY
            entry.value = json.dumps(meta)
            onnx.save(quant, tmp_file)
            os.replace(tmp_file, out_file)
        finally:
            if osp.exists(tmp_file):
                os.remove(tmp_file)
    return meta


def int8_accuracy_verdict(fp32: Dict[str, float],
                          int8: Dict[str, float],
                          tolerances: Optional[Dict[str, float]] = None
                          ) -> Dict:
    """Compare the tracking metrics of an INT8 graph with its FP32 graph.

    Args:
        fp32 (dict): ``HOTA``, ``IDF1`` (percent) and ``IDSW`` (count) of
            the FP32 graph on a test set.
        int8 (dict): The same of the INT8 graph on the same test set.
        tolerances (dict, optional): ``HOTA`` and ``IDF1`` (points),
            ``IDSW_rel`` (relative). Defaults to :data:`INT8_TOLERANCES`.

    Returns:
        dict: ``deltas`` (INT8 - FP32 for HOTA and IDF1, relative change of
        IDSW), ``tolerances``, ``passed`` (bool) and ``failed`` (the names
        outside their tolerance).

    Raises:
        KeyError: A metric is missing.
        ValueError: A metric is not finite.
    """
    tol = dict(INT8_TOLERANCES if tolerances is None else tolerances)
    for name, metrics in (('fp32', fp32), ('int8', int8)):
        for key in ('HOTA', 'IDF1', 'IDSW'):
            if key not in metrics:
                raise KeyError(f'{name} metrics have no {key}')
            if not math.isfinite(float(metrics[key])):
                raise ValueError(f'{name} {key} is {metrics[key]}')
    deltas = dict(
        HOTA=float(int8['HOTA']) - float(fp32['HOTA']),
        IDF1=float(int8['IDF1']) - float(fp32['IDF1']),
        IDSW_rel=(float(int8['IDSW']) - float(fp32['IDSW'])) /
        max(float(fp32['IDSW']), 1.0))
    # both directions: a graph that behaves differently is not the model
    failed = [
        k for k in ('HOTA', 'IDF1') if abs(deltas[k]) > tol[k]
    ] + (['IDSW'] if abs(deltas['IDSW_rel']) > tol['IDSW_rel'] else [])
    return dict(
        deltas=deltas, tolerances=tol, passed=not failed, failed=failed)
