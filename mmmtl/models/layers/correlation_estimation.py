"""Correlation Estimation (CE) module of the CE paper (Fig. 3, Alg. 1)."""
import math

import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class CorrelationEstimation(BaseModule):
    """Estimate a box-quality map Q from the regressed offsets.

    The four offsets of each anchor are read as two pairs, ``(dx, dy)`` and
    ``(dw, dh)``; a softmax over each pair models a (Dirac-like) regression
    distribution and its top-k values measure how sharp it is (``D`` in
    eq. 2). Three 1x1 convolutions ``2k -> E -> E -> 1`` with ReLU and a
    sigmoid turn D into ``Q`` in (0, 1) (eq. 3), which multiplies the
    classification branch (eq. 1) so that NMS ranks boxes by
    classification x regression quality.

    With ``topk=2`` over a pair the top-k only sorts the pair (both values
    are kept, larger first); ``topk=1`` keeps the larger one. The paper
    allows k in {1, 2, 4}; k = 4 would need a softmax over all four offsets,
    which Algorithm 1 does not do, so it is not offered.

    Weight count (1x1 conv weights, biases apart) is
    ``2k*E + E*E + E``: 17,024 for E = 128 and k = 2 (the paper's 17.02k);
    the biases add ``2E + 1`` (257 for E = 128).

    Args:
        topk (int): Values kept per pair, 1 or 2. Defaults to 2.
        hidden_channels (int): E, width of the hidden 1x1 convs.
            Defaults to 128.
        init_quality (float): Q at initialisation (set through the last
            bias). Defaults to 0.5: high enough that the classification
            loss is not swamped at the start, low enough that the sigmoid
            is not saturated and Q's gradient is not vanishing.
        init_cfg (dict, optional): Initialisation config. Defaults to None
            (Kaiming for the hidden convs, small normal for the last).
    """

    def __init__(self,
                 topk: int = 2,
                 hidden_channels: int = 128,
                 init_quality: float = 0.5,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if topk not in (1, 2):
            raise ValueError(
                f'ce_cfg.topk must be 1 or 2 (top-k over a pair of '
                f'offsets), got {topk!r}')
        if not isinstance(hidden_channels, int) or hidden_channels <= 0:
            raise ValueError('ce_cfg.hidden_channels (E) must be a positive '
                             f'int, got {hidden_channels!r}')
        if not 0.0 < init_quality < 1.0:
            raise ValueError('ce_cfg.init_quality must be in (0, 1), got '
                             f'{init_quality!r}')
        self.topk = topk
        self.hidden_channels = hidden_channels
        self.init_quality = init_quality
        self.conv1 = nn.Conv2d(2 * topk, hidden_channels, 1)
        self.conv2 = nn.Conv2d(hidden_channels, hidden_channels, 1)
        self.conv3 = nn.Conv2d(hidden_channels, 1, 1)

    def init_weights(self) -> None:
        """Kaiming init for the ReLU convs, Q = ``init_quality`` at start.

        The head's ``Normal(std=0.01)`` init would make the three-layer
        product of weights ~1e-6 and starve the first convs of gradient.
        """
        if self.init_cfg is not None:
            return super().init_weights()
        for conv in (self.conv1, self.conv2):
            nn.init.kaiming_normal_(conv.weight, nonlinearity='relu')
            nn.init.zeros_(conv.bias)
        nn.init.normal_(self.conv3.weight, std=0.01)
        q = self.init_quality
        nn.init.constant_(self.conv3.bias, math.log(q / (1.0 - q)))
        self._is_init = True

    def forward(self, bbox_pred: Tensor) -> Tensor:
        """Compute Q.

        Args:
            bbox_pred (Tensor): Regressed offsets (B, A*4, H, W), channels
                grouped per anchor as (dx, dy, dw, dh).

        Returns:
            Tensor: Quality map Q of shape (B, A, H, W), values in (0, 1).
        """
        b, c, h, w = bbox_pred.shape
        num_anchors = c // 4
        prob = F.softmax(bbox_pred.reshape(b * num_anchors, 2, 2, h, w), 2)
        d, _ = prob.topk(self.topk, dim=2)
        d = d.reshape(b * num_anchors, 2 * self.topk, h, w)
        x = F.relu(self.conv1(d), inplace=True)
        x = F.relu(self.conv2(x), inplace=True)
        q = self.conv3(x).sigmoid()
        return q.reshape(b, num_anchors, h, w)
