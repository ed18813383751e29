"""Hard (fixed) weighting factors, the LWF paper's HWF baseline."""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer


@MODELS.register_module()
class FixedWeightLoss(BaseLossBalancer):
    """Fixed task weights: ``alpha L_cls + beta L_reg + gamma L_reid``.

    The hard weighting factors (HWF) of eq. 7 of the LWF paper, the
    baseline of its Table I. Cost per step: T multiplications (plus the
    shared all-reduce of T floats and finite check of the base class).

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        weights (dict[str, float], optional): Weight of each task name;
            every task of ``task_keys`` must be given. Defaults to 1.0 for
            every task.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 weights: Optional[Dict[str, float]] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        if weights is None:
            weights = {name: 1.0 for name in self.task_names}
        missing = [n for n in self.task_names if n not in weights]
        unknown = [n for n in weights if n not in self.task_keys]
        if missing or unknown:
            raise KeyError(
                f'{type(self).__name__}: weights must give exactly the tasks '
                f'{self.task_names}; missing {missing}, unknown {unknown}')
        values = [float(weights[n]) for n in self.task_names]
        if any(not v >= 0 for v in values):
            raise ValueError(f'{type(self).__name__}: weights must be >= 0, '
                             f'got {dict(weights)}')
        self.register_buffer(
            'weights', torch.tensor(values), persistent=False)

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        return self.weights.to(raw[0].device), {}
