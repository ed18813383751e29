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
(:func:`float_node_names`), and by node name (shell-style patterns such
as ``/detector/neck/*``, :func:`match_node_names`). Activation ranges come
from the calibration outputs' extremes (MinMax, optionally a moving
average of each frame's extremes), a percentile of their values, or the
KL-optimal range (Entropy). The graph's ``mmmtl`` metadata gains a
``quantization`` entry that says how it was quantised;
:func:`quantization_settings` reads back the choices that change the
graph (to check that two graphs were made alike).
"""
import fnmatch
import importlib
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

#: Calibration methods: the name of each in onnxruntime's
#: ``CalibrationMethod``.
CALIB_METHODS = dict(minmax='MinMax', percentile='Percentile',
                     entropy='Entropy')

#: Percentile of ``calib_method='percentile'`` unless one is given
#: (onnxruntime's default).
DEFAULT_CALIB_PERCENTILE = 99.999

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


def match_node_names(model, patterns: Sequence[str]) -> List[str]:
    """Nodes of a graph whose names match shell-style patterns.

    Args:
        model (onnx.ModelProto): A graph.
        patterns (Sequence[str]): ``fnmatch`` patterns of node names, e.g.
            ``/detector/neck/*`` (every node of the FPN) or
            ``/detector/backbone/conv1/Conv`` (one node).

    Returns:
        list[str]: The matching node names, sorted.

    Raises:
        ValueError: A pattern that matches no node (it names the pattern).
    """
    names = [node.name for node in model.graph.node]
    found = set()
    for pattern in patterns:
        hits = fnmatch.filter(names, pattern)
        if not hits:
            raise ValueError(f'no node of the graph matches {pattern!r} '
                             '(node names look like '
                             f'{names[0] if names else "?"!r})')
        found.update(hits)
    return sorted(found)


def quantization_settings(quant: Dict) -> Dict:
    """The choices of an INT8 graph's ``quantization`` metadata that
    change the graph, with the defaults of older records filled in.

    Args:
        quant (dict): The ``quantization`` entry of the graph's metadata
            (:func:`quantize_detector_onnx`), or of an accuracy record.

    Returns:
        dict: ``method``, ``percentile`` (None unless Percentile),
        ``moving_average`` (bool), ``float_kinds`` and
        ``float_node_patterns`` (sorted lists).
    """
    calib = quant.get('calibration') or {}
    method = calib.get('method', 'MinMax')
    return dict(
        method=method,
        percentile=(float(calib.get('percentile', DEFAULT_CALIB_PERCENTILE))
                    if method == 'Percentile' else None),
        moving_average=bool(calib.get('moving_average', False)),
        float_kinds=sorted(quant.get('float_kinds') or []),
        float_node_patterns=sorted(quant.get('float_node_patterns') or []))


def _calibration_options(calib_method: str,
                         calib_percentile: Optional[float],
                         calib_moving_average: bool) -> Dict:
    """onnxruntime's calibration ``extra_options`` of the chosen method.

    Raises:
        ValueError: An unknown method, a percentile outside (50, 100] or
            without ``percentile``, a moving average without ``minmax``.
    """
    if calib_method not in CALIB_METHODS:
        raise ValueError(f'calib_method must be one of {list(CALIB_METHODS)}'
                         f', got {calib_method!r}')
    options = {}
    if calib_percentile is not None:
        if calib_method != 'percentile':
            raise ValueError("calib_percentile is read with calib_method="
                             f"'percentile', not {calib_method!r}")
        if not (50.0 < float(calib_percentile) <= 100.0):
            raise ValueError('calib_percentile must be in (50, 100], got '
                             f'{calib_percentile}')
    if calib_method == 'percentile':
        options['CalibPercentile'] = float(
            DEFAULT_CALIB_PERCENTILE
            if calib_percentile is None else calib_percentile)
    if calib_moving_average:
        if calib_method != 'minmax':
            raise ValueError("calib_moving_average is read with "
                             f"calib_method='minmax', not {calib_method!r}")
        options['CalibMovingAverage'] = True
    return options


class _WideHistogramNumpy:
    """numpy as onnxruntime's histogram calibration (percentile, entropy)
    sees it, with a ``histogram`` that splits an almost constant float32
    tensor into its bins.

    ``np.histogram`` of float32 values refuses a range narrower than the
    bins can be at that magnitude ("Too many bins for data range"), which
    an activation that is almost constant over the calibration frames has
    (the quality map of a random CE module is constant to 1e-4). Such a
    range is widened to the narrowest one float32 can split; any other
    call is numpy's own, so the ranges of every other tensor are
    onnxruntime's.
    """

    def __init__(self, numpy_module):
        self._np = numpy_module

    def __getattr__(self, name):
        return getattr(self._np, name)

    def histogram(self, a, bins=10, range=None, **kwargs):  # noqa: A002
        """``np.histogram``, a too narrow range widened."""
        a = self._np.asarray(a)
        if isinstance(bins, int) and a.size and a.dtype.kind == 'f':
            low, high = (float(v) for v in (
                range if range is not None else (a.min(), a.max())))
            if math.isfinite(low) and math.isfinite(high):
                scale = a.dtype.type(max(abs(low), abs(high)))
                width = 4.0 * bins * float(self._np.spacing(scale))
                if high - low < width:
                    range = (low, low + width)
        return self._np.histogram(a, bins=bins, range=range, **kwargs)


def _quantize_static(q, calib_method: str, *args, **kwargs) -> None:
    """``q.quantize_static``, its histogram calibration of almost constant
    activations made possible (:class:`_WideHistogramNumpy`), and any
    other failure of that histogram made into an error that says what to
    do."""
    # the module whose ``np.histogram`` the collectors call
    calibrate = importlib.import_module(f'{q.__name__}.calibrate')
    numpy_module = calibrate.np
    calibrate.np = _WideHistogramNumpy(numpy_module)
    try:
        q.quantize_static(*args, **kwargs)
    except ValueError as err:
        if 'Too many bins' not in str(err):
            raise
        raise ValueError(
            f'{calib_method} calibration failed: onnxruntime cannot make '
            'the histogram of an activation that is almost constant over '
            'the calibration frames; calibrate with minmax, or on more '
            f'varied frames ({err})') from err
    finally:
        calibrate.np = numpy_module


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
                           calib_method: str = 'minmax',
                           calib_percentile: Optional[float] = None,
                           calib_moving_average: bool = False,
                           keep_float_nodes: Sequence[str] = ()) -> Dict:
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
        calib_percentile (float, optional): The percentile of
            ``'percentile'``, in (50, 100]: the range keeps that share of
            each tensor's calibration values, clipping the rest equally
            on both sides. Defaults to None
            (:data:`DEFAULT_CALIB_PERCENTILE`).
        calib_moving_average (bool): With ``'minmax'``, a moving average
            of each frame's extremes (onnxruntime's
            ``CalibMovingAverage``, constant 0.01) instead of the extremes
            over all frames. Defaults to False.
        keep_float_nodes (Sequence[str]): Shell-style patterns of node
            names (of the graph after onnxruntime's pre-processing, which
            keeps the exporter's names) that stay in float, e.g.
            ``/detector/neck/*`` (:func:`match_node_names`). Defaults
            to ().

    Returns:
        dict: The graph's ``mmmtl`` metadata, with ``quantization``.

    Raises:
        ValueError: No calibration input, non-finite calibration inputs,
            ``out_file`` is ``fp32_file``, calibration options that do not
            go together, a ``keep_float_nodes`` pattern that matches no
            node, or a histogram calibration (percentile, entropy) that
            onnxruntime cannot make (an almost constant activation).
    """
    onnx = _import_onnx()
    ort_version, q, quant_pre_process = _ort_quantization()

    if osp.abspath(out_file) == osp.abspath(fp32_file):
        raise ValueError(f'{out_file}: the INT8 graph would overwrite its '
                         'FP32 input')
    calib_options = _calibration_options(calib_method, calib_percentile,
                                         calib_moving_average)
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
        by_name = match_node_names(onnx.load(prep_file), keep_float_nodes)
        excluded = sorted(set(excluded) | set(by_name))
        try:
            _quantize_static(
                q,
                calib_method,
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
                                         CALIB_METHODS[calib_method]),
                extra_options=dict(ActivationSymmetric=False,
                                   WeightSymmetric=True, **calib_options))
            quant = onnx.load(tmp_file)
            shapes = sorted({tuple(a.shape) for a in calib_inputs})
            calibration = dict(
                method=CALIB_METHODS[calib_method],
                frames=len(calib_inputs),
                input_shapes=[list(s) for s in shapes],
                source=calib_source)
            if 'CalibPercentile' in calib_options:
                calibration['percentile'] = calib_options['CalibPercentile']
            if calib_method == 'minmax':
                calibration['moving_average'] = bool(calib_moving_average)
            meta['quantization'] = dict(
                dtype='int8',
                tool=f'onnxruntime {ort_version} quantize_static',
                format='QDQ',
                weights='int8, symmetric, ' +
                ('per output channel' if per_channel else 'per tensor'),
                activations='uint8, asymmetric, per tensor',
                reduce_range=bool(reduce_range),
                calibration=calibration,
                float_kinds=list(keep_float),
                float_node_patterns=list(keep_float_nodes),
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
