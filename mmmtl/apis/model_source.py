"""Where a model's weights come from, and on which backend it runs.

One rule, stated and checked in :func:`check_weight_source`, for every way
of getting a model: :func:`~mmmtl.apis.init_mot_model` (inference),
:func:`~mmmtl.apis.build_test_runner` (the test loop) and every tool, whose
flags come from :func:`add_model_args` and are checked by
:func:`parse_model_args`.
"""
import argparse
import os.path as osp
from typing import Any, Dict, Optional, Sequence

from mmengine.config import Config

from mmmtl.deploy import read_onnx_metadata

#: Where the detector network can run. ``'pytorch'`` and ``'compile'``
#: (``torch.compile`` of backbone, neck and head) read a checkpoint;
#: ``'onnxruntime'`` reads an exported graph, which holds the weights.
MODEL_BACKENDS = ('pytorch', 'compile', 'onnxruntime')

#: How a tool takes the checkpoint (:func:`add_model_args`).
CHECKPOINT_STYLES = ('option', 'positional', 'either')


class WeightSourceError(ValueError):
    """Weights, backend and flags that do not go together."""


def _detector_cfg(config: Optional[Config]) -> Optional[dict]:
    """``config.model.detector`` ({} when absent); None: not checked."""
    if not isinstance(config, Config):
        return None
    model = config.get('model') or {}
    return model.get('detector') or {} if isinstance(model, dict) else {}


def check_weight_source(backend: str = 'pytorch',
                        checkpoint: Optional[str] = None,
                        onnx_file: Optional[str] = None,
                        *,
                        allow_partial: bool = False,
                        random_weights: bool = False,
                        allow_nonfinite: bool = False,
                        config: Optional[Config] = None) -> None:
    """Check that a model's weight source fits its backend and config.

    The rule:

    - ``backend`` is one of :data:`MODEL_BACKENDS`.
    - ``'onnxruntime'`` reads its weights from ``onnx_file``, which it
      needs; a checkpoint, ``random_weights``, ``allow_partial`` or
      ``allow_nonfinite`` (all about a checkpoint) is refused with it, and
      so is a config without ``model.detector.bbox_head`` (the graph's
      post-processing is that head's).
    - ``'pytorch'`` and ``'compile'`` read ``checkpoint``: an ONNX file is
      refused; no checkpoint is an error unless ``random_weights`` (smoke
      tests), and both together are an error. ``'compile'`` needs a
      ``model.detector`` to compile.

    Args:
        backend (str): One of :data:`MODEL_BACKENDS`. Defaults to
            ``'pytorch'``.
        checkpoint (str, optional): Checkpoint path, URL or zoo name.
        onnx_file (str, optional): Exported graph.
        allow_partial (bool): A checkpoint may fit in part.
        random_weights (bool): No checkpoint is wanted.
        allow_nonfinite (bool): A checkpoint may hold NaN or inf.
        config (Config, optional): The model config, to check that it can
            use ``backend``. Defaults to None (not checked).

    Raises:
        WeightSourceError: Naming what does not go together, with both the
            argument and the tools' flag.
    """
    if backend not in MODEL_BACKENDS:
        raise WeightSourceError(
            f'backend must be one of {MODEL_BACKENDS}, got {backend!r}')
    detector = _detector_cfg(config)
    where = getattr(config, 'filename', None) or 'the config'
    if backend == 'onnxruntime':
        if onnx_file is None:
            raise WeightSourceError(
                'backend onnxruntime needs an ONNX file (onnx_file, --onnx '
                'MODEL.onnx; tools/deployment/export_onnx.py writes it)')
        if (checkpoint is not None or random_weights or allow_partial
                or allow_nonfinite):
            raise WeightSourceError(
                f'backend onnxruntime takes the weights from {onnx_file}; '
                'give no checkpoint, random_weights, allow_partial or '
                'allow_nonfinite (--checkpoint, --random-weights, '
                '--allow-partial, --allow-nonfinite)')
        if detector is not None and 'bbox_head' not in detector:
            raise WeightSourceError(
                f'{where}: model.detector.bbox_head is missing; the '
                'onnxruntime backend needs a one-shot MOT config')
        return
    if onnx_file is not None:
        raise WeightSourceError(
            f'an ONNX file ({onnx_file}) is only read by backend '
            f"'onnxruntime' (--backend onnxruntime), not {backend!r}")
    if checkpoint is None and not random_weights:
        raise WeightSourceError(
            'no checkpoint given: the model would run with random weights '
            '(pass random_weights=True, or --random-weights, for a smoke '
            'test)')
    if checkpoint is not None and random_weights:
        raise WeightSourceError(
            'a checkpoint and random_weights (--random-weights) exclude '
            'each other')
    if backend == 'compile' and detector is not None and not detector:
        raise WeightSourceError(
            f'{where}: backend compile compiles model.detector, which the '
            'config does not have')


