"""FAMO of Liu et al. (NeurIPS 2023): fast adaptive multitask optimisation."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer

_XI_OPTIMIZERS = ('adam', 'sgd')


@MODELS.register_module()
class FAMOLoss(BaseLossBalancer):
    r"""FAMO: weights that equalise the tasks' rates of log-loss decrease.

    Liu, Feng, Stone and Liu, "FAMO: Fast Adaptive Multitask Optimization"
    (NeurIPS 2023), Algorithm 1, with the official code
    (github.com/Cranial-XIX/FAMO, ``methods/weight_methods.py``). With
    task logits ``xi`` (T, ), ``z = softmax(xi)`` and ``D_i = L_i -
    Lmin_i + eps`` the detector descends the weighted log-losses::

        L_famo = sum_i z_i log D_i / s,     s = sum_i z_i / D_i  (detached)

    whose gradient is ``sum_i w_i grad L_i`` with ``w_i = z_i / (s D_i)``.
    The balancer therefore returns ``w_i L_i`` with those detached weights
    (the same gradient as the paper's objective; the weights sum to 1, so
    the detector's step is a convex combination of the task gradients,
    and the weighted losses stay positive: their sum is ``1 / s``).
    ``w_<task>`` logs ``w_i``, the factor on the raw loss as for every
    balancer; ``famo_z_<task>`` logs ``z_i``. Multiplying a loss by a
    constant changes neither ``z`` nor the update of the detector: FAMO is
    scale free.

    **The logit update.** After the detector's step, with ``delta_i = log
    D_i(before) - log D_i(after)`` the decrease of task i's log-loss::

        g  = J_softmax(xi)^T delta = z * (delta - z . delta)
        xi <- xi - lr * step(g + weight_decay * xi)

    with ``step`` Adam (``xi_optimizer='adam'``: the official code, and
    what the paper's experiments ran, ``torch.optim.Adam(lr, weight_decay)``
    exactly, betas (0.9, 0.999), eps 1e-8) or the identity
    (``'sgd'``: Algorithm 1 as printed). A task whose log-loss falls faster
    than the z-weighted mean loses weight, so at the fixed point every task
    falls at the same rate (``g = 0``, up to the decay).

    **Where the post-step losses come from.** The official code runs the
    model a second time on the same batch after ``optimizer.step()`` (one
    extra forward without a graph). mmengine's train loop runs ``forward ->
    update_params`` once per iteration and a balancer only sees the losses
    that :class:`OneShotMOT` hands it, so this class uses the losses of
    the *next* training step (the next batch, after the optimiser stepped),
    as ``update(curr_loss)`` of the official code would receive them from
    a loop that does not recompute: at step t+1 it first updates ``xi``
    from ``(L(t), L(t+1))``, then weights ``L(t+1)``. There is no extra
    forward; ``delta`` then also holds the batch-to-batch change of the
    losses, which is zero-mean noise for i.i.d. batches (its sum over steps
    telescopes) and is damped by Adam's moment averages. With full-batch
    data the two are identical. The previous losses and the Adam moments
    are buffers, so a resumed run continues the same sequence. With
    gradient accumulation (``accumulative_counts > 1``) the logits move at
    every forward, i.e. between micro-batches of one step.

    **Departure for zero losses.** A task whose loss is ``<= Lmin_i + eps``
    (e.g. ``loss_reid`` of a batch without identities) would get
    ``w_i = 1`` and every other task ``w_j ~ 0`` for that step, and its
    ``log eps`` would make ``delta`` huge at the next update. Such a task is
    left out of ``s`` (``w_i = 0``: its gradient is zero anyway) and out of
    ``delta`` (``delta_i = 0``) of both updates it takes part in.

    The losses are the detached, rank-averaged ``stats`` of the base class,
    so every rank holds the same ``xi``. The logits move only in training
    mode with gradients enabled (not in validation). Cost per step: a
    softmax, 2T logs and an Adam step on T numbers; no extra forward or
    backward.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        lr (float): Learning rate of the logits (beta of Algorithm 1).
            Defaults to 0.025 (the official code's ``w_lr``).
        weight_decay (float): Decay gamma of the logits. Defaults to 0.001
            (the official NYUv2, CelebA and QM9 runs; 0.01 for Cityscapes).
        xi_optimizer (str): ``'adam'`` (official code) or ``'sgd'``
            (Algorithm 1). Defaults to ``'adam'``.
        min_losses (Sequence[float], optional): Lmin, a lower bound of each
            task loss (the official ``set_min_losses``). Defaults to None
            (zeros: the detector's losses are non-negative).
        eps (float): Added to ``L - Lmin`` before the log. Defaults to 1e-8
            (the official code's).
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 lr: float = 0.025,
                 weight_decay: float = 0.001,
                 xi_optimizer: str = 'adam',
                 min_losses: Optional[Sequence[float]] = None,
                 eps: float = 1e-8,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        name = type(self).__name__
        if not lr > 0:
            raise ValueError(f'{name}: lr must be > 0, got {lr!r}')
        if not weight_decay >= 0:
            raise ValueError(
                f'{name}: weight_decay must be >= 0, got {weight_decay!r}')
        if xi_optimizer not in _XI_OPTIMIZERS:
            raise ValueError(f'{name}: xi_optimizer must be one of '
                             f'{_XI_OPTIMIZERS}, got {xi_optimizer!r}')
        if not eps > 0:
            raise ValueError(f'{name}: eps must be > 0, got {eps!r}')
        t = self.num_tasks
        if min_losses is None:
            min_losses = [0.0] * t
        if len(min_losses) != t:
            raise ValueError(
                f'{name}: min_losses needs one value per task of '
                f'{self.task_names}, got {list(min_losses)}')
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.xi_optimizer = xi_optimizer
        self.eps = float(eps)
        self.betas = (0.9, 0.999)
        self.adam_eps = 1e-8
        # Buffers, not parameters: the detector's optimiser must not touch
        # the logits (they follow their own rule), and all of this state
        # is checkpointed so a resumed run continues the same sequence.
        self.register_buffer('xi', torch.zeros(t))
        self.register_buffer('min_losses',
                             torch.tensor([float(v) for v in min_losses]))
        self.register_buffer('prev_losses', torch.zeros(t))
        self.register_buffer('has_prev', torch.zeros((), dtype=torch.bool))
        self.register_buffer('exp_avg', torch.zeros(t))
        self.register_buffer('exp_avg_sq', torch.zeros(t))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))

    def task_weights(self) -> Tensor:
        """Tensor: (T, ) ``z = softmax(xi)``, summing to 1."""
        return torch.softmax(self.xi, dim=0)

    def _gaps(self, losses: Tensor) -> Tuple[Tensor, Tensor]:
        """``D = L - Lmin + eps`` and the mask of tasks above ``eps``."""
        gap = losses - self.min_losses
        return gap.clamp(min=0) + self.eps, gap > self.eps

    @torch.no_grad()
    def update_logits(self, prev: Tensor, curr: Tensor) -> None:
        """One step of the logits from the losses before and after a step.

        Args:
            prev (Tensor): (T, ) the task losses the last step descended.
            curr (Tensor): (T, ) the task losses after that step.
        """
        d_prev, on_prev = self._gaps(prev)
        d_curr, on_curr = self._gaps(curr)
        delta = torch.where(on_prev & on_curr,
                            d_prev.log() - d_curr.log(),
                            torch.zeros_like(d_prev))
        z = self.task_weights()
        grad = z * (delta - (z * delta).sum()) + self.weight_decay * self.xi
        self.num_updates += 1
        if self.xi_optimizer == 'sgd':
            self.xi.sub_(self.lr * grad)
            return
        # torch.optim.Adam's update (L2 decay added to the gradient).
        beta1, beta2 = self.betas
        step = int(self.num_updates)
        self.exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias1 = 1 - beta1**step
        bias2 = 1 - beta2**step
        denom = (self.exp_avg_sq / bias2).sqrt().add_(self.adam_eps)
        self.xi.addcdiv_(self.exp_avg, denom, value=-self.lr / bias1)

    def loss_weights(self, losses: Tensor) -> Tensor:
        """Weights on the raw losses that give the gradient of ``L_famo``.

        Args:
            losses (Tensor): (T, ) finite task losses.

        Returns:
            Tensor: (T, ) ``w_i = z_i / (s D_i)`` (0 for a task at its
            minimum), detached, summing to 1.
        """
        d, on = self._gaps(losses)
        z = self.task_weights()
        ratio = torch.where(on, z / d, torch.zeros_like(d))
        # All tasks at their minimum: nothing to descend, weights 0.
        return ratio / ratio.sum().clamp(min=torch.finfo(ratio.dtype).tiny)

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        stats = stats.to(self.xi)
        if self.training and torch.is_grad_enabled():
            if bool(self.has_prev):
                self.update_logits(self.prev_losses, stats)
            self.prev_losses.copy_(stats)
            self.has_prev.fill_(True)
        return self.loss_weights(stats).to(raw[0].device), {}

    def log_entries(self) -> Dict[str, Tensor]:
        """``famo_z_<task>``: the softmax weights ``z`` (0-dim each)."""
        z = self.task_weights().detach()
        return {f'famo_z_{n}': z[i] for i, n in enumerate(self.task_names)}
