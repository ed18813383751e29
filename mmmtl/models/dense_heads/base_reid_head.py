"""Shared code of the one-shot RetinaNet heads with a Re-ID branch."""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.dense_heads import RetinaHead
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import (
    filter_scores_and_topk,
    images_to_levels,
    multi_apply,
    select_single_mlvl,
    unmap,
)
from mmdet.registry import MODELS
from mmdet.structures.bbox import cat_boxes, get_box_tensor
from mmdet.utils import (
    ConfigType,
    InstanceList,
    OptConfigType,
    OptInstanceList,
)
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

# Pedestrian-shaped single anchor (A = 1): MOT17's pedestrian boxes are
# mostly 2 to 3 times taller than wide (JDE's anchors use h/w = 3); h/w =
# 2.5 sits in that range. Base size 4 x stride gives anchors 20x51 px at
# P3 up to 324x810 px at P7, MOT17's range of heights at 608x1088 input.
PEDESTRIAN_ANCHOR = dict(
    type='AnchorGenerator',
    octave_base_scale=4,
    scales_per_octave=1,
    ratios=[2.5],
    strides=[8, 16, 32, 64, 128])

CLS_NORMALIZERS = ('num_pos', 'num_pos_neg')


class BaseReIDHead(RetinaHead):
    """RetinaNet head that also predicts a Re-ID embedding per anchor.

    All six tracking-head structures of the CE paper (Fig. 2) share this
    class: targets, the identity classifier and its loss, prediction with
    one embedding per kept box. Subclasses differ only in how the towers
    are wired (:meth:`_init_towers`, :meth:`_forward_towers`) and, for CE,
    in how the classification output is refined (:meth:`_refine_cls`).

    Re-ID (JDE/FairMOT style): a 1x1 conv maps the Re-ID feature to a
    ``D = embed_channels`` embedding per anchor; for training, the
    embeddings of positive anchors are L2-normalised, scaled by
    ``s = sqrt(2) * log(K - 1)`` (FairMOT's ``emb_scale``) and classified
    over the ``K = num_identities`` training identities with
    ``loss_reid`` (softmax focal loss, LWF eq. 6, by default). A positive
    anchor takes the identity of the ground truth it is assigned to; ground
    truth without identity (``instances_ids < 0`` or no ``instances_ids``
    at all) is left out of the Re-ID loss.

    Args:
        num_classes (int): Number of object classes.
        in_channels (int): Channels of the FPN features.
        num_identities (int): K, identities of the training set (numbered
            0..K-1 across all training videos).
        embed_channels (int): D, embedding size. Defaults to 128.
        loss_reid (dict): Identity classification loss. Defaults to
            ``ReIDFocalLoss(gamma=2)``; ``CrossEntropyLoss`` also works.
        reid_scale (float, optional): Scale of the normalised embedding
            before the classifier. Defaults to FairMOT's
            ``sqrt(2) * log(K - 1)``.
        anchor_generator (dict): One pedestrian-shaped anchor per location
            (A = 1, the papers' setting): aspect ratio h/w = 2.5, within
            the 2-3 of MOT17's pedestrians (JDE uses 3 for its anchors),
            size 4 x stride, i.e. heights of 51 px (P3) to 810 px (P7).
            Defaults to ``PEDESTRIAN_ANCHOR``.
        loss_cls (dict): Classification loss. Defaults to RetinaNet's
            sigmoid focal loss (gamma 2, alpha 0.25).
        loss_bbox (dict): Box loss. Defaults to RetinaNet's smooth L1
            (beta 1/9).
        cls_normalizer (str): Denominator of the classification loss:
            ``'num_pos'``, the number of positive anchors (RetinaNet's, the
            default), or ``'num_pos_neg'``, positives plus negatives (every
            anchor with a non-zero label weight), as eq. 1 of the LWF
            paper writes it. The choice rescales ``loss_cls`` by
            ``N_pos / (N_pos + N_neg)`` (1e-3 to 1e-2 on MOT17 frames), which
            matters to fixed weights (HWF) and to balancers that read the
            raw losses. The box and Re-ID losses stay normalised by the
            positives (eq. 4, 6). Defaults to ``'num_pos'``.
        **kwargs: ``RetinaHead`` arguments (``stacked_convs``,
            ``feat_channels``, ``anchor_generator``, ``loss_cls``, ...).

    Shapes: B images, A anchors per location, K classes, D embedding
    channels, (H, W) a level's size.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_identities: int,
                 embed_channels: int = 128,
                 loss_reid: ConfigType = dict(
                     type='ReIDFocalLoss', gamma=2.0, loss_weight=1.0),
                 reid_scale: Optional[float] = None,
                 anchor_generator: ConfigType = PEDESTRIAN_ANCHOR,
                 loss_cls: ConfigType = dict(
                     type='FocalLoss',
                     use_sigmoid=True,
                     gamma=2.0,
                     alpha=0.25,
                     loss_weight=1.0),
                 loss_bbox: ConfigType = dict(
                     type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0),
                 cls_normalizer: str = 'num_pos',
                 **kwargs) -> None:
        name = type(self).__name__
        if cls_normalizer not in CLS_NORMALIZERS:
            raise ValueError(
                f'{name}: bbox_head.cls_normalizer must be one of '
                f'{CLS_NORMALIZERS}, got {cls_normalizer!r}')
        self.cls_normalizer = cls_normalizer
        if not isinstance(num_identities, int) or num_identities <= 0:
            raise ValueError(f'{name}: bbox_head.num_identities must be a '
                             f'positive int, got {num_identities!r}')
        if not isinstance(embed_channels, int) or embed_channels <= 0:
            raise ValueError(f'{name}: bbox_head.embed_channels must be a '
                             f'positive int, got {embed_channels!r}')
        self.num_identities = num_identities
        self.embed_channels = embed_channels
        super().__init__(
            num_classes,
            in_channels,
            anchor_generator=anchor_generator,
            loss_cls=loss_cls,
            loss_bbox=loss_bbox,
            **kwargs)
        if self.stacked_convs == 0 and self.feat_channels != in_channels:
            raise ValueError(f'{name}: with stacked_convs=0, feat_channels '
                             f'({self.feat_channels}) must equal '
                             f'in_channels ({in_channels})')
        self.loss_reid = MODELS.build(loss_reid)
        self.reid_classifier = nn.Linear(embed_channels, num_identities)
        self.reid_scale = reid_scale if reid_scale is not None else (
            math.sqrt(2) * math.log(max(num_identities - 1, 2)))

    # ------------------------------------------------------------------
    # layers
    def _make_tower(self) -> nn.ModuleList:
        """``stacked_convs`` 3x3 ConvModules (conv + ReLU), RetinaNet's."""
        tower = nn.ModuleList()
        channels = self.in_channels
        for _ in range(self.stacked_convs):
            tower.append(
                ConvModule(
                    channels,
                    self.feat_channels,
                    3,
                    stride=1,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg))
            channels = self.feat_channels
        return tower

    @staticmethod
    def _run(tower: nn.ModuleList, x: Tensor) -> Tensor:
        for conv in tower:
            x = conv(x)
        return x

    def _init_towers(self) -> None:
        """Build the towers; subclasses override."""
        raise NotImplementedError

    def _forward_towers(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Return the (cls, reg, reid) features of one level."""
        raise NotImplementedError

    def _init_layers(self) -> None:
        """Towers of the variant, then the three output convs."""
        self.relu = nn.ReLU(inplace=True)
        self._init_towers()
        self.retina_cls = nn.Conv2d(
            self.feat_channels,
            self.num_base_priors * self.cls_out_channels,
            3,
            padding=1)
        self.retina_reg = nn.Conv2d(
            self.feat_channels,
            self.num_base_priors * self.bbox_coder.encode_size,
            3,
            padding=1)
        # 1x1: a light embedding layer (the papers' parameter counts leave
        # room for ~30k parameters here, not for a 3x3 256->128 conv)
        self.reid_embed = nn.Conv2d(
            self.feat_channels, self.num_base_priors * self.embed_channels,
            1)

    @property
    def last_shared_layer(self) -> Optional[str]:
        """str, optional: Path (in this head) of the last layer that all
        three tasks share, for gradient-based balancers (GradNorm). None:
        the towers are separate for at least one task, so the tasks share
        only the neck."""
        return None

    def _refine_cls(self, cls_score: Tensor, bbox_pred: Tensor) -> Tensor:
        """Hook for CE: refine the classification output with the box."""
        return cls_score

    @property
    def cls_activated(self) -> bool:
        """Whether ``cls_score`` holds probabilities instead of logits."""
        return False

    def forward_single(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Forward one FPN level.

        Args:
            x (Tensor): FPN feature (B, C, H, W).

        Returns:
            tuple[Tensor]: ``cls_score`` (B, A*K, H, W), ``bbox_pred``
            (B, A*4, H, W) and ``reid_feat`` (B, A*D, H, W), channels
            grouped per anchor.
        """
        cls_feat, reg_feat, reid_feat = self._forward_towers(x)
        cls_score = self.retina_cls(cls_feat)
        bbox_pred = self.retina_reg(reg_feat)
        reid = self.reid_embed(reid_feat)
        return self._refine_cls(cls_score, bbox_pred), bbox_pred, reid

    # ------------------------------------------------------------------
    # targets and losses
    def _get_targets_single(self,
                            flat_anchors,
                            valid_flags: Tensor,
                            gt_instances: InstanceData,
                            img_meta: dict,
                            gt_instances_ignore: Optional[InstanceData] = None,
                            unmap_outputs: bool = True) -> tuple:
        """AnchorHead's targets plus the identity target of every anchor.

        Returns:
            tuple: AnchorHead's seven items, then ``id_targets`` (N, ),
            the identity of the ground truth a positive anchor is assigned
            to, -1 for other anchors and for ground truth without identity.
        """
        results = super()._get_targets_single(
            flat_anchors, valid_flags, gt_instances, img_meta,
            gt_instances_ignore, unmap_outputs)
        pos_inds, sampling_result = results[4], results[6]
        inside_flags = anchor_inside_flags(flat_anchors, valid_flags,
                                           img_meta['img_shape'][:2],
                                           self.train_cfg['allowed_border'])
        num_inside = int(inside_flags.sum())
        id_targets = valid_flags.new_full((num_inside, ), -1,
                                          dtype=torch.long)
        gt_ids = gt_instances.get('instances_ids', None)
        if gt_ids is not None and len(pos_inds) > 0:
            gt_ids = torch.as_tensor(gt_ids, device=id_targets.device)
            id_targets[pos_inds] = gt_ids.long()[
                sampling_result.pos_assigned_gt_inds]
        if unmap_outputs:
            id_targets = unmap(
                id_targets, flat_anchors.size(0), inside_flags, fill=-1)
        return tuple(results) + (id_targets, )

    def loss_by_feat(
            self,
            cls_scores: List[Tensor],
            bbox_preds: List[Tensor],
            reid_feats: List[Tensor],
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """Classification, box and Re-ID losses.

        Args:
            cls_scores (list[Tensor]): Per level (B, A*K, H, W).
            bbox_preds (list[Tensor]): Per level (B, A*4, H, W).
            reid_feats (list[Tensor]): Per level (B, A*D, H, W).
            batch_gt_instances (list[InstanceData]): ``bboxes``, ``labels``
                and optionally ``instances_ids`` (G, ) per image.
            batch_img_metas (list[dict]): Image meta information.
            batch_gt_instances_ignore (list[InstanceData], optional):
                Ignored boxes.

        Returns:
            dict: ``loss_cls`` and ``loss_bbox`` (lists over levels) and
            ``loss_reid`` (a scalar).
        """
        losses, _ = self._losses_and_id_targets(
            cls_scores, bbox_preds, reid_feats, batch_gt_instances,
            batch_img_metas, batch_gt_instances_ignore)
        return losses

    def _losses_and_id_targets(
            self,
            cls_scores: List[Tensor],
            bbox_preds: List[Tensor],
            reid_feats: List[Tensor],
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            batch_gt_instances_ignore: OptInstanceList = None
    ) -> Tuple[dict, List[Tensor]]:
        """The losses of :meth:`loss_by_feat` and the identity targets.

        Returns:
            tuple[dict, list[Tensor]]: The loss dict and ``id_targets``
            per image (sum(H*W*A), ), -1 where an anchor has no identity.
        """
        featmap_sizes = [f.size()[-2:] for f in cls_scores]
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(
            featmap_sizes, batch_img_metas, device=device)
        (labels_list, label_weights_list, bbox_targets_list,
         bbox_weights_list, avg_factor, id_targets_list) = self.get_targets(
             anchor_list,
             valid_flag_list,
             batch_gt_instances,
             batch_img_metas,
             batch_gt_instances_ignore=batch_gt_instances_ignore)
        num_level_anchors = [a.size(0) for a in anchor_list[0]]
        all_anchor_list = images_to_levels(
            [cat_boxes(a) for a in anchor_list], num_level_anchors)
        losses_cls, losses_bbox = multi_apply(
            self.loss_by_feat_single,
            cls_scores,
            bbox_preds,
            all_anchor_list,
            labels_list,
            label_weights_list,
            bbox_targets_list,
            bbox_weights_list,
            avg_factor=avg_factor)
        if self.cls_normalizer == 'num_pos_neg':
            # mmdet divided by the positives (avg_factor); eq. 1 of LWF
            # divides by every anchor that counts (label weight > 0).
            num_pos_neg = sum(float((w > 0).sum()) for w in label_weights_list
                              if w is not None)
            scale = float(avg_factor) / max(num_pos_neg, 1.0)
            losses_cls = [loss * scale for loss in losses_cls]
        loss_reid = self._loss_reid(reid_feats, id_targets_list)
        losses = dict(
            loss_cls=losses_cls, loss_bbox=losses_bbox, loss_reid=loss_reid)
        return losses, id_targets_list

    def _flatten_embeds(self, reid_feats: List[Tensor]) -> Tensor:
        """(B, A*D, H, W) per level -> (B, sum(H*W*A), D), anchor order."""
        d = self.embed_channels
        return torch.cat([
            f.permute(0, 2, 3, 1).reshape(f.size(0), -1, d)
            for f in reid_feats
        ], 1)

    def _loss_reid(self, reid_feats: List[Tensor],
                   id_targets_list: List[Tensor]) -> Tensor:
        """Identity classification loss over positive anchors with an id."""
        embeds = self._flatten_embeds(reid_feats).reshape(
            -1, self.embed_channels)
        ids = torch.cat(id_targets_list, 1).reshape(-1)
        valid = ids >= 0
        if not bool(valid.any()):
            # no identity in the batch: a zero that keeps the graph
            return embeds.sum() * 0.0 + sum(
                p.sum() for p in self.reid_classifier.parameters()) * 0.0
        if int(ids[valid].max()) >= self.num_identities:
            raise ValueError(
                f'identity {int(ids[valid].max())} in the ground truth '
                f'exceeds bbox_head.num_identities={self.num_identities}; '
                'set it to the training set\'s number of identities')
        emb = self.reid_scale * F.normalize(embeds[valid], dim=1)
        logits = self.reid_classifier(emb)
        return self.loss_reid(
            logits, ids[valid], avg_factor=max(int(valid.sum()), 1))

    # ------------------------------------------------------------------
    # prediction
    def predict_by_feat(self,
                        cls_scores: List[Tensor],
                        bbox_preds: List[Tensor],
                        reid_feats: List[Tensor],
                        batch_img_metas: Optional[List[dict]] = None,
                        cfg: OptConfigType = None,
                        rescale: bool = False,
                        with_nms: bool = True) -> InstanceList:
        """Boxes, scores, labels and one embedding per kept box.

        Returns:
            list[InstanceData]: Per image ``bboxes`` (N, 4), ``scores``
            (N, ), ``labels`` (N, ) and ``embeds`` (N, D), L2-normalised.
        """
        num_levels = len(cls_scores)
        featmap_sizes = [cls_scores[i].shape[-2:] for i in range(num_levels)]
        mlvl_priors = self.prior_generator.grid_priors(
            featmap_sizes,
            dtype=cls_scores[0].dtype,
            device=cls_scores[0].device)
        result_list = []
        for img_id, img_meta in enumerate(batch_img_metas):
            results = self._predict_reid_single(
                select_single_mlvl(cls_scores, img_id, detach=True),
                select_single_mlvl(bbox_preds, img_id, detach=True),
                select_single_mlvl(reid_feats, img_id, detach=True),
                mlvl_priors, img_meta, cfg, rescale, with_nms)
            result_list.append(results)
        return result_list

    def _predict_reid_single(self, cls_score_list: List[Tensor],
                             bbox_pred_list: List[Tensor],
                             reid_list: List[Tensor],
                             mlvl_priors: List[Tensor], img_meta: dict,
                             cfg: OptConfigType, rescale: bool,
                             with_nms: bool) -> InstanceData:
        """One image: top-k per level, decode, NMS, keep embeddings."""
        cfg = ConfigDict(self.test_cfg if cfg is None else cfg)
        img_shape = img_meta['img_shape']
        nms_pre = cfg.get('nms_pre', -1)
        score_thr = cfg.get('score_thr', 0)
        dim = self.bbox_coder.encode_size
        bboxes_l, priors_l, scores_l, labels_l, embeds_l = [], [], [], [], []
        for cls_score, bbox_pred, reid, priors in zip(
                cls_score_list, bbox_pred_list, reid_list, mlvl_priors):
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, dim)
            cls_score = cls_score.permute(1, 2, 0).reshape(
                -1, self.cls_out_channels)
            reid = reid.permute(1, 2, 0).reshape(-1, self.embed_channels)
            if self.cls_activated:
                scores = cls_score
            elif self.use_sigmoid_cls:
                scores = cls_score.sigmoid()
            else:
                scores = cls_score.softmax(-1)[:, :-1]
            scores, labels, _, kept = filter_scores_and_topk(
                scores, score_thr, nms_pre,
                dict(bbox_pred=bbox_pred, priors=priors, reid=reid))
            bboxes_l.append(kept['bbox_pred'])
            priors_l.append(kept['priors'])
            embeds_l.append(kept['reid'])
            scores_l.append(scores)
            labels_l.append(labels)
        bbox_pred = torch.cat(bboxes_l)
        priors = cat_boxes(priors_l)
        bboxes = self.bbox_coder.decode(priors, bbox_pred, max_shape=img_shape)
        results = InstanceData()
        results.bboxes = get_box_tensor(bboxes)
        results.scores = torch.cat(scores_l)
        results.labels = torch.cat(labels_l)
        results.embeds = F.normalize(torch.cat(embeds_l), dim=1)
        return self._bbox_post_process(
            results=results,
            cfg=cfg,
            rescale=rescale,
            with_nms=with_nms,
            img_meta=img_meta)
