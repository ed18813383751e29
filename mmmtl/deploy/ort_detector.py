"""A Re-ID RetinaNet whose network runs in onnxruntime."""
import json
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmdet.models.detectors import BaseDetector
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor

from .onnx_export import METADATA_KEY, output_names


class ONNXModelError(ValueError):
    """An ONNX file that onnxruntime cannot load (empty, truncated,
    corrupt) or a graph that cannot take its input (a static graph fed
    another size); the message names the file and the problem."""


def _first_line(err: BaseException) -> str:
    """The first non-empty line of an exception's message."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


@MODELS.register_module()
class ORTDetector(BaseDetector):
    """Detector of a one-shot tracker with its network in onnxruntime.

    The network (backbone, FPN, head) is the ONNX graph written by
    :func:`~mmmtl.deploy.export_detector_onnx`; its weights are in that
    file. Post-processing (anchors, top-k, decoding, NMS, one embedding
    per box) is the PyTorch head's own ``predict_by_feat``, built from the
    same ``bbox_head`` config as the exported model: only its prior
    generator, box coder and ``test_cfg`` are used, never its (randomly
    initialised) conv weights. ``predict`` returns what mmdet's
    ``SingleStageDetector.predict`` returns, so :class:`OneShotMOT` and its
    tracker run on top unchanged.

    Args:
        onnx_file (str): The exported graph.
        bbox_head (dict): Config of the exported model's head.
        num_threads (int, optional): onnxruntime intra-op threads.
            Defaults to None: PyTorch's thread count
            (``torch.get_num_threads()``, set by ``OMP_NUM_THREADS`` or
            ``torch.set_num_threads``), so the network and the rest of the
            model share one setting.
        providers (Sequence[str]): Execution providers, tried in order.
            Defaults to ``('CPUExecutionProvider', )``.
        train_cfg (dict, optional): Unused; accepted so that a detector
            config can be reused as is. Defaults to None.
        test_cfg (dict, optional): Post-processing config (``nms_pre``,
            ``score_thr``, ``nms``, ``max_per_img``). Defaults to None.
        data_preprocessor (dict, optional): Defaults to None.
        init_cfg (dict, optional): Defaults to None.

    Raises:
        FileNotFoundError: ``onnx_file`` does not exist.
        ONNXModelError: onnxruntime cannot load the file (empty, truncated
            or not ONNX).
        ValueError: The graph's outputs do not match the head (another
            head type, number of levels or channel counts).
    """

    def __init__(self,
                 onnx_file: str,
                 bbox_head: ConfigType,
                 num_threads: Optional[int] = None,
                 providers: Sequence[str] = ('CPUExecutionProvider', ),
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ORTDetector: no ONNX file {onnx_file}')
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ImportError(
                'ORTDetector needs onnxruntime: pip install "mmmtl[deploy]" '
                '(or pip install -r requirements/deploy.txt)') from err
        bbox_head = dict(bbox_head)
        bbox_head.update(train_cfg=train_cfg, test_cfg=test_cfg)
        self.bbox_head = MODELS.build(bbox_head)
        self.test_cfg = test_cfg
        self.onnx_file = onnx_file
        options = ort.SessionOptions()
        # by default as many threads as PyTorch (OMP_NUM_THREADS,
        # torch.set_num_threads): one setting for the whole model
        num_threads = num_threads or torch.get_num_threads()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        if osp.getsize(onnx_file) == 0:
            raise ONNXModelError(f'{onnx_file}: empty file, not an ONNX '
                                 'model; export it again')
        try:
            self.session = ort.InferenceSession(
                onnx_file, sess_options=options, providers=list(providers))
        except Exception as err:  # onnxruntime's own error classes
            raise ONNXModelError(
                f'{onnx_file}: onnxruntime cannot load it (truncated or '
                f'not an ONNX model?): {_first_line(err)}') from err
        self.metadata = self._check_graph()
        # (N, C, H, W) of a static graph; None for a symbolic dimension
        self.input_shape = tuple(
            d if isinstance(d, int) else None
            for d in self.session.get_inputs()[0].shape)

    def _check_graph(self) -> dict:
        """Compare the graph's outputs with the head; return its metadata.

        Raises:
            ValueError: Naming the file and the first mismatch.
        """
        head = self.bbox_head
        num_levels = head.prior_generator.num_levels
        want = output_names(num_levels)
        got = [o.name for o in self.session.get_outputs()]
        if got != want:
            raise ValueError(
                f'{self.onnx_file}: graph outputs {got} do not match the '
                f'config\'s {type(head).__name__} with {num_levels} levels '
                f'(expected {want}); export it from this config')
        meta_map = self.session.get_modelmeta().custom_metadata_map
        meta = json.loads(meta_map.get(METADATA_KEY, '{}'))
        expected = dict(
            head=type(head).__name__,
            cls_out_channels=head.num_base_priors * head.cls_out_channels,
            bbox_channels=head.num_base_priors * head.bbox_coder.encode_size,
            embed_channels=head.num_base_priors * head.embed_channels)
        for key, value in expected.items():
            if key in meta and meta[key] != value:
                raise ValueError(
                    f'{self.onnx_file}: exported with {key}={meta[key]!r}, '
                    f'but the config gives {value!r}; export it from this '
                    'config')
        # channel counts of the graph itself (symbolic sizes are strings)
        outs = self.session.get_outputs()
        for kind, channels, offset in (
            ('cls_score', expected['cls_out_channels'], 0),
            ('bbox_pred', expected['bbox_channels'], num_levels),
            ('reid_feat', expected['embed_channels'], 2 * num_levels)):
            dim = outs[offset].shape[1]
            if isinstance(dim, int) and dim != channels:
                raise ValueError(
                    f'{self.onnx_file}: {kind} has {dim} channels, the '
                    f'config\'s head {channels}; export it from this config')
        return meta

    @property
    def quantization(self) -> Optional[dict]:
        """dict or None: How the graph was quantised (its metadata's
        ``quantization`` entry), None for a float graph."""
        return self.metadata.get('quantization')

    def check_input_shape(self, shape: Tuple[int, ...]) -> None:
        """Refuse an input that a static graph cannot take.

        Args:
            shape (tuple[int]): (B, 3, H, W) of the batch.

        Raises:
            ONNXModelError: Naming the file, the graph's size and the
                input's.
        """
        want = self.input_shape
        if len(shape) != len(want) or any(
                w is not None and w != s for w, s in zip(want, shape)):
            fmt = 'x'.join('?' if d is None else str(d) for d in want)
            raise ONNXModelError(
                f'{self.onnx_file}: the graph takes {fmt} inputs, got '
                f'{"x".join(map(str, shape))}; export it with --shape '
                f'{shape[-2]} {shape[-1]}, or without --static, or set the '
                'test pipeline\'s Resize to the graph\'s size')

    @property
    def input_name(self) -> str:
        """str: Name of the graph's image input."""
        return self.session.get_inputs()[0].name

    def _forward(self,
                 batch_inputs: Tensor,
                 batch_data_samples: Optional[SampleList] = None
                 ) -> Tuple[List[Tensor], List[Tensor], List[Tensor]]:
        """Raw head outputs from onnxruntime.

        Args:
            batch_inputs (Tensor): (B, 3, H, W) normalised images.
            batch_data_samples (list, optional): Unused.

        Returns:
            tuple[list[Tensor]]: ``cls_scores`` (B, A*K, H_l, W_l),
            ``bbox_preds`` (B, A*4, H_l, W_l) and ``reid_feats``
            (B, A*D, H_l, W_l) per level, on the device of the inputs.
        """
        self.check_input_shape(tuple(batch_inputs.shape))
        array = np.ascontiguousarray(
            batch_inputs.detach().cpu().numpy(), dtype=np.float32)
        outs = self.session.run(None, {self.input_name: array})
        outs = [torch.from_numpy(o).to(batch_inputs.device) for o in outs]
        n = self.bbox_head.prior_generator.num_levels
        return outs[:n], outs[n:2 * n], outs[2 * n:]

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Detections with one embedding each, as ``SingleStageDetector``.

        Args:
            batch_inputs (Tensor): (B, 3, H, W) normalised images.
            batch_data_samples (list[:obj:`DetDataSample`]): Their meta
                information.
            rescale (bool): Boxes in the original image scale.
                Defaults to True.

        Returns:
            list[:obj:`DetDataSample`]: The inputs with ``pred_instances``
            (``bboxes`` (N, 4), ``scores`` (N, ), ``labels`` (N, ),
            ``embeds`` (N, D)).
        """
        outs = self._forward(batch_inputs)
        metas = [s.metainfo for s in batch_data_samples]
        results = self.bbox_head.predict_by_feat(
            *outs, batch_img_metas=metas, rescale=rescale)
        return self.add_pred_to_datasample(batch_data_samples, results)

    def extract_feat(self, batch_inputs: Tensor):
        """Not available: the graph ends at the head's outputs."""
        raise NotImplementedError(
            'ORTDetector runs the whole network in onnxruntime; it has no '
            'separate features')

    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> Union[dict, list]:
        """Not available: an ONNX graph is for inference only."""
        raise NotImplementedError(
            'ORTDetector is for inference; train the PyTorch model')
