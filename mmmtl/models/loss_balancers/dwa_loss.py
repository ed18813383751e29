"""Dynamic Weight Average of Liu et al. (CVPR 2019)."""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.logging import MessageHub
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer


@MODELS.register_module()
class DWALoss(BaseLossBalancer):
    """Dynamic Weight Average (MTAN, Liu et al. 2019).

    Training is cut into windows: epochs (``by_epoch=True``, the paper's
    choice, read from the ``epoch`` that mmengine's ``RuntimeInfoHook``
    puts in the ``MessageHub``) or blocks of ``interval`` training steps
    counted by the module. With ``Lbar_k(j)`` the mean loss of task k over
    window j, the weights in window t are::

        r_k = Lbar_k(t-1) / Lbar_k(t-2)
        w_k = T * exp(r_k / temperature) / sum_i exp(r_i / temperature)

    and ``w_k = 1`` while fewer than two windows are complete. A task whose
    loss fell slowly gets more weight. The means are of the detached losses
    averaged across ranks, so every rank uses the same weights; the running
    sums are buffers and are checkpointed. Cost per step: T additions, and
    T exponentials once per window; no extra backward.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        temperature (float): T of the softmax; large values give uniform
            weights. Defaults to 2.0 (the paper's).
        by_epoch (bool): Windows are epochs. With an iteration-based
            train loop the epoch never changes: use ``by_epoch=False``.
            Defaults to True.
        interval (int): Window length in training steps when
            ``by_epoch=False``. Defaults to 100.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 temperature: float = 2.0,
                 by_epoch: bool = True,
                 interval: int = 100,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        name = type(self).__name__
        if not temperature > 0:
            raise ValueError(
                f'{name}: temperature must be > 0, got {temperature!r}')
        if not isinstance(interval, int) or interval <= 0:
            raise ValueError(
                f'{name}: interval must be a positive int, got {interval!r}')
        self.temperature = float(temperature)
        self.by_epoch = by_epoch
        self.interval = interval
        t = self.num_tasks
        # Sum and count of the current window, means of the last two
        # complete windows (row 0: t-1, row 1: t-2), and counters.
        self.register_buffer('window_sum', torch.zeros(t, dtype=torch.float64))
        self.register_buffer('window_count', torch.zeros((),
                                                         dtype=torch.long))
        self.register_buffer('window_id', torch.full((), -1,
                                                     dtype=torch.long))
        self.register_buffer('history', torch.zeros(2, t,
                                                    dtype=torch.float64))
        self.register_buffer('num_windows', torch.zeros((),
                                                        dtype=torch.long))
        self.register_buffer('step', torch.zeros((), dtype=torch.long))

    def _current_window(self) -> int:
        """Index of the window the current step belongs to."""
        if not self.by_epoch:
            return int(self.step) // self.interval
        epoch = MessageHub.get_current_instance().get_info('epoch')
        if epoch is None:
            raise RuntimeError(
                f'{type(self).__name__}(by_epoch=True) reads the epoch from '
                "mmengine's MessageHub (set by RuntimeInfoHook), which has "
                'none; train with a Runner or set by_epoch=False.')
        return int(epoch)

    @torch.no_grad()
    def _update(self, stats: Tensor) -> None:
        """Close the window when it changes, then add this step's losses."""
        window = self._current_window()
        if window != int(self.window_id):
            if int(self.window_count) > 0:
                mean = self.window_sum / self.window_count
                self.history[1] = self.history[0]
                self.history[0] = mean
                self.num_windows += 1
            self.window_sum.zero_()
            self.window_count.zero_()
            self.window_id.fill_(window)
        self.window_sum += stats.to(self.window_sum)
        self.window_count += 1
        self.step += 1

    def current_weights(self) -> Tensor:
        """Weights of the current window from the stored history.

        Returns:
            Tensor: (T, ) weights summing to T.
        """
        t = self.num_tasks
        if int(self.num_windows) < 2:
            return torch.ones(t, device=self.history.device)
        ratio = self.history[0] / self.history[1].clamp(min=1e-12)
        return (t * torch.softmax(ratio / self.temperature, dim=0)).float()

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        if self.training:
            self._update(stats)
        return self.current_weights().to(raw[0].device), {}
