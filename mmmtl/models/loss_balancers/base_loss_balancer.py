"""Base class of the multi-task loss balancers."""
import math
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from contextlib import nullcontext
from typing import ContextManager, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmdet.utils import OptMultiConfig
from mmengine.dist import all_reduce
from mmengine.model import BaseModule
from torch import Tensor

from mmmtl.utils.misc import current_iter_str

LossValue = Union[Tensor, Sequence[Tensor]]

DEFAULT_TASK_KEYS = dict(cls='loss_cls', reg='loss_bbox', reid='loss_reid')


def _autocast_off(device: torch.device) -> ContextManager:
    """A context that disables ``torch.autocast`` on ``device``'s type."""
    if device.type in ('cpu', 'cuda', 'xpu', 'hpu', 'mps'):
        return torch.autocast(device_type=device.type, enabled=False)
    return nullcontext()


class BaseLossBalancer(BaseModule, metaclass=ABCMeta):
    """Base class of the modules that weight the task losses of a detector.

    A balancer maps the loss dict of a detector (``loss_cls``, ``loss_bbox``,
    ``loss_reid``, ...) to a new loss dict in which each task loss is
    multiplied by its weight; every other entry passes through. The weights
    (``w_<task>``) and the raw task losses (``raw_<task>``) are added as
    0-dim detached tensors whose keys do not contain ``loss``, so mmengine
    logs them at every logging step without adding them to the total.
    Auxiliary objectives of a balancer (e.g. a regulariser of learnable
    weights) are returned under keys that contain ``loss`` and are therefore
    summed into the total by ``BaseModel.parse_losses``.

    The raw task losses are detached, averaged across ranks
    (``mmengine.dist.all_reduce``, a no-op in a single process) and checked
    for non-finite values before any weight is computed, so every rank sees
    the same inputs and a NaN/Inf stops training with a
    ``FloatingPointError`` that names the loss key and the iteration before
    the balancer's state or parameters can be updated.

    Under mixed precision the task losses are cast to float32 and the
    weights computed with ``torch.autocast`` disabled (an MLP such as
    LWF's would otherwise run in bfloat16/float16), so the weights and the
    weighted losses are float32 whatever the detector ran in.

    Subclasses implement :meth:`compute_weights` and may add log values
    with :meth:`log_entries`.

    Args:
        task_keys (dict[str, str]): Ordered mapping of task name to the key
            of its loss in the detector's loss dict. A loss value may be a
            tensor or a list of per-level tensors; it is summed to a scalar.
            Task names must not contain ``loss``. Defaults to
            ``dict(cls='loss_cls', reg='loss_bbox', reid='loss_reid')``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 task_keys: Optional[Dict[str, str]] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        task_keys = dict(DEFAULT_TASK_KEYS if task_keys is None else
                         task_keys)
        if len(task_keys) == 0:
            raise ValueError(
                f'{type(self).__name__}: task_keys must name at least one '
                'task, got an empty dict')
        for name, key in task_keys.items():
            if 'loss' in name:
                raise ValueError(
                    f'{type(self).__name__}: task name {name!r} in '
                    "task_keys contains 'loss'; its log entries w_<task> "
                    'and raw_<task> would be summed into the total loss')
            if not isinstance(key, str):
                raise TypeError(
                    f'{type(self).__name__}: task_keys[{name!r}] must be '
                    f'a loss key (str), got {type(key).__name__}')
        self.task_keys: Dict[str, str] = OrderedDict(task_keys)

    @property
    def task_names(self) -> List[str]:
        """list[str]: Task names, in the order of the weight vector."""
        return list(self.task_keys)

    @property
    def num_tasks(self) -> int:
        """int: Number of weighted tasks T."""
        return len(self.task_keys)

    def forward(self, losses: Dict[str, LossValue]) -> Dict[str, Tensor]:
        """Weight the task losses of a detector.

        Args:
            losses (dict[str, Tensor | list[Tensor]]): Loss dict of the
                detector; must hold every key of ``task_keys``.

        Returns:
            dict[str, Tensor]: The weighted task losses under their original
            keys, the balancer's auxiliary losses, every other input entry
            unchanged, and the log entries ``w_<task>`` and ``raw_<task>``.
        """
        # Under mixed precision (``torch.autocast``) the task losses may
        # be bfloat16/float16: the weights, their MLPs and statistics are
        # computed in float32 with autocast off, so that a weight and the
        # product ``w_i L_i`` keep float32's precision.
        raw = [
            r.float() if r.dtype in (torch.float16, torch.bfloat16) else r
            for r in self._gather(losses)
        ]
        with _autocast_off(raw[0].device):
            return self._weight(losses, raw)

    def _weight(self, losses: Dict[str, LossValue],
                raw: List[Tensor]) -> Dict[str, Tensor]:
        """:meth:`forward` on float32 task losses, autocast off."""
        stats = self._reduced_detached(raw)
        self._check_finite(stats, 'task loss',
                           [self.task_keys[n] for n in self.task_names])
        weights, aux_losses = self.compute_weights(raw, stats)
        self._check_finite(weights.detach(), 'weight',
                           [f'w_{n}' for n in self.task_names])

        task_loss_keys = set(self.task_keys.values())
        out: Dict[str, Tensor] = OrderedDict(
            (k, v) for k, v in losses.items() if k not in task_loss_keys)
        for i, name in enumerate(self.task_names):
            out[self.task_keys[name]] = weights[i] * raw[i]
        for key, value in aux_losses.items():
            if 'loss' not in key:
                raise KeyError(
                    f'{type(self).__name__}: auxiliary objective {key!r} '
                    "must contain 'loss' so that it enters the total")
            out[key] = value
        detached = weights.detach()
        for i, name in enumerate(self.task_names):
            out[f'w_{name}'] = detached[i]
            out[f'raw_{name}'] = stats[i]
        for key, value in self.log_entries().items():
            if 'loss' in key:
                raise KeyError(
                    f'{type(self).__name__}: log entry {key!r} must not '
                    "contain 'loss' (it would be summed into the total)")
            out[key] = value
        return out

    def log_entries(self) -> Dict[str, Tensor]:
        """Extra 0-dim detached values to log beside ``w_<task>``.

        Returns:
            dict[str, Tensor]: Keys without ``loss``. Defaults to none.
        """
        return {}

    @abstractmethod
    def compute_weights(self, raw: List[Tensor],
                        stats: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """Compute the task weights of this step.

        Args:
            raw (list[Tensor]): The T task losses, 0-dim, with their graphs.
            stats (Tensor): (T, ) the same losses detached and averaged over
                ranks, all finite; identical on every rank.

        Returns:
            tuple[Tensor, dict[str, Tensor]]: The weights (T, ) (may carry
            a graph when they are learned) and the auxiliary losses (keys
            containing ``loss``).
        """

    def _gather(self, losses: Dict[str, LossValue]) -> List[Tensor]:
        """Sum every task loss to a scalar, naming a missing key."""
        raw = []
        for name, key in self.task_keys.items():
            if key not in losses:
                raise KeyError(
                    f'{type(self).__name__}: task {name!r} expects the loss '
                    f'key {key!r}, which the detector did not return; got '
                    f'keys {sorted(losses)}. Set task_keys accordingly.')
            value = losses[key]
            if isinstance(value, Tensor):
                value = value.sum()
            elif (isinstance(value, (list, tuple)) and len(value) > 0
                  and all(isinstance(v, Tensor) for v in value)):
                value = sum(v.sum() for v in value)
            else:
                raise TypeError(
                    f'{type(self).__name__}: losses[{key!r}] must be a '
                    f'tensor or a non-empty list of tensors, got '
                    f'{type(value).__name__}')
            raw.append(value)
        return raw

    @staticmethod
    def _reduced_detached(raw: List[Tensor]) -> Tensor:
        """Detached (T, ) copy of the task losses, averaged over ranks."""
        stats = torch.stack([r.detach().float() for r in raw])
        all_reduce(stats, op='mean')
        return stats

    def _check_finite(self, values: Tensor, what: str,
                      keys: List[str]) -> None:
        """Raise ``FloatingPointError`` naming every non-finite entry."""
        # One host sync; the per-key message is built only on failure.
        if bool(torch.isfinite(values).all()):
            return
        bad = [
            f'{k}={float(v)}' for k, v in zip(keys, values.tolist())
            if not math.isfinite(v)
        ]
        raise FloatingPointError(
            f'{type(self).__name__}: non-finite {what} {", ".join(bad)} at '
            f'{current_iter_str()} (mean over ranks); stopping before the '
            'balancer updates its weights or state.')
