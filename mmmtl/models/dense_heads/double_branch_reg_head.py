"""Head (e): regression and Re-ID share a tower."""
from typing import Tuple

from mmdet.registry import MODELS
from torch import Tensor

from .base_reid_head import BaseReIDHead


@MODELS.register_module()
class DoubleBranchRegHead(BaseReIDHead):
    """Regression and Re-ID share one tower, classification has its own
    (Fig. 2e): the CE paper finds Re-ID and regression complementary.
    Arguments as :class:`BaseReIDHead`.
    """

    def _init_towers(self) -> None:
        self.cls_convs = self._make_tower()
        self.reg_convs = self._make_tower()

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        reg_feat = self._run(self.reg_convs, x)
        return self._run(self.cls_convs, x), reg_feat, reg_feat
