"""Head (d): classification and Re-ID share a tower."""
from typing import Tuple

from mmdet.registry import MODELS
from torch import Tensor

from .base_reid_head import BaseReIDHead


@MODELS.register_module()
class DoubleBranchClsHead(BaseReIDHead):
    """Classification and Re-ID share one tower, regression has its own
    (Fig. 2d). Arguments as :class:`BaseReIDHead`.
    """

    def _init_towers(self) -> None:
        self.cls_convs = self._make_tower()
        self.reg_convs = self._make_tower()

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        cls_feat = self._run(self.cls_convs, x)
        return cls_feat, self._run(self.reg_convs, x), cls_feat
