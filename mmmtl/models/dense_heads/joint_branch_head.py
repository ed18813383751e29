"""Head (b): joint branches with CTracker's Joint Attention Module."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.utils import multi_apply
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, InstanceList, OptInstanceList
from torch import Tensor

from .base_reid_head import BaseReIDHead


@MODELS.register_module()
class JointBranchHead(BaseReIDHead):
    """Three towers; the regression tower sees JAM-attended features
    (CE paper, Fig. 2b, after CTracker).

    The classification and Re-ID towers run first; the Joint Attention
    Module (:class:`~mmmtl.models.layers.JointAttention`) multiplies the
    FPN feature entering the regression tower by the classification
    confidence ``sigmoid(I)`` and by a Re-ID-side confidence ``V``
    predicted from the Re-ID tower.

    **Supervision of V.** CTracker's second map is its ID-verification
    confidence, trained to say whether the two boxes of an anchor pair (two
    frames) are the same target. This head sees one frame, so V is trained
    to say how well the anchor's embedding verifies as its own identity:
    its target is ``max(0, cos(e, w_id))``, the cosine between the
    anchor's embedding ``e`` and the identity classifier's weight vector
    ``w_id`` of the identity it is assigned to (the identity prototype the
    Re-ID loss pulls ``e`` towards), on positive anchors with an identity,
    and 0 elsewhere (background, ground truth without identity). This is
    the one-frame counterpart of verification (an embedding compared with
    its identity instead of with the same object's other-frame
    embedding), needs no second frame, and is 0 on background like the
    classification map, so that V adds what classification cannot: low
    attention where the Re-ID features do not (yet) identify the object.
    The target is detached. The loss is ``loss_idv`` (quality focal loss,
    GFL's loss for soft targets, over every anchor, normalised by the
    number of positives with an identity); loss balancers weight only their
    ``task_keys`` and pass it through unweighted.

    Outputs per level: ``cls_score``, ``bbox_pred``, ``reid_feat`` and the
    logits of V (B, A, H, W); ``predict_by_feat`` ignores the last.

    Args:
        loss_idv (dict): Loss of V. Defaults to ``QualityFocalLoss(
            use_sigmoid=True, beta=2.0, loss_weight=1.0)``.
        **kwargs: :class:`BaseReIDHead` arguments.
    """

    def __init__(self,
                 *args,
                 loss_idv: ConfigType = dict(
                     type='QualityFocalLoss',
                     use_sigmoid=True,
                     beta=2.0,
                     loss_weight=1.0),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.loss_idv = MODELS.build(loss_idv)

    def _init_towers(self) -> None:
        self.cls_convs = self._make_tower()
        self.reg_convs = self._make_tower()
        self.reid_convs = self._make_tower()
        self.jam = MODELS.build(
            dict(
                type='JointAttention',
                reid_channels=self.feat_channels,
                num_anchors=self.num_base_priors))

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        raise NotImplementedError  # forward_single wires JAM itself

    def forward_single(
            self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Forward one FPN level.

        Args:
            x (Tensor): FPN feature (B, C, H, W).

        Returns:
            tuple[Tensor]: ``cls_score`` (B, A*K, H, W), ``bbox_pred``
            (B, A*4, H, W), ``reid_feat`` (B, A*D, H, W) and the logits of
            the Re-ID-side map V (B, A, H, W).
        """
        cls_feat = self._run(self.cls_convs, x)
        reid_feat = self._run(self.reid_convs, x)
        cls_score = self.retina_cls(cls_feat)
        att_x, id_logits = self.jam(x, cls_score, reid_feat)
        reg_feat = self._run(self.reg_convs, att_x)
        bbox_pred = self.retina_reg(reg_feat)
        return cls_score, bbox_pred, self.reid_embed(reid_feat), id_logits

    def forward(self, x: Tuple[Tensor]) -> Tuple[List[Tensor], ...]:
        """Forward every FPN level.

        Returns:
            tuple[list[Tensor]]: The four outputs of :meth:`forward_single`,
            each a list over levels.
        """
        return multi_apply(self.forward_single, x)

    def loss_by_feat(
            self,
            cls_scores: List[Tensor],
            bbox_preds: List[Tensor],
            reid_feats: List[Tensor],
            id_logits: List[Tensor],
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """:meth:`BaseReIDHead.loss_by_feat` plus ``loss_idv``.

        Args:
            id_logits (list[Tensor]): Per level (B, A, H, W) logits of V.
            Others: as :meth:`BaseReIDHead.loss_by_feat`.

        Returns:
            dict: ``loss_cls``, ``loss_bbox``, ``loss_reid`` and
            ``loss_idv``.
        """
        losses, id_targets = self._losses_and_id_targets(
            cls_scores, bbox_preds, reid_feats, batch_gt_instances,
            batch_img_metas, batch_gt_instances_ignore)
        losses['loss_idv'] = self._loss_idv(id_logits, reid_feats,
                                            id_targets)
        return losses

    def idv_targets(self, reid_feats: List[Tensor],
                    id_targets: List[Tensor]) -> Tuple[Tensor, Tensor]:
        """Soft targets of V: ``max(0, cos(e, w_id))``, or 0.

        Args:
            reid_feats (list[Tensor]): Per level (B, A*D, H, W).
            id_targets (list[Tensor]): Per level (B, H*W*A), the identity of
                each anchor, -1 for anchors without one.

        Returns:
            tuple[Tensor, Tensor]: The identities (B * sum(H*W*A), ) and the
            detached targets in [0, 1] of the same shape, anchors in the
            order of :meth:`_flatten_embeds`.
        """
        embeds = self._flatten_embeds(reid_feats).reshape(
            -1, self.embed_channels).detach()
        ids = torch.cat(id_targets, 1).reshape(-1)
        target = embeds.new_zeros(ids.shape)
        valid = ids >= 0
        if bool(valid.any()):
            protos = self.reid_classifier.weight.detach()[ids[valid]]
            cos = (F.normalize(embeds[valid], dim=1) *
                   F.normalize(protos, dim=1)).sum(1)
            target[valid] = cos.clamp(min=0.0, max=1.0)
        return ids, target

    def _loss_idv(self, id_logits: List[Tensor], reid_feats: List[Tensor],
                  id_targets: List[Tensor]) -> Tensor:
        """Quality focal loss of V over all anchors."""
        pred = torch.cat([
            lg.permute(0, 2, 3, 1).reshape(lg.size(0), -1) for lg in id_logits
        ], 1).reshape(-1, 1)
        ids, score = self.idv_targets(reid_feats, id_targets)
        valid = ids >= 0
        # QFL labels: class 0 where the target is a positive's quality, the
        # background index (1) elsewhere.
        label = torch.where(valid, torch.zeros_like(ids),
                            torch.ones_like(ids))
        return self.loss_idv(
            pred, (label, score), avg_factor=max(int(valid.sum()), 1))

    def predict_by_feat(self,
                        cls_scores: List[Tensor],
                        bbox_preds: List[Tensor],
                        reid_feats: List[Tensor],
                        id_logits: Optional[List[Tensor]] = None,
                        **kwargs) -> InstanceList:
        """:meth:`BaseReIDHead.predict_by_feat`; V is not used."""
        return super().predict_by_feat(cls_scores, bbox_preds, reid_feats,
                                       **kwargs)
