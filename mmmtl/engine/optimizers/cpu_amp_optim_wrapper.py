"""Mixed precision on the CPU: bfloat16 autocast, no loss scaler."""
from contextlib import contextmanager
from typing import Iterator, Optional, Union

import torch
import torch.nn as nn
from mmdet.registry import OPTIM_WRAPPERS
from mmengine.optim import OptimWrapper


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose forward runs under bfloat16 CPU autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU (its ``GradScaler`` is
    CUDA's); this wrapper is what ``tools/train.py --amp`` selects when no
    GPU is present. The model's forward and losses (the optimiser
    context: data preprocessor and ``model.loss``) run under
    ``torch.autocast('cpu', dtype=torch.bfloat16)``: convolutions and
    matrix products in bfloat16, the ops autocast keeps in float32
    (reductions, softmax, most losses) in float32. Parameters, gradients
    and the optimiser state stay float32. bfloat16 has float32's exponent
    range, so gradients cannot underflow the way float16's do and no loss
    scaler is used; ``backward``, ``step``, clipping, gradient
    accumulation and ``state_dict`` are the plain ``OptimWrapper``'s, so a
    checkpoint resumes with or without ``--amp``. Loss balancers compute
    their weights in float32 with autocast off
    (:class:`~mmmtl.models.loss_balancers.BaseLossBalancer`).

    Args:
        dtype (str | torch.dtype): Autocast type; only ``'bfloat16'``
            (float16 would need a loss scaler). Defaults to 'bfloat16'.
        loss_scale (None): Must be None: bfloat16 needs no loss scaling.
            Accepted so that a config converted from ``AmpOptimWrapper``
            names the problem instead of failing on an unknown argument.
            Defaults to None.
        **kwargs: Arguments of ``OptimWrapper`` (``optimizer``,
            ``clip_grad``, ``accumulative_counts``).
    """

    def __init__(self,
                 dtype: Union[str, torch.dtype] = 'bfloat16',
                 loss_scale: Optional[object] = None,
                 **kwargs) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(
                f'CPUAmpOptimWrapper: optim_wrapper.dtype must be bfloat16, '
                f'got {dtype!r} (float16 on the CPU would need a loss '
                'scaler)')
        if loss_scale is not None:
            raise ValueError(
                'CPUAmpOptimWrapper: bfloat16 needs no loss scaling; remove '
                f'optim_wrapper.loss_scale (got {loss_scale!r}) or set it '
                'to None')
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """The parent's context (gradient-sync control) plus CPU autocast.

        Args:
            model (nn.Module): The training model, on the CPU.

        Raises:
            RuntimeError: When the model's parameters are not on the CPU
                (autocast on the CPU would leave a GPU model in float32).
        """
        param = next(model.parameters(), None)
        if param is not None and param.device.type != 'cpu':
            raise RuntimeError(
                'CPUAmpOptimWrapper autocasts on the CPU, but the model is '
                f'on {param.device}; use optim_wrapper.type='
                "'AmpOptimWrapper' on a GPU")
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
