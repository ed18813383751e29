"""Closed-form loss balance: every weighted task loss at the geometric mean.
"""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer


@MODELS.register_module()
class GeometricLossBalance(BaseLossBalancer):
    r"""Weights ``w_i = GM(Lbar) / Lbar_i``, capped, with no parameters.

    The safeguarded :class:`LWFLoss` trains its MLP by
    ``sum_i w_i L_i - GM(L) sum_i log w_i``, whose minimum over the weights
    is ``w_i = GM(L) / L_i`` (capped at ``max_weight``): at its optimum the
    MLP only reproduces this closed form, every weighted task loss
    ``w_i L_i`` equal to the geometric mean ``GM(L) = (prod_i L_i)^(1/T)``.
    This balancer computes that optimum directly, so that a comparison with
    LWF measures what the learned MLP adds over its own fixed point
    (its lag, its smoothing, its cap being reached smoothly).

    ``Lbar`` is an exponential moving average of the detached task losses
    (averaged over ranks, so every rank uses the same weights), bias
    corrected as in Adam so that the first step uses the first losses:
    ``m_t = momentum m_{t-1} + (1 - momentum) L_t``,
    ``Lbar_t = m_t / (1 - momentum^t)``. ``momentum=0`` uses the current
    losses, as the MLP's optimum does. Tasks whose average loss is at most
    ``eps`` (e.g. no identity seen yet) are left out of the mean and get
    ``max_weight`` (1.0 without a cap). Below the cap
    ``prod_i w_i = 1`` and the detector descends ``sum_i log L_i`` (the
    gradient of ``GM / L_i * L_i`` with the weight held constant). In eval
    mode the average is not updated. Cost per step: T multiply-adds and
    one ``exp``; no extra backward.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        momentum (float): EMA momentum of the losses, in [0, 1).
            Defaults to 0.9.
        max_weight (float, optional): Cap of the weights; 2.0 is the cap
            of ``LWFLoss``'s default. None for no cap. Defaults to 2.0.
        eps (float): Losses at or below it count as zero. Defaults to 1e-8.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 momentum: float = 0.9,
                 max_weight: Optional[float] = 2.0,
                 eps: float = 1e-8,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        name = type(self).__name__
        if not 0.0 <= momentum < 1.0:
            raise ValueError(
                f'{name}: momentum must be in [0, 1), got {momentum!r}')
        if max_weight is not None and not max_weight > 0:
            raise ValueError(f'{name}: max_weight must be > 0 or None, got '
                             f'{max_weight!r}')
        self.momentum = float(momentum)
        self.max_weight = None if max_weight is None else float(max_weight)
        self.eps = float(eps)
        t = self.num_tasks
        self.register_buffer('loss_avg', torch.zeros(t, dtype=torch.float64))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))

    def average_losses(self, stats: Tensor) -> Tensor:
        """Update (in training) and return the bias-corrected EMA.

        Args:
            stats (Tensor): (T, ) finite task losses, rank-averaged.

        Returns:
            Tensor: (T, ) float64 average losses ``Lbar``.
        """
        stats = stats.to(self.loss_avg)
        if self.training:
            self.loss_avg.mul_(self.momentum).add_(
                stats, alpha=1.0 - self.momentum)
            self.num_updates += 1
        n = int(self.num_updates)
        if n == 0:
            return stats
        return self.loss_avg / (1.0 - self.momentum**n)

    def closed_form(self, avg: Tensor) -> Tensor:
        """``w_i = GM(avg) / avg_i``, capped at ``max_weight``.

        Args:
            avg (Tensor): (T, ) non-negative average losses.

        Returns:
            Tensor: (T, ) weights, detached.
        """
        pos = avg > self.eps
        logs = torch.where(pos, torch.log(avg.clamp(min=self.eps)),
                           torch.zeros_like(avg))
        log_gm = logs.sum() / pos.sum().clamp(min=1)
        fill = 1.0 if self.max_weight is None else self.max_weight
        w = torch.where(pos, torch.exp(log_gm - logs),
                        torch.full_like(avg, fill))
        if self.max_weight is not None:
            w = w.clamp(max=self.max_weight)
        return w

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        w = self.closed_form(self.average_losses(stats))
        return w.to(device=raw[0].device, dtype=raw[0].dtype), {}
