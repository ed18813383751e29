"""A MOT model whose detector runs in PyTorch, torch.compile or ORT."""
import copy
from typing import Optional, Union

import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.config import Config, ConfigDict

from .inference import init_track_model

#: Backends of :func:`init_mot_model`.
BACKENDS = ('pytorch', 'compile', 'onnxruntime')


def onnxruntime_cfg(cfg: Config,
                    onnx_file: str,
                    num_threads: Optional[int] = None) -> Config:
    """A copy of ``cfg`` whose detector network is an ONNX graph.

    ``cfg.model.detector`` becomes an :class:`~mmmtl.deploy.ORTDetector`
    with the same head config (post-processing) and ``test_cfg``; the rest
    of the model (data pre-processor, tracker) is unchanged. Usable
    wherever a config is: :func:`init_mot_model`, or a ``Runner`` for
    ``tools/test.py``-style evaluation.

    Args:
        cfg (Config): A one-shot MOT config (``model.detector`` with a
            Re-ID head).
        onnx_file (str): Graph exported from that config.
        num_threads (int, optional): onnxruntime intra-op threads.
            Defaults to None.

    Returns:
        Config: The new config.
    """
    cfg = copy.deepcopy(cfg)
    detector = cfg.model.get('detector')
    if detector is None or 'bbox_head' not in detector:
        raise KeyError(
            f'{cfg.filename}: model.detector.bbox_head is missing; the '
            'onnxruntime backend needs a one-shot MOT config')
    cfg.model.detector = ConfigDict(
        type='ORTDetector',
        onnx_file=onnx_file,
        bbox_head=detector.bbox_head,
        num_threads=num_threads,
        train_cfg=detector.get('train_cfg'),
        test_cfg=detector.get('test_cfg'),
        data_preprocessor=detector.get('data_preprocessor'))
    return cfg


def compile_detector(model: nn.Module, **compile_kwargs) -> nn.Module:
    """Compile the network of ``model.detector`` in place (inductor).

    Backbone, neck and head forwards are compiled with
    :meth:`torch.nn.Module.compile`; pre-processing, post-processing
    (``predict_by_feat``) and the tracker stay eager. The first frame pays
    for the compilation.

    Args:
        model (nn.Module): A MOT model with ``detector.backbone``,
            ``.neck`` and ``.bbox_head``.
        **compile_kwargs: Arguments of :func:`torch.compile`
            (default ``backend='inductor'``).

    Returns:
        nn.Module: ``model``.
    """
    compile_kwargs.setdefault('backend', 'inductor')
    detector = model.detector
    for name in ('backbone', 'neck', 'bbox_head'):
        module = getattr(detector, name, None)
        if module is not None:
            module.compile(**compile_kwargs)
    return model


def init_mot_model(config: Union[str, Config],
                   checkpoint: Optional[str] = None,
                   device: str = 'cpu',
                   cfg_options: Optional[dict] = None,
                   backend: str = 'pytorch',
                   onnx_file: Optional[str] = None,
                   num_threads: Optional[int] = None,
                   allow_partial: bool = False,
                   random_weights: bool = False,
                   allow_nonfinite: bool = False) -> nn.Module:
    """Build a MOT model for inference with the detector on a backend.

    ``'pytorch'`` and ``'compile'`` load ``checkpoint`` strictly with
    :func:`~mmmtl.apis.init_track_model` (mmmtl's safe loader,
    ``weights_only=True``; no checkpoint is an error unless
    ``random_weights``); ``'compile'`` then compiles the detector network
    (:func:`compile_detector`). ``'onnxruntime'`` runs the network from
    ``onnx_file``, whose weights are in the graph, so it takes no
    checkpoint (:func:`onnxruntime_cfg`); the rest of the model (data
    pre-processor, tracker) holds no weights used at inference, and class
    names come from the graph's metadata when the export stored them. In
    every case the result follows mmdet's MOT API (``test_step``,
    :func:`~mmdet.apis.inference_mot`, the per-frame functions of
    :mod:`mmmtl.apis`).

    Args:
        config (str or Config): Model config.
        checkpoint (str, optional): Checkpoint (PyTorch backends).
            Defaults to None.
        device (str): Device of the PyTorch parts. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides. Defaults to None.
        backend (str): One of :data:`BACKENDS`. Defaults to 'pytorch'.
        onnx_file (str, optional): Exported graph (``'onnxruntime'``).
            Defaults to None.
        num_threads (int, optional): onnxruntime intra-op threads
            (``'onnxruntime'``; PyTorch uses ``torch.set_num_threads``).
            Defaults to None.
        allow_partial (bool): PyTorch backends: load a checkpoint that
            fits only in part, with a warning. Defaults to False.
        random_weights (bool): PyTorch backends: allow no checkpoint
            (smoke tests). Defaults to False.
        allow_nonfinite (bool): PyTorch backends: load a checkpoint holding
            NaN or inf with a warning instead of an error. Defaults to
            False.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` and
        ``dataset_meta``.

    Raises:
        ValueError: Unknown backend, or an argument that does not belong
            to the backend (an ONNX file for PyTorch, a checkpoint for
            onnxruntime).
    """
    if backend not in BACKENDS:
        raise ValueError(
            f'backend must be one of {BACKENDS}, got {backend!r}')
    if backend == 'onnxruntime':
        if onnx_file is None:
            raise ValueError('backend onnxruntime needs an ONNX file '
                             '(tools/deployment/export_onnx.py writes it)')
        if checkpoint is not None or random_weights or allow_partial:
            raise ValueError(
                f'backend onnxruntime takes its weights from {onnx_file}; '
                'do not pass a checkpoint, random_weights or allow_partial')
        cfg = Config.fromfile(config) if isinstance(config, str) else \
            copy.deepcopy(config)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        cfg = onnxruntime_cfg(cfg, onnx_file, num_threads)
        model = MODELS.build(cfg.model)
        classes = model.detector.metadata.get('classes')
        model.dataset_meta = dict(classes=tuple(classes) if classes else None)
        model.cfg = cfg
        return model.to(device).eval()
    if onnx_file is not None:
        raise ValueError(
            f'an ONNX file ({onnx_file}) is only read by backend '
            f"'onnxruntime', not {backend!r}")
    model = init_track_model(
        config,
        checkpoint,
        device=device,
        cfg_options=cfg_options,
        allow_partial=allow_partial,
        random_weights=random_weights,
        allow_nonfinite=allow_nonfinite)
    if backend == 'compile':
        compile_detector(model)
    return model
