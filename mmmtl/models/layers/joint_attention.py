"""Joint Attention Module (JAM) of CTracker, head structure (b)."""
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class JointAttention(BaseModule):
    """Attention from the classification and Re-ID branches for regression.

    CTracker predicts a classification map and an identity-verification map
    and uses them as attention on the features of the regression branch.
    Here the classification attention is the sigmoid of the (max over
    classes and anchors) classification logits, the Re-ID attention a
    sigmoid of a 1x1 conv over the Re-ID tower's features; their mean
    multiplies the FPN feature that enters the regression tower.

    Args:
        reid_channels (int): Channels of the Re-ID tower's output.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self, reid_channels: int, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.reid_att = nn.Conv2d(reid_channels, 1, 1)

    def forward(self, x: Tensor, cls_score: Tensor,
                reid_feat: Tensor) -> Tensor:
        """Weight ``x`` by the joint attention.

        Args:
            x (Tensor): Feature entering the regression tower (B, C, H, W).
            cls_score (Tensor): Classification logits (B, A*K, H, W).
            reid_feat (Tensor): Re-ID tower output (B, Cr, H, W).

        Returns:
            Tensor: Attended feature (B, C, H, W).
        """
        att_cls = cls_score.max(dim=1, keepdim=True)[0].sigmoid()
        att_id = self.reid_att(reid_feat).sigmoid()
        return x * (0.5 * (att_cls + att_id))
