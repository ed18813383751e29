"""LWF exactly as eq. 9-10 of the LWF paper are printed."""
import warnings
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer
from .lwf_loss import build_lwf_mlp

_READINGS = ('printed', 'senet')


@MODELS.register_module()
class LWFLiteralLoss(BaseLossBalancer):
    r"""Learned Weighting Factors as printed, with no safeguard.

    Eq. 9-10 of the LWF paper (Vo et al.)::

        F = concat(L_cls, L_reg, L_reid)                       (9)
        L = sigma(W_3 delta_2(W_2 delta_1(W_1 F)))             (10)

    with ``W_1`` FC(3, C), ``N`` layers ``W_2`` FC(C, C) and ``W_3``
    FC(C, 3) (Fig. 2), and the total ``alpha L_cls + beta L_reg +
    gamma L_reid`` (eq. 7) training the detector and the MLP alike.

    **The activations are ambiguous.** The sentence after eq. 10 says
    "sigma and delta indicate ReLU and sigmoid", and eq. 3 defines
    ``delta`` as the sigmoid; the text before it says ReLU is used
    "since alpha, beta, gamma are always positive" (an output activation)
    and the sigmoid "captures task dependencies". Read as printed
    (``reading='printed'``, default): hidden ``delta`` = sigmoid, output
    ``sigma`` = ReLU. Eq. 10 has the form of SENet's excitation
    ``sigma(W_2 delta(W_1 z))``, where the same letters mean the opposite
    (``delta`` ReLU, ``sigma`` sigmoid); ``reading='senet'`` takes that
    reading: hidden ReLU, output sigmoid (the activations of
    :class:`LWFLoss`).

    **Everything else as printed**: the MLP input is the raw task losses,
    not detached (eq. 9 concatenates the losses; "the gradient of the LWF
    network is propagated to the overall network", so the detector also
    receives the gradient through the weights' dependence on the losses);
    all FC weights drawn from a Gaussian (the paper's "Gaussian
    distribution", standard deviation unstated, ``init_std`` here) with
    zero biases; no cap on the weights and no regulariser.

    **It collapses.** Trained by the loss it weights, the MLP gets
    ``d(total)/d w_i = L_i > 0``: gradient descent lowers every weight.
    With the printed reading a weight reaches exactly 0 when its ReLU
    input turns negative, and the ReLU then passes no gradient, so the
    task is switched off for good; with the SENet reading the sigmoid
    tends to 0. Either way the detector stops learning the task.
    :class:`LWFLoss` is the safeguarded form; this class exists to measure
    the method as written. A warning says so at construction.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        hidden_channels (int): C. Defaults to 32.
        num_hidden_layers (int): N, number of FC(C, C) layers. Defaults
            to 1.
        reading (str): ``'printed'`` (hidden sigmoid, output ReLU) or
            ``'senet'`` (hidden ReLU, output sigmoid). Defaults to
            ``'printed'``.
        init_std (float): Standard deviation of the Gaussian FC weights.
            Defaults to 0.01 (mmdet's ``normal_init`` of head layers).
        init_cfg (dict or list[dict], optional): Initialisation config; the
            Gaussian initialisation above is applied at construction.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 hidden_channels: int = 32,
                 num_hidden_layers: int = 1,
                 reading: str = 'printed',
                 init_std: float = 0.01,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        name = type(self).__name__
        if reading not in _READINGS:
            raise ValueError(f'{name}: reading must be one of {_READINGS}, '
                             f'got {reading!r}')
        hidden_act, out_act = ((nn.Sigmoid, nn.ReLU) if reading == 'printed'
                               else (nn.ReLU, nn.Sigmoid))
        self.mlp = build_lwf_mlp(name, self.num_tasks, hidden_channels,
                                 num_hidden_layers, hidden_act, out_act)
        if not init_std > 0:
            raise ValueError(
                f'{name}: init_std must be > 0, got {init_std!r}')
        warnings.warn(
            f'{name} is LWF as printed, without a safeguard: its weights '
            'collapse to 0 (see its docstring). Use it to measure the '
            'paper-literal method; LWFLoss is the trainable form.')
        self.hidden_channels = hidden_channels
        self.num_hidden_layers = num_hidden_layers
        self.reading = reading
        self.init_std = float(init_std)
        for m in self.mlp:
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=self.init_std)
                nn.init.zeros_(m.bias)

    @property
    def num_weights(self) -> int:
        """int: FC weights without biases, the paper's #params."""
        return sum(m.weight.numel() for m in self.mlp
                   if isinstance(m, nn.Linear))

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`.

        The MLP reads the task losses with their graphs (eq. 9), not the
        detached ``stats``.
        """
        feats = torch.stack([r.to(self.mlp[0].weight.dtype) for r in raw])
        return self.mlp(feats), {}
