"""A MOT model whose detector runs in PyTorch, torch.compile or ORT."""
import copy
import inspect
import math
import warnings
from typing import Optional, Union

import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.config import Config, ConfigDict

from mmmtl.utils.checkpoint import load_checkpoint_checked

from .model_source import check_weight_source


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


class TrackerConfigError(TypeError, ValueError):
    """A ``model.tracker`` key of the wrong type, or not finite.

    A ``TypeError`` (wrong type) and a ``ValueError`` (NaN or infinite),
    so callers that catch either keep working.
    """


def check_tracker_cfg(config: Config) -> None:
    """Check the types of the tracker's numeric keys before building it.

    A ``--cfg-options model.tracker.obj_score_thr=abc`` reaches the tracker
    as the string ``'abc'``, which fails deep inside it with a
    ``TypeError`` that names no key. Every key of ``model.tracker`` whose
    default in the tracker's signature is a number must be a finite
    number.

    Args:
        config (Config): A MOT config (``model.tracker`` optional).

    Raises:
        TrackerConfigError: Naming the key, its value and the expected
            type, or the key whose value is NaN or infinite.
    """
    tracker = config.get('model', {}).get('tracker')
    if not tracker or not isinstance(tracker.get('type'), str):
        return
    cls = MODELS.get(tracker['type'])
    if cls is None:
        return
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return
    for key, value in tracker.items():
        param = params.get(key)
        if param is None or value is None:
            continue
        default = param.default
        if isinstance(default, bool) or not isinstance(default,
                                                       (int, float)):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TrackerConfigError(
                f'model.tracker.{key} must be a number (like its default '
                f'{default!r}), got {value!r} of type '
                f'{type(value).__name__}')
        if not math.isfinite(value):
            raise TrackerConfigError(
                f'model.tracker.{key} must be finite, got {value!r}')


def _init_pytorch_model(config: Union[str, Config],
                     checkpoint: Optional[str] = None,
                     device: str = 'cpu',
                     cfg_options: Optional[dict] = None,
                     allow_partial: bool = False,
                     random_weights: bool = False,
                     allow_nonfinite: bool = False) -> nn.Module:
    """Build a MOT model from its config and load its checkpoint strictly
    (the ``'pytorch'`` backend of :func:`init_mot_model`).

    mmdet's :func:`~mmdet.apis.init_track_model` loads with
    ``strict=False``: a checkpoint of another model only logs "missing
    keys" and the model runs with random weights. Here a checkpoint that
    does not fit is an error that names the first mismatched keys, and so
    is building a model without a checkpoint. The checkpoint is loaded
    through mmmtl's safe loaders (local path, URL or zoo name, always with
    ``weights_only=True``).

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint path, URL or zoo name.
            Defaults to None.
        device (str): Device of the model. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides. Defaults to None.
        allow_partial (bool): Load a checkpoint that fits only in part,
            with a warning listing what does not fit (fine-tuning).
            Defaults to False.
        random_weights (bool): Allow a model without checkpoint (smoke
            tests). Defaults to False.
        allow_nonfinite (bool): Load a checkpoint holding NaN or infinite
            weights, with a warning naming them; otherwise that is an
            error. Defaults to False.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` and
        ``dataset_meta`` set.

    The weight source has been checked by :func:`init_mot_model`
    (:func:`~mmmtl.apis.check_weight_source`).

    Raises:
        CheckpointMismatchError: The checkpoint does not fit the model.
        NonFiniteWeightsError: The checkpoint holds NaN or inf and
            ``allow_nonfinite`` is False.
    """
    if isinstance(config, str):
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError('config must be a filename or Config object, '
                        f'but got {type(config)}')
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    check_tracker_cfg(config)
    model = MODELS.build(config.model)
    model.dataset_meta = {'classes': None}
    if checkpoint is not None:
        ckpt = load_checkpoint_checked(
            model, checkpoint, map_location='cpu', strict=not allow_partial,
            allow_nonfinite=allow_nonfinite)
        meta = ckpt.get('meta', {}).get('dataset_meta')
        if meta:
            meta = dict(meta)
            if 'CLASSES' in meta:
                meta['classes'] = meta.pop('CLASSES')
            model.dataset_meta = meta
    else:
        warnings.warn('the model has random weights (random_weights=True)')
    model.cfg = config
    model.to(device)
    model.eval()
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
    :func:`_init_pytorch_model` (mmmtl's safe loader,
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
        backend (str): One of
            :data:`~mmmtl.apis.MODEL_BACKENDS`. Defaults to 'pytorch'.
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
    cfg = Config.fromfile(config) if isinstance(config, str) else \
        copy.deepcopy(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    relax = dict(allow_partial=allow_partial, random_weights=random_weights,
                 allow_nonfinite=allow_nonfinite)
    check_weight_source(backend, checkpoint, onnx_file, config=cfg, **relax)
    if backend == 'onnxruntime':
        cfg = onnxruntime_cfg(cfg, onnx_file, num_threads)
        model = MODELS.build(cfg.model)
        classes = model.detector.metadata.get('classes')
        model.dataset_meta = dict(classes=tuple(classes) if classes else None)
        model.cfg = cfg
        return model.to(device).eval()
    model = _init_pytorch_model(cfg, checkpoint, device=device, **relax)
    if backend == 'compile':
        compile_detector(model)
    return model
