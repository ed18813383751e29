"""Joint Attention Module (JAM) of CTracker, head structure (b)."""
from typing import Tuple

import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class JointAttention(BaseModule):
    """Features times a classification map times a Re-ID-side map.

    CTracker (Peng et al., ECCV 2020) predicts, besides the boxes, a
    classification confidence map and an identity-verification (ID)
    confidence map, both supervised, and multiplies the features that enter
    its regression branch by the two maps (its Joint Attention Module). A
    JDE-style head has no pair of frames and hence no ID-verification
    branch; here the Re-ID-side map is a 1x1 conv over the Re-ID tower's
    features, ``V = sigmoid(conv(reid_feat))``, supervised by
    :meth:`~mmmtl.models.dense_heads.JointBranchHead.loss_by_feat`
    (``loss_idv``) to predict how well the anchor's embedding verifies as
    its own identity. The attended feature is::

        x_att = x * sigmoid(max_{a,k} I) * max_a V

    with ``I`` the classification logits; the maxima over anchors ``a``
    and classes ``k`` give one map per location (with A = 1 and one class,
    the papers' setting, they are the maps themselves). Neither map is
    detached, so the regression loss also trains the classification and
    Re-ID sides through the attention, as in CTracker. Parameters: one
    1x1 conv ``reid_channels -> A`` (257 at 256 channels and A = 1).

    Args:
        reid_channels (int): Channels of the Re-ID tower's output.
        num_anchors (int): A, anchors per location. Defaults to 1.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 reid_channels: int,
                 num_anchors: int = 1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.id_conv = nn.Conv2d(reid_channels, num_anchors, 1)

    def id_logits(self, reid_feat: Tensor) -> Tensor:
        """Logits of the Re-ID-side map.

        Args:
            reid_feat (Tensor): Re-ID tower output (B, Cr, H, W).

        Returns:
            Tensor: (B, A, H, W) logits of V.
        """
        return self.id_conv(reid_feat)

    def forward(self, x: Tensor, cls_score: Tensor,
                reid_feat: Tensor) -> Tuple[Tensor, Tensor]:
        """Weight ``x`` by both maps.

        Args:
            x (Tensor): Feature entering the regression tower (B, C, H, W).
            cls_score (Tensor): Classification logits (B, A*K, H, W).
            reid_feat (Tensor): Re-ID tower output (B, Cr, H, W).

        Returns:
            tuple[Tensor, Tensor]: The attended feature (B, C, H, W) and the
            Re-ID-side logits (B, A, H, W) for its loss.
        """
        att_cls = cls_score.max(dim=1, keepdim=True)[0].sigmoid()
        id_logits = self.id_logits(reid_feat)
        att_id = id_logits.max(dim=1, keepdim=True)[0].sigmoid()
        return x * att_cls * att_id, id_logits
