"""Refuse to test a model whose checkpoint does not fit it, or that has
none; name the NaN or inf weights of any checkpoint the Runner loads."""
from typing import Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import find_latest_checkpoint

from mmmtl.utils.checkpoint import (
    check_finite_state_dict,
    check_state_dict,
    checkpoint_state_dict,
)


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Strict checkpoint loading for test runs.

    mmengine's Runner loads ``load_from`` with ``strict=False``: a
    checkpoint of another architecture only logs "missing keys" and the test
    goes on with random weights. This hook sees the checkpoint before it
    reaches the model (``after_load_checkpoint``) and raises a
    :class:`~mmmtl.utils.checkpoint.CheckpointMismatchError` naming the
    first missing, unexpected and mis-shaped keys; before the test loop it
    raises when no checkpoint was loaded at all. Weights holding NaN or
    inf are named in a warning, or refused with a
    :class:`~mmmtl.utils.checkpoint.NonFiniteWeightsError`.
    ``tools/test.py`` adds it; ``--allow-partial``, ``--random-weights``
    and ``--allow-nonfinite`` relax it. ``tools/train.py`` adds it with
    ``check_keys=False`` and ``require_checkpoint=False``: the
    ``load_from`` and ``--resume`` checkpoints of training are loaded as
    mmengine loads them, with a warning naming the tensors that hold NaN
    or inf.

    Args:
        strict (bool): Whether any mismatched key is an error. When False
            only a checkpoint that matches nothing is. Defaults to True.
        require_checkpoint (bool): Whether testing without a checkpoint is
            an error. Defaults to True.
        allow_nonfinite (bool): Whether weights holding NaN or inf are
            only warned about (True) or an error (False). Defaults to
            True.
        check_keys (bool): Whether to compare the checkpoint's keys and
            shapes with the model (``strict`` above). Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 strict: bool = True,
                 require_checkpoint: bool = True,
                 allow_nonfinite: bool = True,
                 check_keys: bool = True) -> None:
        self.strict = strict
        self.check_keys = check_keys
        self.require_checkpoint = require_checkpoint
        self.allow_nonfinite = allow_nonfinite
        self._loaded: Optional[str] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare the checkpoint with the model before it is loaded."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        # ``--resume`` without a path resumes from the work_dir's latest
        source = str(runner._load_from
                     or find_latest_checkpoint(runner.work_dir))
        state_dict = checkpoint_state_dict(checkpoint, source)
        if self.check_keys:
            check_state_dict(model, state_dict, source, strict=self.strict)
        check_finite_state_dict(state_dict, source, self.allow_nonfinite)
        self._loaded = source

    def before_test(self, runner) -> None:
        """Refuse to test random weights unless asked to."""
        if self.require_checkpoint and self._loaded is None:
            raise RuntimeError(
                'no checkpoint was loaded: testing would evaluate random '
                'weights. Give a checkpoint (tools/test.py CONFIG CKPT), or '
                'pass --random-weights for a smoke test.')
