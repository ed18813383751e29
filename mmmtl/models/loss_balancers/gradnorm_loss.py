"""GradNorm of Chen et al. (ICML 2018), reference [18] of the LWF paper."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from torch import Tensor

from .base_loss_balancer import BaseLossBalancer


def resolve_module(root: nn.Module, path: str) -> nn.Module:
    """The sub-module of ``root`` at a dotted path (``'detector.neck'``).

    Raises:
        KeyError: naming the first part of the path that does not exist.
    """
    module = root
    for part in path.split('.'):
        if part.isdigit() and isinstance(module, (nn.ModuleList,
                                                  nn.Sequential)):
            module = module[int(part)]
        elif hasattr(module, part):
            module = getattr(module, part)
        else:
            raise KeyError(
                f'GradNormLoss: shared_layer {path!r}: {type(module).__name__}'
                f' has no sub-module {part!r}')
    if not isinstance(module, nn.Module):
        raise KeyError(f'GradNormLoss: shared_layer {path!r} is a '
                       f'{type(module).__name__}, not a module')
    return module


def last_shared_layer(model: nn.Module) -> str:
    """Dotted path of the last layer shared by all tasks of a one-shot MOT.

    The head's answer (``bbox_head.last_shared_layer``, e.g. the last conv
    of head (c)'s single tower) if it has one; otherwise the neck's output
    convs (``neck.fpn_convs``, all FPN levels), the last layer the three
    tasks share when the head's towers are separate.

    Args:
        model (nn.Module): A ``OneShotMOT`` (with ``detector``) or a
            detector (with ``bbox_head`` and ``neck``).

    Returns:
        str: The path, relative to ``model``.
    """
    prefix = ''
    det = model
    if hasattr(model, 'detector'):
        prefix, det = 'detector.', model.detector
    head = getattr(det, 'bbox_head', None)
    name = getattr(head, 'last_shared_layer', None)
    if name:
        return f'{prefix}bbox_head.{name}'
    neck = getattr(det, 'neck', None)
    if neck is not None and hasattr(neck, 'fpn_convs'):
        return f'{prefix}neck.fpn_convs'
    raise ValueError(
        'GradNormLoss: cannot find the last layer the tasks share (no '
        "bbox_head.last_shared_layer, no neck.fpn_convs); set shared_layer "
        'to its dotted path')


@MODELS.register_module()
class GradNormLoss(BaseLossBalancer):
    r"""GradNorm: weights that equalise the tasks' gradient norms.

    Chen et al., "GradNorm: Gradient Normalization for Adaptive Loss
    Balancing in Deep Multitask Networks" (ICML 2018). With ``W`` the
    parameters of the last layer that all tasks share, at each step::

        G_i  = || d(w_i L_i) / dW ||_2 = w_i || dL_i / dW ||_2
        r_i  = (L_i / L_i(0)) / mean_j (L_j / L_j(0))
        L_gn = sum_i | G_i - mean_j(G_j) * r_i ** alpha |

    and the weights descend ``L_gn``, the target ``mean(G) r_i^alpha``
    held constant, while the detector descends ``sum_i w_i L_i`` with the
    weights held constant. The weights are ``w = T softmax(s)`` with
    learnable ``s`` (zeros: all weights 1): always positive and summing to
    T, the renormalisation of the paper, in the parametrisation of
    LibMTL. ``L_gn`` is returned as ``loss_gradnorm``; its gradient reaches
    only ``s`` (the gradient norms are computed without a graph of their
    own, so no double backward is needed), which the detector's optimiser
    updates like any parameter. Give it its own learning rate with
    ``optim_wrapper.paramwise_cfg.custom_keys={'loss_balancer':
    dict(lr_mult=...)}``: the paper trains the weights at 0.025.

    **The shared layer.** ``shared_layer='auto'`` (default) takes the last
    layer shared by all three tasks, found when :class:`OneShotMOT` binds
    the balancer (:meth:`bind`): for head (c) (one tower for all tasks) the
    last conv of that tower, ``detector.bbox_head.shared_convs.<last>``;
    for heads (a), (b), (d), (e) and (f), whose towers are separate for at
    least one task, the neck's output convs ``detector.neck.fpn_convs``
    (all FPN levels; their joint gradient norm). A dotted path sets it by
    hand.

    ``L_i(0)`` are the first training step's losses (rank-averaged,
    checkpointed). A task whose gradient does not reach ``W`` (e.g. no
    identity in the batch) has ``G_i = 0`` and keeps its target.
    Cost per step: T extra backward passes from the task losses down to
    ``W`` (through the head, not the backbone), i.e. roughly the head's
    backward T more times.

    Args:
        task_keys (dict[str, str], optional): Task name -> loss key, see
            :class:`BaseLossBalancer`. Defaults to cls/reg/reid.
        alpha (float): Asymmetry; 0 equalises the gradient norms, larger
            values favour the tasks that train slower. Defaults to 1.5
            (the paper's NYUv2 setting).
        shared_layer (str): ``'auto'`` or the dotted path of the shared
            module, relative to the model that binds the balancer.
            Defaults to ``'auto'``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 alpha: float = 1.5,
                 shared_layer: str = 'auto',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(task_keys=task_keys, init_cfg=init_cfg)
        if not alpha >= 0:
            raise ValueError(
                f'GradNormLoss: alpha must be >= 0, got {alpha!r}')
        self.alpha = float(alpha)
        self.shared_layer = shared_layer
        self.logits = nn.Parameter(torch.zeros(self.num_tasks))
        self.register_buffer('initial_losses', torch.zeros(self.num_tasks))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        # A plain tuple: the parameters stay the model's, not this module's.
        self._shared_params: Tuple[nn.Parameter, ...] = ()
        self.shared_layer_path: Optional[str] = None
        # this step's G_i and targets, logged by log_entries (not state)
        self._last_g: Optional[Tensor] = None
        self._last_target: Optional[Tensor] = None

    def bind(self, model: nn.Module) -> None:
        """Find the shared layer in the model that owns this balancer.

        Args:
            model (nn.Module): Usually the ``OneShotMOT``.
        """
        path = (last_shared_layer(model)
                if self.shared_layer == 'auto' else self.shared_layer)
        params = tuple(p for p in resolve_module(model, path).parameters()
                       if p.requires_grad)
        if not params:
            raise ValueError(f'GradNormLoss: shared layer {path!r} has no '
                             'trainable parameters')
        self.shared_layer_path = path
        self._shared_params = params

    def bind_params(self, params: Sequence[nn.Parameter]) -> None:
        """Set the shared parameters directly (models other than MOT).

        Args:
            params (Sequence[Parameter]): The parameters ``W``.
        """
        self._shared_params = tuple(params)
        self.shared_layer_path = '<given parameters>'

    def weights(self) -> Tensor:
        """Tensor: (T, ) the current weights ``T softmax(s)``."""
        return self.num_tasks * torch.softmax(self.logits, dim=0)

    def grad_norms(self, raw: List[Tensor]) -> Tensor:
        """``|| dL_i / dW ||_2`` of every task, without graph.

        Args:
            raw (list[Tensor]): The T task losses with their graphs.

        Returns:
            Tensor: (T, ) gradient norms (0 for a task that misses W).
        """
        norms = []
        for loss in raw:
            if not loss.requires_grad:
                norms.append(loss.new_zeros(()))
                continue
            grads = torch.autograd.grad(
                loss, self._shared_params, retain_graph=True,
                allow_unused=True)
            sq = [g.pow(2).sum() for g in grads if g is not None]
            norms.append(torch.stack(sq).sum().sqrt()
                         if sq else loss.new_zeros(()))
        return torch.stack(norms).detach()

    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """See :meth:`BaseLossBalancer.compute_weights`."""
        w = self.weights()
        self._last_g = self._last_target = None
        if not self.training or not torch.is_grad_enabled():
            return w.detach(), {}
        if not self._shared_params:
            raise RuntimeError(
                'GradNormLoss is not bound to a model: OneShotMOT calls '
                'bind(model) when it builds the balancer; elsewhere call '
                'bind(model) or bind_params(params)')
        stats = stats.to(self.initial_losses)
        if int(self.num_updates) == 0:
            self.initial_losses.copy_(stats)
        self.num_updates += 1
        norms = self.grad_norms(raw).to(w)
        g = w * norms
        ratio = stats / self.initial_losses.clamp(min=1e-12)
        rel = ratio / ratio.mean().clamp(min=1e-12)
        target = (g.detach().mean() * rel.pow(self.alpha)).to(w)
        loss_gn = (g - target).abs().sum()
        self._last_g, self._last_target = g.detach(), target.detach()
        return w.detach(), {'loss_gradnorm': loss_gn}

    def log_entries(self) -> Dict[str, Tensor]:
        """``gn_G_<task>`` (the weighted gradient norm ``G_i``) and
        ``gn_target_<task>`` (``mean(G) r_i^alpha``) of the last training
        step; none before the first."""
        if self._last_g is None:
            return {}
        out = {}
        for i, n in enumerate(self.task_names):
            out[f'gn_G_{n}'] = self._last_g[i]
            out[f'gn_target_{n}'] = self._last_target[i]
        return out
