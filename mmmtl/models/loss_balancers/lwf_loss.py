"""Learned Weighting Factors (LWF) of Vo et al."""
import functools
import warnings
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer

_REGULARIZERS = ('log_barrier', 'none')
_INPUT_TRANSFORMS = ('log', 'running_mean', 'none')


def build_lwf_mlp(owner: str,
                  num_tasks: int,
                  hidden_channels: int,
                  num_hidden_layers: int,
                  hidden_act: Callable[[], nn.Module],
                  out_act: Optional[Callable[[], nn.Module]] = None
                  ) -> nn.Sequential:
    """The MLP of eq. 10: ``FC(T, C) - act - N x [FC(C, C) - act] -
    FC(C, T)``, then ``out_act`` if given.

    Args:
        owner (str): Name of the balancer, for the error messages.
        num_tasks (int): T.
        hidden_channels (int): C, a positive int.
        num_hidden_layers (int): N, an int >= 0.
        hidden_act (callable): Builds each hidden activation.
        out_act (callable, optional): Builds the output activation.
            Defaults to None (none).

    Returns:
        nn.Sequential: The layers, with PyTorch's default initialisation.
    """
    if not isinstance(hidden_channels, int) or hidden_channels <= 0:
        raise ValueError(f'{owner}: hidden_channels must be a positive '
                         f'int, got {hidden_channels!r}')
    if not isinstance(num_hidden_layers, int) or num_hidden_layers < 0:
        raise ValueError(f'{owner}: num_hidden_layers must be an int >= '
                         f'0, got {num_hidden_layers!r}')
    t, c = num_tasks, hidden_channels
    layers: List[nn.Module] = [nn.Linear(t, c), hidden_act()]
    for _ in range(num_hidden_layers):
        layers += [nn.Linear(c, c), hidden_act()]
    layers.append(nn.Linear(c, t))
    if out_act is not None:
        layers.append(out_act())
    return nn.Sequential(*layers)


