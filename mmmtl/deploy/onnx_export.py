"""Export of a Re-ID RetinaNet's network to ONNX.

The graph holds the network only: backbone, FPN and head, from the
normalised image to the raw per-level outputs of
:meth:`BaseReIDHead.forward` (classification scores, or CE's joint
probabilities J; box offsets; embeddings before normalisation). Anchor
generation, score activation and threshold, top-k, box decoding, NMS,
rescaling and the embedding gather stay in the head's own
:meth:`~mmmtl.models.dense_heads.BaseReIDHead.predict_by_feat`, run by
:class:`~mmmtl.deploy.ORTDetector` on the onnxruntime outputs: one
post-processing implementation for every backend, so PyTorch and
onnxruntime differ only by the network's float rounding. It costs about
20 ms of a 2 s frame at 608x1088 on a CPU, and the tracker on top is
PyTorch in any case.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

#: Outputs of each FPN level, in graph order.
OUTPUT_KINDS = ('cls_score', 'bbox_pred', 'reid_feat')
#: Key of the graph metadata written by :func:`export_detector_onnx`.
METADATA_KEY = 'mmmtl'


def _import_onnx():
    """The optional ``onnx`` package, or an error saying how to get it."""
    try:
        import onnx
    except ImportError as err:
        raise ImportError(
            'ONNX export needs onnx: pip install "mmmtl[deploy]" (or pip '
            'install -r requirements/deploy.txt)') from err
    return onnx


def output_names(num_levels: int) -> List[str]:
    """Names of the graph outputs: ``cls_score_0 ... reid_feat_{L-1}``.

    Args:
        num_levels (int): L, the FPN levels of the head.

    Returns:
        list[str]: 3L names, all classification outputs first, then the
        box offsets, then the embeddings.
    """
    return [f'{kind}_{i}' for kind in OUTPUT_KINDS for i in range(num_levels)]


class DetectorRawOutputs(nn.Module):
    """A detector's network as one tensor-in, tensors-out module.

    Args:
        detector (nn.Module): An mmdet detector whose ``mode='tensor'``
            forward returns the three per-level lists of a
            :class:`BaseReIDHead` (``cls_scores``, ``bbox_preds``,
            ``reid_feats``).
    """

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.detector = detector

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Run the network.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images, H and W
                multiples of the largest stride.

        Returns:
            tuple[Tensor]: 3L tensors: L ``cls_score`` (B, A*K, H_l, W_l),
            L ``bbox_pred`` (B, A*4, H_l, W_l), L ``reid_feat``
            (B, A*D, H_l, W_l).
        """
        outs = self.detector(inputs, None, mode='tensor')
        # head (b) appends the logits of its JAM's Re-ID-side map, which
        # only its loss reads; prediction needs the first three lists
        outs = outs[:len(OUTPUT_KINDS)] if len(outs) == 4 else outs
        if len(outs) != len(OUTPUT_KINDS):
            raise TypeError(
                f'{type(self.detector).__name__}: the tensor-mode forward '
                f'returned {len(outs)} lists, expected 3 (cls_scores, '
                'bbox_preds, reid_feats): only detectors with an mmmtl '
                'Re-ID head can be exported')
        return tuple(t for level_outs in outs for t in level_outs)


def export_detector_onnx(detector: nn.Module,
                         out_file: str,
                         shape: Sequence[int] = (608, 1088),
                         opset: int = 17,
                         dynamic: bool = True,
                         metadata: Optional[Dict] = None) -> Dict:
    """Export the network of a Re-ID detector to ONNX.

    TorchScript-based ``torch.onnx.export`` (``dynamo=False``): it traces
    all six heads, CE's softmax and top-k included, into plain ONNX
    operators, and the image size stays symbolic through FPN's
    upsampling. The file is written next to its destination first and
    renamed when complete, so an interrupted export leaves no truncated
    model.

    Args:
        detector (nn.Module): Detector in eval mode (its weights loaded).
        out_file (str): Destination ``.onnx`` file.
        shape (Sequence[int]): (H, W) of the example input that is traced.
            Defaults to (608, 1088).
        opset (int): ONNX opset. Defaults to 17.
        dynamic (bool): Symbolic batch size, height and width (input and
            outputs). Defaults to True.
        metadata (dict, optional): JSON-serialisable entries stored in the
            graph's ``metadata_props`` under ``'mmmtl'`` (head type, number
            of levels and channels are always stored). Defaults to None.

    Returns:
        dict: The stored metadata.
    """
    head = detector.bbox_head
    num_levels = head.prior_generator.num_levels
    names = output_names(num_levels)
    info = dict(
        head=type(head).__name__,
        num_levels=num_levels,
        cls_out_channels=head.num_base_priors * head.cls_out_channels,
        bbox_channels=head.num_base_priors * head.bbox_coder.encode_size,
        embed_channels=head.num_base_priors * head.embed_channels,
        cls_activated=bool(head.cls_activated),
        opset=opset,
        shape=list(shape),
        dynamic=dynamic)
    info.update(metadata or {})
    height, width = shape
    device = next(detector.parameters()).device
    dummy = torch.zeros(1, 3, height, width, device=device)
    dynamic_axes = None
    if dynamic:
        dynamic_axes = {'inputs': {0: 'batch', 2: 'height', 3: 'width'}}
        for name in names:
            level = name.rsplit('_', 1)[1]
            dynamic_axes[name] = {
                0: 'batch',
                2: f'height_{level}',
                3: f'width_{level}'
            }
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    tmp_file = osp.join(out_dir, f'.{osp.basename(out_file)}.partial')
    onnx = _import_onnx()
    wrapper = DetectorRawOutputs(detector).eval()
    try:
        with torch.no_grad():
            torch.onnx.export(
                wrapper, (dummy, ),
                tmp_file,
                input_names=['inputs'],
                output_names=names,
                opset_version=opset,
                dynamic_axes=dynamic_axes,
                do_constant_folding=True,
                dynamo=False)
        model = onnx.load(tmp_file)
        entry = model.metadata_props.add()
        entry.key = METADATA_KEY
        entry.value = json.dumps(info)
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, tmp_file)
        os.replace(tmp_file, out_file)
    finally:
        if osp.exists(tmp_file):
            os.remove(tmp_file)
    return info


def read_onnx_metadata(onnx_file: str) -> Dict:
    """The ``'mmmtl'`` metadata of a graph written by the exporter.

    Args:
        onnx_file (str): An ``.onnx`` file.

    Returns:
        dict: The metadata; empty when the graph has none.

    Raises:
        FileNotFoundError: No such file.
        ValueError: The file is not a readable ONNX model (naming it).
    """
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'{onnx_file}: no such ONNX file')
    try:
        model = _import_onnx().load(onnx_file, load_external_data=False)
    except Exception as err:  # protobuf's DecodeError and kin
        raise ValueError(f'{onnx_file}: not a readable ONNX model '
                         f'({type(err).__name__}: {err})') from err
    if not model.graph.node:
        raise ValueError(f'{onnx_file}: an empty ONNX graph (no node)')
    for entry in model.metadata_props:
        if entry.key == METADATA_KEY:
            return json.loads(entry.value)
    return {}
