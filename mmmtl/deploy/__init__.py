"""Deployment: ONNX export of the network and an onnxruntime detector.

``onnx`` and ``onnxruntime`` are optional (``pip install "mmmtl[deploy]"``)
and imported only when an export or a session is made.
"""
from .onnx_export import (
    OUTPUT_KINDS,
    DetectorRawOutputs,
    export_detector_onnx,
    output_names,
    read_onnx_metadata,
)
from .ort_detector import ONNXModelError, ORTDetector
from .quantize import (
    CALIB_METHODS,
    DEFAULT_CALIB_PERCENTILE,
    DEFAULT_FLOAT_KINDS,
    FLOAT_KINDS,
    INT8_TOLERANCES,
    float_node_names,
    int8_accuracy_verdict,
    match_node_names,
    quantization_settings,
    quantize_detector_onnx,
)

__all__ = [
    'CALIB_METHODS', 'DEFAULT_CALIB_PERCENTILE', 'DEFAULT_FLOAT_KINDS',
    'FLOAT_KINDS', 'INT8_TOLERANCES', 'OUTPUT_KINDS',
    'DetectorRawOutputs',
    'ONNXModelError', 'ORTDetector', 'export_detector_onnx',
    'float_node_names', 'int8_accuracy_verdict', 'match_node_names',
    'output_names', 'quantization_settings', 'quantize_detector_onnx',
    'read_onnx_metadata'
]