@MODELS.register_module()
class LWFLoss(BaseLossBalancer):
    r"""Learned Weighting Factors: task weights predicted by a small MLP.

    Eq. 9-10 of the LWF paper: the T task losses (T = 3: cls, reg, reid)
    are concatenated, ``F = [L_cls, L_reg, L_reid]`` (T, ), and mapped by
    ``FC(T, C) - ReLU - N x [FC(C, C) - ReLU] - FC(C, T) - sigmoid`` to the
    weights ``[alpha, beta, gamma]``; the total is
    ``alpha L_cls + beta L_reg + gamma L_reid`` (eq. 7). The FC weights
    (biases apart) number ``2 T C + N C^2``, the paper's #params of
    Tables IV/V (1.22k for C = 32, N = 1); the biases add ``(N + 1) C + T``
    (67 for C = 32, N = 1).

    **Safeguard.** The paper trains the MLP by the loss it weights. Then
    ``d(w_i L_i)/dw_i = L_i > 0`` for every task, so gradient descent only
    ever lowers the weights and the sigmoid drives all of them to 0: the
    detector stops learning. With ``regularizer='log_barrier'`` (default)
    the MLP is trained by ``sum_i w_i L_i - lam * sum_i log w_i``, the
    objective of uncertainty weighting (Kendall et al. 2018 in the form JDE
    and FairMOT use, ``exp(-s) L + s`` with ``w = exp(-s)``). Its minimum over
    ``w_i`` is ``w_i = lam / L_i``: every task contributes ``lam`` to the
    total, so a task with a larger loss gets a smaller weight (the
    behaviour of the paper's Fig. 3), and the sigmoid caps the weight at
    ``max_weight`` where Kendall's weights would grow without bound as a
    loss approaches 0. Through the sigmoid the gradient on the MLP's output
    logit ``z_i`` is ``(1 - w_i / max_weight) (w_i L_i - lam)``, which
    pushes up with force ``~lam`` as ``w_i -> 0``: weights stay bounded away
    from 0. By default ``lam`` is the geometric mean of the current
    (detached, rank-averaged) task losses, ``(prod_i L_i)^(1/T)``, so the
    optimum ``w_i = GM(L) / L_i`` has ``prod_i w_i = 1`` and does not
    depend on the common scale of the losses: the weights keep balancing
    the tasks as all losses fall, instead of all reaching the cap (and the
    detector then descends ``sum_i log L_i``, the geometric-mean loss).
    Tasks with a zero loss (e.g. a batch without identities) are left out
    of the mean. A float ``barrier_weight`` fixes ``lam`` (1.0 is FairMOT's
    form). ``regularizer='none'`` removes only the barrier (the other
    departures below stay) and collapses; it is kept for ablation only.
    The method exactly as printed is :class:`LWFLiteralLoss`.

    **Departures from eq. 9-10 as printed**, each for the reason given
    here: the barrier; hidden ReLU and output sigmoid (the SENet reading
    of eq. 10's letters; printed, the letters give hidden sigmoids and an
    output ReLU, see :class:`LWFLiteralLoss`); the ``max_weight`` cap; log
    inputs; detached inputs; a zero-initialised output layer.

    **Input.** The MLP sees the detached task losses, averaged across ranks
    (every rank computes the same weights), transformed by
    ``input_transform``: ``'log'`` (default, ``log(L + eps)``: the losses
    span orders of magnitude, a Re-ID loss of ~5 next to a box loss of
    ~0.1, and the optimum ``log w_i = log lam - log L_i`` is linear in the
    log-losses), ``'running_mean'`` (``L / EMA(L)``, scale free, EMA momentum
    ``ema_momentum``) or ``'none'`` (raw losses, as the paper, but
    detached).

    **Initialisation.** Hidden layers Kaiming-normal (the paper initialises
    with a Gaussian), output layer zero, so every weight starts at exactly
    ``max_weight / 2`` whatever the losses (the hidden layers receive
    gradients from the second step on): with the default ``max_weight=2``
    training starts as the unweighted sum (HWF 1, 1, 1) and the range
    (0, 2) covers the hand-tuned factors of the paper's Table I (0.4 to
    2.0). ``max_weight=1`` gives the paper's plain
    sigmoid range.

    Cost per step: one MLP forward/backward on a T-vector
    (``2 T C + N C^2`` multiply-adds, 1.2k for the default), one all-reduce
    of T floats and one host sync for the finite check.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        hidden_channels (int): C, width of the hidden FC layers.
            Defaults to 32.
        num_hidden_layers (int): N, number of FC(C, C) layers. Defaults
            to 1.
        regularizer (str): ``'log_barrier'`` or ``'none'`` (no barrier,
            collapses). Defaults to ``'log_barrier'``.
        barrier_weight (float | str): lam, the contribution ``w_i L_i``
            each task is driven to: a positive float, or
            ``'geometric_mean'`` of the current task losses. Defaults to
            ``'geometric_mean'``.
        max_weight (float): Upper bound of the weights,
            ``w = max_weight * sigmoid(z)``. Defaults to 2.0.
        input_transform (str): ``'log'``, ``'running_mean'`` or ``'none'``.
            Defaults to ``'log'``.
        eps (float): Added to the losses before the log / division.
            Defaults to 1e-8.
        ema_momentum (float): Momentum of the running mean of
            ``input_transform='running_mean'``. Defaults to 0.99.
        init_cfg (dict or list[dict], optional): Initialisation config; the
            default initialisation above is applied at construction.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 hidden_channels: int = 32,
                 num_hidden_layers: int = 1,
                 regularizer: str = 'log_barrier',
                 barrier_weight: Union[float, str] = 'geometric_mean',
                 max_weight: float = 2.0,
                 input_transform: str = 'log',
                 eps: float = 1e-8,
                 ema_momentum: float = 0.99,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        name = type(self).__name__
        self.mlp = build_lwf_mlp(name, self.num_tasks, hidden_channels,
                                 num_hidden_layers,
                                 functools.partial(nn.ReLU, inplace=True))
        if regularizer not in _REGULARIZERS:
            raise ValueError(f'{name}: regularizer must be one of '
                             f'{_REGULARIZERS}, got {regularizer!r}')
        if input_transform not in _INPUT_TRANSFORMS:
            raise ValueError(f'{name}: input_transform must be one of '
                             f'{_INPUT_TRANSFORMS}, got {input_transform!r}')
        if barrier_weight != 'geometric_mean' and not (
                isinstance(barrier_weight, (int, float))
                and barrier_weight > 0):
            raise ValueError(
                f"{name}: barrier_weight must be a float > 0 or "
                f"'geometric_mean', got {barrier_weight!r}")
        if not max_weight > 0:
            raise ValueError(
                f'{name}: max_weight must be > 0, got {max_weight!r}')
        if not 0.0 <= ema_momentum < 1.0:
            raise ValueError(f'{name}: ema_momentum must be in [0, 1), got '
                             f'{ema_momentum!r}')
        if regularizer == 'none':
            warnings.warn(
                f"{name}(regularizer='none') trains the weights by the loss "
                'they weight; every weight then decays to 0. Use it for '
                'ablation only.')
        self.hidden_channels = hidden_channels
        self.num_hidden_layers = num_hidden_layers
        self.regularizer = regularizer
        self.barrier_weight = (
            barrier_weight if isinstance(barrier_weight, str) else
            float(barrier_weight))
        self.max_weight = float(max_weight)
        self.input_transform = input_transform
        self.eps = float(eps)
        self.ema_momentum = float(ema_momentum)

        self._init_mlp()
        # Running mean of the losses for input_transform='running_mean';
        # a buffer so that it is checkpointed and resumed.
        self.register_buffer('running_mean', torch.zeros(self.num_tasks))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))

    def _init_mlp(self) -> None:
        """Kaiming-normal hidden layers, zero output layer."""
        linears = [m for m in self.mlp if isinstance(m, nn.Linear)]
        for m in linears[:-1]:
            nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
            nn.init.zeros_(m.bias)
        nn.init.zeros_(linears[-1].weight)
        nn.init.zeros_(linears[-1].bias)

    @property
    def num_weights(self) -> int:
        """int: FC weights without biases, the paper's #params."""
        return sum(m.weight.numel() for m in self.mlp
                   if isinstance(m, nn.Linear))

    def mlp_input(self, stats: Tensor) -> Tensor:
        """Transform the detached, rank-averaged losses for the MLP.

        Updates the running mean (training mode only) for
        ``input_transform='running_mean'``.

        Args:
            stats (Tensor): (T, ) finite task losses.

        Returns:
            Tensor: (T, ) the MLP input.
        """
        if self.input_transform == 'log':
            return torch.log(stats.clamp(min=0) + self.eps)
        if self.input_transform == 'none':
            return stats
        if self.training:
            with torch.no_grad():
                if int(self.num_updates) == 0:
                    self.running_mean.copy_(stats)
                else:
                    self.running_mean.mul_(self.ema_momentum).add_(
                        stats, alpha=1.0 - self.ema_momentum)
                self.num_updates += 1
        return stats / (self.running_mean + self.eps)

    def predict_weights(self, stats: Tensor) -> Tensor:
        """Weights ``max_weight * sigmoid(MLP(x))`` for given losses.

        Args:
            stats (Tensor): (T, ) finite task losses.

        Returns:
            Tensor: (T, ) weights in (0, max_weight), with graph to the MLP.
        """
        x = self.mlp_input(stats).to(self.mlp[0].weight.dtype)
        return self.max_weight * torch.sigmoid(self.mlp(x))

    def barrier_lam(self, stats: Tensor) -> Tensor:
        """lam of the barrier for the current losses.

        Args:
            stats (Tensor): (T, ) finite task losses, averaged over ranks.

        Returns:
            Tensor: 0-dim, detached: ``barrier_weight``, or the geometric
            mean of the losses above ``eps`` (1.0 when there are none).
        """
        if not isinstance(self.barrier_weight, str):
            return stats.new_tensor(self.barrier_weight)
        # Without a host sync: masked mean of the logs.
        pos = stats > self.eps
        logs = torch.where(pos, torch.log(stats.clamp(min=self.eps)),
                           torch.zeros_like(stats))
        num = pos.sum()
        gm = torch.exp(logs.sum() / num.clamp(min=1))
        return torch.where(num > 0, gm, torch.ones_like(gm))

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        weights = self.predict_weights(stats.to(raw[0].device))
        aux: Dict[str, Tensor] = {}
        if self.regularizer == 'log_barrier':
            # Clamp: the sigmoid can underflow to 0 in float32.
            lam = self.barrier_lam(stats).to(weights)
            aux['loss_lwf'] = -lam * torch.log(weights.clamp(min=1e-12)).sum()
        return weights, aux
