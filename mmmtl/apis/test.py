"""Build the test runner of a config with its checkpoint loaded strictly."""
from typing import Optional

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmmtl.engine.quiet_runner import QuietConfigRunner

from .backends import onnxruntime_cfg


def build_test_runner(cfg: Config,
                      checkpoint: Optional[str] = None,
                      allow_partial: bool = False,
                      random_weights: bool = False,
                      allow_nonfinite: bool = False,
                      verbose: bool = False,
                      onnx_file: Optional[str] = None,
                      save_detections: Optional[str] = None,
                      cache_embed_dtype: str = 'float32') -> Runner:
    """The Runner of ``cfg`` that tests ``checkpoint``.

    The runner gets a :class:`~mmmtl.engine.CheckpointCheckHook`, so a
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

    Returns:
        Runner: Call ``.test()`` on it.

    Raises:
        ValueError: No checkpoint and ``random_weights`` is False, or both;
            or a checkpoint (or ``random_weights``, ``allow_partial``)
            with ``onnx_file``.
    """
    if save_detections is not None:
        cfg = cfg.copy()
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(
                type='DetectionCacheHook',
                out_dir=save_detections,
                embed_dtype=cache_embed_dtype)
        ]
    if onnx_file is not None:
        if checkpoint is not None or random_weights or allow_partial:
            raise ValueError(
                f'the onnxruntime backend takes its weights from '
                f'{onnx_file}; give no checkpoint, random_weights or '
                'allow_partial')
        cfg = onnxruntime_cfg(cfg, onnx_file)
        cfg.load_from = None
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='NonFiniteCheckHook')
        ]
        return _build(cfg, verbose)
    if checkpoint is None and not random_weights:
        raise ValueError(
            'no checkpoint given: testing would evaluate random weights '
            '(pass random_weights=True, or --random-weights, for a smoke '
            'test)')
    if checkpoint is not None and random_weights:
        raise ValueError('a checkpoint and random_weights exclude each other')
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
    return _build(cfg, verbose)


def _build(cfg: Config, verbose: bool) -> Runner:
    # the config's own runner_type is kept; otherwise, without verbose, a
    # runner that does not log the whole config
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return (Runner if verbose else QuietConfigRunner).from_cfg(cfg)
