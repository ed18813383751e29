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
from .ort_detector import ORTDetector

__all__ = [
    'OUTPUT_KINDS', 'DetectorRawOutputs', 'ORTDetector',
    'export_detector_onnx', 'output_names', 'read_onnx_metadata'
]
