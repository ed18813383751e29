"""Uncertainty weighting of Kendall et al. (CVPR 2018) as JDE/FairMOT."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer


@MODELS.register_module()
class UncertaintyWeightLoss(BaseLossBalancer):
    """Homoscedastic-uncertainty weighting with learnable log-variances.

    The form JDE (Wang et al. 2020) and FairMOT (Zhang et al. 2021) use::

        total = 0.5 * sum_g (exp(-s_g) * L_g + s_g),   L_g = sum_{i in g} L_i

    with one learnable ``s_g`` per group ``g`` of tasks. One group per task
    (default) is JDE's ``s_c, s_r, s_id``; ``groups=dict(det=['cls', 'reg'],
    reid=['reid'])`` is FairMOT's ``s_det, s_id``. Task ``i`` of group ``g``
    gets the weight ``w_i = 0.5 * exp(-s_g)`` (logged as ``w_<task>``) and
    ``0.5 * sum_g s_g`` is returned as ``loss_uncertainty``. At the optimum
    ``exp(-s_g) = 1 / L_g``; the weights are unbounded as a loss nears 0.
    Cost per step: G exponentials and T multiplications; the G parameters
    are trained by the detector's optimiser.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        groups (dict[str, list[str]], optional): Group name -> task names;
            every task in exactly one group. Defaults to one group per task,
            named after it.
        init_log_vars (dict[str, float], optional): Initial ``s_g`` of each
            group; groups left out start at 0.0. JDE uses
            ``dict(cls=-4.15, reg=-4.85, reid=-2.3)``, FairMOT
            ``dict(det=-1.85, reid=-1.05)``. Defaults to None (all 0.0).
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 groups: Optional[Dict[str, Sequence[str]]] = None,
                 init_log_vars: Optional[Dict[str, float]] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        name = type(self).__name__
        if groups is None:
            groups = {n: [n] for n in self.task_names}
        seen = [t for members in groups.values() for t in members]
        unknown = [t for t in seen if t not in self.task_keys]
        missing = [t for t in self.task_names if t not in seen]
        repeated = sorted({t for t in seen if seen.count(t) > 1})
        if unknown or missing or repeated:
            raise ValueError(
                f'{name}: groups must place each task of {self.task_names} '
                f'in exactly one group; unknown {unknown}, missing '
                f'{missing}, repeated {repeated}')
        init_log_vars = dict(init_log_vars or {})
        bad = [g for g in init_log_vars if g not in groups]
        if bad:
            raise KeyError(f'{name}: init_log_vars names unknown groups '
                           f'{bad}; groups are {list(groups)}')
        self.group_names = list(groups)
        self.log_vars_param = nn.Parameter(
            torch.tensor([float(init_log_vars.get(g, 0.0))
                          for g in self.group_names]))
        # Task i -> index of its group in log_vars_param.
        index = {t: j for j, g in enumerate(self.group_names)
                 for t in groups[g]}
        self.register_buffer(
            'task_group',
            torch.tensor([index[t] for t in self.task_names]),
            persistent=False)

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        s = self.log_vars_param
        weights = 0.5 * torch.exp(-s)[self.task_group]
        return weights, {'loss_uncertainty': 0.5 * s.sum()}
