"""Refuse to test a model whose checkpoint does not fit it, or that has
none."""
from typing import Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmmtl.utils.checkpoint import check_state_dict, checkpoint_state_dict


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Strict checkpoint loading for test runs.

    mmengine's Runner loads ``load_from`` with ``strict=False``: a
    checkpoint of another architecture only logs "missing keys" and the test
    goes on with random weights. This hook sees the checkpoint before it
    reaches the model (``after_load_checkpoint``) and raises a
    :class:`~mmmtl.utils.checkpoint.CheckpointMismatchError` naming the
    first missing, unexpected and mis-shaped keys; before the test loop it
    raises when no checkpoint was loaded at all. ``tools/test.py`` adds it;
    ``--allow-partial`` and ``--random-weights`` relax it.

    Args:
        strict (bool): Whether any mismatched key is an error. When False
            only a checkpoint that matches nothing is. Defaults to True.
        require_checkpoint (bool): Whether testing without a checkpoint is
            an error. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 strict: bool = True,
                 require_checkpoint: bool = True) -> None:
        self.strict = strict
        self.require_checkpoint = require_checkpoint
        self._loaded: Optional[str] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare the checkpoint with the model before it is loaded."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        source = str(runner._load_from)
        check_state_dict(
            model,
            checkpoint_state_dict(checkpoint, source),
            source,
            strict=self.strict)
        self._loaded = source

    def before_test(self, runner) -> None:
        """Refuse to test random weights unless asked to."""
        if self.require_checkpoint and self._loaded is None:
            raise RuntimeError(
                'no checkpoint was loaded: testing would evaluate random '
                'weights. Give a checkpoint (tools/test.py CONFIG CKPT), or '
                'pass --random-weights for a smoke test.')
