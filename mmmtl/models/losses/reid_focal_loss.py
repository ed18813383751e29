"""Softmax focal loss over identities (the Re-ID loss of the LWF paper)."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS
from torch import Tensor


def softmax_focal_loss(pred: Tensor,
                       target: Tensor,
                       weight: Optional[Tensor] = None,
                       gamma: float = 2.0,
                       alpha: float = 1.0,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None) -> Tensor:
    """Multi-class focal loss, ``-alpha (1 - p_t)^gamma log p_t``.

    Args:
        pred (Tensor): Identity logits, shape (N, K) with K identities.
        target (Tensor): Identity indices in [0, K), shape (N, ).
        weight (Tensor, optional): Per-sample weights, shape (N, ).
        gamma (float): Focusing parameter. Defaults to 2.0.
        alpha (float): Scale of the loss. Defaults to 1.0.
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        avg_factor (float, optional): Denominator of the mean.

    Returns:
        Tensor: The loss, reduced as asked.
    """
    logp = F.log_softmax(pred, dim=-1)
    logp_t = logp.gather(1, target.view(-1, 1)).squeeze(1)
    p_t = logp_t.exp()
    loss = -alpha * (1.0 - p_t).pow(gamma) * logp_t
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class ReIDFocalLoss(nn.Module):
    """Softmax focal loss for the identity classifier (LWF paper, eq. 6).

    mmdet's ``FocalLoss`` is the sigmoid (one-vs-all) form used for object
    classification; identity classification over K training identities is
    a K-way softmax problem, as in JDE and FairMOT, and the focal term
    down-weights identities that are already well separated. With
    ``gamma=0`` this is cross-entropy.

    Args:
        gamma (float): Focusing parameter. Defaults to 2.0.
        alpha (float): Scale of the loss. Defaults to 1.0.
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 gamma: float = 2.0,
                 alpha: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if gamma < 0:
            raise ValueError(f'ReIDFocalLoss: gamma must be >= 0, got {gamma}')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(
                f'ReIDFocalLoss: unknown reduction {reduction!r}')
        self.gamma = gamma
        self.alpha = alpha
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Identity logits, shape (N, K).
            target (Tensor): Identity indices, shape (N, ), dtype long.
            weight (Tensor, optional): Per-sample weights, shape (N, ).
            avg_factor (float, optional): Denominator of the mean.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: The weighted loss.
        """
        reduction = reduction_override or self.reduction
        return self.loss_weight * softmax_focal_loss(
            pred, target.long(), weight, self.gamma, self.alpha, reduction,
            avg_factor)


__all__ = ['ReIDFocalLoss', 'softmax_focal_loss']
