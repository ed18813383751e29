"""Random Loss Weighting of Lin et al. (TMLR 2022)."""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer


@MODELS.register_module()
class RLWLoss(BaseLossBalancer):
    """Random Loss Weighting: fresh random task weights at every step.

    ``w = T * softmax(lam)`` with ``lam ~ N(0, I_T)`` drawn anew each
    training step (Lin et al., "Reasonable Effectiveness of Random
    Weighting", the normal-softmax variant of LibMTL's ``RLW``, scaled by
    T so that the weights average 1 like the other balancers). The draw
    comes from a generator seeded by ``(seed, step)``, so every rank draws
    the same weights without communication and a resumed run (the seed and
    the step are checkpointed buffers) continues the sequence. In eval mode
    the weights are 1. Cost per step: T normal draws and a softmax on the
    CPU.

    By default the seed is the run's: ``torch.initial_seed()`` when the
    balancer is built, which mmengine's Runner sets from ``randomness``
    before it builds the model (the same on every rank unless
    ``diff_rank_seed``; give ``seed`` then). Runs with different seeds
    thus draw different weight sequences, as the method's randomness is
    part of what a seed samples.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        seed (int, optional): Seed of the weight sequence. Defaults to
            None: the run's seed.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 seed: Optional[int] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        if seed is None:
            # torch's seed may use all 64 bits; a buffer holds 63
            seed = torch.initial_seed() % 2**62
        self.register_buffer('seed', torch.tensor(int(seed)))
        self.register_buffer('step', torch.zeros((), dtype=torch.long))

    def sample_weights(self, step: int) -> Tensor:
        """The weights of a given training step.

        Args:
            step (int): 0-based training step.

        Returns:
            Tensor: (T, ) weights summing to T, on the CPU.
        """
        gen = torch.Generator().manual_seed(
            (int(self.seed) * 1_000_003 + step) % 2**63)
        lam = torch.randn(self.num_tasks, generator=gen)
        return self.num_tasks * torch.softmax(lam, dim=0)

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        if not self.training:
            return torch.ones(self.num_tasks, device=raw[0].device), {}
        weights = self.sample_weights(int(self.step))
        self.step += 1
        return weights.to(raw[0].device), {}
