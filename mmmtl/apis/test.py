"""Build the test runner of a config with its checkpoint loaded strictly."""
from typing import Optional

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmmtl.engine.quiet_runner import QuietConfigRunner

from .backends import compile_detector, onnxruntime_cfg
from .model_source import check_weight_source


def build_test_runner(cfg: Config,
                      checkpoint: Optional[str] = None,
                      allow_partial: bool = False,
                      random_weights: bool = False,
                      allow_nonfinite: bool = False,
                      verbose: bool = False,
                      onnx_file: Optional[str] = None,
                      save_detections: Optional[str] = None,
                      cache_embed_dtype: str = 'float32',
                      backend: Optional[str] = None) -> Runner:
    """The Runner of ``cfg`` that tests ``checkpoint``.

    The weights, backend and flags follow the rule of
    :func:`~mmmtl.apis.check_weight_source`, as for
    :func:`~mmmtl.apis.init_mot_model`. The runner gets a
    :class:`~mmmtl.engine.CheckpointCheckHook`, so a
    checkpoint whose weights do not fit the model is an error naming the
    first mismatched keys, and testing without one is an error too; so is
    a checkpoint holding NaN or inf unless ``allow_nonfinite``. A
    :class:`~mmmtl.engine.hooks.nonfinite_check_hook.NonFiniteCheckHook`
    stops the test at the first frame whose outputs are NaN or inf.

    Args:
        cfg (Config): The config (not modified).
        checkpoint (str, optional): Checkpoint path, URL or zoo name.
            Defaults to None.
        allow_partial (bool): Accept a checkpoint that fits in part
            (a warning lists the rest). Defaults to False.
        random_weights (bool): Accept testing without a checkpoint (smoke
            tests). Defaults to False.
        allow_nonfinite (bool): Load a checkpoint holding NaN or inf with a
            warning instead of an error. Defaults to False.
        verbose (bool): Log the whole config when the runner starts (it is
            saved beside the logs in any case). Defaults to False.
        onnx_file (str, optional): Run the detector network from this
            exported graph in onnxruntime (:func:`onnxruntime_cfg`); its
            weights are in the graph, so no checkpoint is taken.
            Defaults to None.
        save_detections (str, optional): Also write the detection cache
            of every test sequence to this folder
            (:class:`~mmmtl.engine.DetectionCacheHook`), for replaying and
            tuning the tracker without the network. Defaults to None.
        cache_embed_dtype (str): ``'float32'`` (replay equals the test
            exactly) or ``'float16'``. Defaults to ``'float32'``.
        backend (str, optional): One of
            :data:`~mmmtl.apis.MODEL_BACKENDS`; ``'compile'`` compiles the
            detector network once the runner has built it. Defaults to
            None: ``'onnxruntime'`` when ``onnx_file`` is given, else
            ``'pytorch'``.

    Returns:
        Runner: Call ``.test()`` on it.

    Raises:
        WeightSourceError: Weights and backend that do not go together
            (:func:`~mmmtl.apis.check_weight_source`).
    """
    if backend is None:
        backend = 'pytorch' if onnx_file is None else 'onnxruntime'
    check_weight_source(backend, checkpoint, onnx_file, config=cfg,
                        allow_partial=allow_partial,
                        random_weights=random_weights,
                        allow_nonfinite=allow_nonfinite)
    if save_detections is not None:
        cfg = cfg.copy()
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(
                type='DetectionCacheHook',
                out_dir=save_detections,
                embed_dtype=cache_embed_dtype)
        ]
    if backend == 'onnxruntime':
        cfg = onnxruntime_cfg(cfg, onnx_file)
        cfg.load_from = None
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='NonFiniteCheckHook')
        ]
        return _build(cfg, verbose)
    cfg = cfg.copy()
    cfg.load_from = checkpoint
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(
            type='CheckpointCheckHook',
            strict=not allow_partial,
            require_checkpoint=not random_weights,
            allow_nonfinite=allow_nonfinite),
        dict(type='NonFiniteCheckHook')
    ]
    runner = _build(cfg, verbose)
    if backend == 'compile':
        model = runner.model
        compile_detector(getattr(model, 'module', model))
    return runner


def _build(cfg: Config, verbose: bool) -> Runner:
    # the config's own runner_type is kept; otherwise, without verbose, a
    # runner that does not log the whole config
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return (Runner if verbose else QuietConfigRunner).from_cfg(cfg)
