"""Head (c): one tower shared by the three tasks."""
from typing import Tuple

from mmdet.registry import MODELS
from torch import Tensor

from .base_reid_head import BaseReIDHead


@MODELS.register_module()
class SharedBranchHead(BaseReIDHead):
    """A single tower feeds classification, regression and Re-ID
    (Fig. 2c): about half the head FLOPs of (a). Arguments as
    :class:`BaseReIDHead`.
    """

    def _init_towers(self) -> None:
        self.shared_convs = self._make_tower()

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        feat = self._run(self.shared_convs, x)
        return feat, feat, feat
