"""Head (b): joint branches with CTracker's Joint Attention Module."""
from typing import Tuple

from mmdet.registry import MODELS
from torch import Tensor

from .base_reid_head import BaseReIDHead


@MODELS.register_module()
class JointBranchHead(BaseReIDHead):
    """Three towers; the regression tower sees JAM-attended features
    (Fig. 2b).

    The classification and Re-ID towers run first; the Joint Attention
    Module (:class:`~mmmtl.models.layers.JointAttention`) turns their
    outputs into an attention map that weights the feature entering the
    regression tower. Arguments as :class:`BaseReIDHead`.
    """

    def _init_towers(self) -> None:
        self.cls_convs = self._make_tower()
        self.reg_convs = self._make_tower()
        self.reid_convs = self._make_tower()
        self.jam = MODELS.build(
            dict(type='JointAttention', reid_channels=self.feat_channels))

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        raise NotImplementedError  # forward_single wires JAM itself

    def forward_single(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """See :meth:`BaseReIDHead.forward_single`."""
        cls_feat = self._run(self.cls_convs, x)
        reid_feat = self._run(self.reid_convs, x)
        cls_score = self.retina_cls(cls_feat)
        reg_feat = self._run(self.reg_convs,
                             self.jam(x, cls_score, reid_feat))
        bbox_pred = self.retina_reg(reg_feat)
        return cls_score, bbox_pred, self.reid_embed(reid_feat)
