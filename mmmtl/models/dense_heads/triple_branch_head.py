"""Head (a): triple branches, as in JDE, FairMOT and CenterTrack."""
from typing import Tuple

from mmdet.registry import MODELS
from torch import Tensor

from .base_reid_head import BaseReIDHead


@MODELS.register_module()
class TripleBranchHead(BaseReIDHead):
    """Separate towers for classification, regression and Re-ID (Fig. 2a).

    Three ``stacked_convs`` towers: the most parameters and FLOPs of the
    six structures. Arguments as :class:`BaseReIDHead`.
    """

    def _init_towers(self) -> None:
        self.cls_convs = self._make_tower()
        self.reg_convs = self._make_tower()
        self.reid_convs = self._make_tower()

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        return (self._run(self.cls_convs, x), self._run(self.reg_convs, x),
                self._run(self.reid_convs, x))
