"""Head (c): one tower shared by the three tasks."""
from typing import Optional, Tuple

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

    @property
    def last_shared_layer(self) -> Optional[str]:
        """str, optional: Path of the last conv all tasks share (GradNorm's
        ``W``), None without stacked convs (then it is the neck)."""
        if len(self.shared_convs) == 0:
            return None
        return f'shared_convs.{len(self.shared_convs) - 1}'

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        feat = self._run(self.shared_convs, x)
        return feat, feat, feat