def add_model_args(parser: argparse.ArgumentParser,
                   *,
                   checkpoint: str = 'option',
                   backends: Optional[Sequence[str]] = MODEL_BACKENDS,
                   multiple_backends: bool = False,
                   relax: bool = True) -> None:
    """Add the weight and backend flags to a tool's parser.

    Args:
        parser (ArgumentParser): The tool's parser.
        checkpoint (str): ``'option'`` (``--checkpoint``), ``'positional'``
            (a required ``checkpoint`` argument), ``'either'`` (an optional
            positional, as ``mim test`` passes it, or ``--checkpoint``) or
            ``'none'`` (the tool builds its own weights).
        backends (Sequence[str], optional): ``--backend`` choices (from
            :data:`MODEL_BACKENDS`, plus a tool's own variants); None: no
            ``--backend`` (PyTorch only). ``--onnx`` is added when
            ``'onnxruntime'`` is a choice and the tool takes weights.
        multiple_backends (bool): ``--backend`` takes several values (the
            first is the baseline). Defaults to False.
        relax (bool): Add ``--allow-partial``, ``--random-weights`` and
            ``--allow-nonfinite``. Defaults to True.
    """
    if checkpoint not in CHECKPOINT_STYLES + ('none', ):
        raise ValueError(f'checkpoint must be one of {CHECKPOINT_STYLES} or '
                         f"'none', got {checkpoint!r}")
    help_ckpt = 'checkpoint file, URL or model-zoo name'
    if checkpoint == 'positional':
        parser.add_argument('checkpoint', help=help_ckpt)
    elif checkpoint == 'either':
        parser.add_argument(
            'ckpt', nargs='?', default=None, metavar='CHECKPOINT',
            help=f'{help_ckpt} (or give --checkpoint)')
    if checkpoint in ('option', 'either'):
        parser.add_argument('--checkpoint', help=help_ckpt)
    if relax and checkpoint != 'none':
        parser.add_argument(
            '--allow-partial', action='store_true',
            help='load a checkpoint that fits the model only in part (a '
            'warning lists what did not fit)')
        parser.add_argument(
            '--random-weights', action='store_true',
            help='run without a checkpoint (smoke tests only: the results '
            'of random weights mean nothing)')
        parser.add_argument(
            '--allow-nonfinite', action='store_true',
            help='load a checkpoint holding NaN or inf weights (a warning '
            'names them; a frame whose outputs are NaN still stops the run)')
    if backends is None:
        return
    if multiple_backends:
        parser.add_argument(
            '--backend', nargs='+', choices=tuple(backends),
            default=[backends[0]],
            help='where the detector network runs; the first one is the '
            'baseline')
    else:
        parser.add_argument(
            '--backend', choices=tuple(backends), default=backends[0],
            help='where the detector network runs (the tracker is the '
            'same)')
    if 'onnxruntime' in backends and checkpoint != 'none':
        parser.add_argument(
            '--onnx',
            help='graph from tools/deployment/export_onnx.py (backend '
            'onnxruntime; it holds the weights, so no checkpoint is given)')


def parse_model_args(parser: argparse.ArgumentParser,
                     args: argparse.Namespace,
                     config: Optional[Config] = None,
                     read_graph: bool = True) -> Dict[str, Any]:
    """Check the flags of :func:`add_model_args` and return the loader's
    keyword arguments.

    The rule is :func:`check_weight_source`'s; its errors, a checkpoint or
    ONNX file that is not there, and an unreadable graph become
    ``parser.error`` (one line naming the flag or file, exit 2). A
    positional checkpoint is merged into ``args.checkpoint``.

    Args:
        parser (ArgumentParser): The parser the flags were added to.
        args (Namespace): Its parsed arguments.
        config (Config, optional): The model config, to check that it can
            use the backend.
        read_graph (bool): Check the ONNX file now (there, and readable),
            so that a missing, empty or corrupt graph is a usage error;
            False leaves it to the loader
            (:class:`~mmmtl.deploy.ONNXModelError`). Defaults to True.

    Returns:
        dict: ``checkpoint``, ``backend``, ``onnx_file``,
        ``allow_partial``, ``random_weights`` and ``allow_nonfinite``, for
        :func:`~mmmtl.apis.init_mot_model` or
        :func:`~mmmtl.apis.build_test_runner`.
    """
    positional = getattr(args, 'ckpt', None)
    if positional and getattr(args, 'checkpoint', None):
        parser.error('give the checkpoint once, positionally or with '
                     '--checkpoint')
    args.checkpoint = getattr(args, 'checkpoint', None) or positional
    kwargs = dict(
        checkpoint=args.checkpoint,
        backend=getattr(args, 'backend', 'pytorch'),
        onnx_file=getattr(args, 'onnx', None),
        allow_partial=getattr(args, 'allow_partial', False),
        random_weights=getattr(args, 'random_weights', False),
        allow_nonfinite=getattr(args, 'allow_nonfinite', False))
    try:
        check_weight_source(**kwargs, config=config)
    except WeightSourceError as e:
        parser.error(str(e))
    ckpt, onnx_file = kwargs['checkpoint'], kwargs['onnx_file']
    if ckpt and '://' not in ckpt and not osp.isfile(ckpt):
        parser.error(f'checkpoint {ckpt} not found')
    if onnx_file is not None and read_graph:
        if not osp.isfile(onnx_file):
            parser.error(f'ONNX file {onnx_file} not found')
        try:  # empty, truncated or not ONNX: one line, not a traceback
            read_onnx_metadata(onnx_file)
        except ValueError as e:
            parser.error(str(e))
    return kwargs
