"""Head (f): DoubleBranch-reg with the Correlation Estimation module."""
from typing import Optional

from mmdet.registry import MODELS
from mmdet.utils import ConfigType
from torch import Tensor

from mmmtl.utils.misc import current_iter_str

from .double_branch_reg_head import DoubleBranchRegHead


@MODELS.register_module()
class CEHead(DoubleBranchRegHead):
    """Head (e) plus the CE module (CE paper, Fig. 2f, Fig. 3, eq. 1-3).

    The CE module (:class:`~mmmtl.models.layers.CorrelationEstimation`)
    reads the regressed offsets ``R`` and yields a quality map ``Q`` per
    anchor; the classification output becomes ``J = I x Q``.

    Which tensor Q multiplies: the classification *probability*,
    ``J = sigmoid(I) * Q``, with ``I`` the logits. ``J`` then stays a
    probability, is trained with mmdet's ``FocalLoss(activated=True)``
    (focal loss on probabilities) and is the score NMS ranks, exactly the
    role the paper gives it. Multiplying the logits instead would shift the
    ``-log((1 - 0.01) / 0.01) = -4.6`` prior bias of RetinaNet's
    classifier (``Q * -4.6`` is no longer a 1 % prior) and let a small Q
    push negatives' logits towards 0, i.e. towards probability 0.5.
    The closest published relative is GFLv2's Distribution-Guided Quality
    Predictor (DGQP), which also maps top-k statistics of a box
    distribution through a small MLP to a quality that multiplies the
    classification score. Gradients of the classification loss reach the
    CE convs through ``Q`` and, unless ``detach_reg=True``, also the
    regression branch through ``R``, as in Algorithm 1.

    Args:
        ce_cfg (dict): ``topk`` (1 or 2) and ``hidden_channels`` (E) of
            the CE module, optionally ``init_quality``. Defaults to
            ``dict(topk=2, hidden_channels=128)``.
        detach_reg (bool): Stop the CE path's gradient into the regression
            branch. Defaults to False.
        loss_cls (dict): Must be a focal loss on probabilities. Defaults to
            ``FocalLoss(use_sigmoid=True, activated=True, gamma=2.0,
            alpha=0.25)``.
        eps (float): J is clamped to ``[eps, 1 - eps]`` so the focal
            loss's log stays finite. Defaults to 1e-6.
        **kwargs: :class:`BaseReIDHead` arguments.
    """

    def __init__(self,
                 *args,
                 ce_cfg: ConfigType = dict(topk=2, hidden_channels=128),
                 detach_reg: bool = False,
                 loss_cls: ConfigType = dict(
                     type='FocalLoss',
                     use_sigmoid=True,
                     activated=True,
                     gamma=2.0,
                     alpha=0.25,
                     loss_weight=1.0),
                 eps: float = 1e-6,
                 **kwargs) -> None:
        if not isinstance(ce_cfg, dict):
            raise TypeError(f'CEHead: ce_cfg must be a dict, got {ce_cfg!r}')
        if not loss_cls.get('activated', False) or not loss_cls.get(
                'use_sigmoid', False):
            raise ValueError(
                'CEHead: bbox_head.loss_cls must take probabilities '
                "(e.g. dict(type='FocalLoss', use_sigmoid=True, "
                'activated=True)), because J = sigmoid(I) * Q is a '
                f'probability; got {dict(loss_cls)!r}')
        self._ce_cfg = dict(ce_cfg)
        self.detach_reg = detach_reg
        self.eps = eps
        super().__init__(*args, loss_cls=loss_cls, **kwargs)

    def _init_towers(self) -> None:
        super()._init_towers()
        self.ce = MODELS.build(
            dict(type='CorrelationEstimation', **self._ce_cfg))

    @property
    def cls_activated(self) -> bool:
        """``cls_score`` of CEHead is the probability J."""
        return True

    def _refine_cls(self, cls_score: Tensor, bbox_pred: Tensor) -> Tensor:
        """``J = sigmoid(I) * Q`` per anchor.

        Args:
            cls_score (Tensor): Logits I (B, A*K, H, W).
            bbox_pred (Tensor): Offsets R (B, A*4, H, W).

        Returns:
            Tensor: Probabilities J (B, A*K, H, W).
        """
        q = self.ce(bbox_pred.detach() if self.detach_reg else bbox_pred)
        b, _, h, w = cls_score.shape
        a = q.size(1)
        joint = cls_score.sigmoid().reshape(b, a, -1, h, w) * q[:, :, None]
        return joint.reshape(b, -1, h, w).clamp(self.eps, 1.0 - self.eps)

    def loss_by_feat(self, cls_scores, *args, **kwargs) -> dict:
        """:meth:`BaseReIDHead.loss_by_feat` with a clear non-finite error.

        The focal loss on probabilities runs ``binary_cross_entropy``,
        which rejects a NaN score with a bare "between 0 and 1" error
        before any loss balancer can see it; this names the cause instead.
        Catching the error costs nothing on the normal path (no extra
        device synchronisation).

        Raises:
            FloatingPointError: J holds NaN, i.e. the logits I, the offsets
                R or the CE quality Q were not finite.
        """
        try:
            return super().loss_by_feat(cls_scores, *args, **kwargs)
        except RuntimeError as err:
            if 'between 0 and 1' not in str(err):
                raise
            bad = [i for i, s in enumerate(cls_scores)
                   if not bool(s.detach().isfinite().all())]
            raise FloatingPointError(
                f'CEHead: non-finite joint score J = sigmoid(I) * Q at '
                f'{current_iter_str()} (FPN levels {bad}): the input batch, '
                'the weights or the head outputs hold NaN/inf; lower the '
                'learning rate or check the data') from err

    def quality(self, bbox_pred: Tensor) -> Optional[Tensor]:
        """Q for inspection, (B, A, H, W)."""
        return self.ce(bbox_pred)
