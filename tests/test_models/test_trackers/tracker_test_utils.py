"""Scenes for the tracker tests: frames of scripted detections, boxes,
unit embeddings and the identities of the output boxes."""
import numpy as np
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_overlaps
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the tracker)

EMB_DIM = 16


def make_frame(frame_id, bboxes, embeds, labels=None, scores=None,
               **metainfo):
    """A DetDataSample holding the detections of one frame (score 0.9 and
    label 0 unless given)."""
    bboxes = torch.as_tensor(np.asarray(bboxes, np.float32).reshape(-1, 4))
    n = bboxes.shape[0]
    embeds = np.asarray(embeds, np.float32)
    if embeds.ndim != 2:
        embeds = embeds.reshape(n, EMB_DIM)
    sample = DetDataSample(metainfo=dict(frame_id=frame_id, **metainfo))
    sample.pred_instances = InstanceData(
        bboxes=bboxes,
        scores=torch.full((n, ), 0.9) if scores is None else torch.as_tensor(
            np.asarray(scores, np.float32)),
        labels=torch.zeros(n, dtype=torch.long)
        if labels is None else torch.as_tensor(labels, dtype=torch.long),
        embeds=torch.as_tensor(embeds))
    return sample


def box(cx, cy, w=40., h=100.):
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def unit(v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def build(**kwargs):
    return MODELS.build(dict(type='JDETracker', **kwargs))


def ids_at(res, boxes):
    """Identity of the output box overlapping each of ``boxes`` most, or
    None when no output box overlaps it by IoU > 0.5."""
    out = []
    for b in boxes:
        if len(res) == 0:
            out.append(None)
            continue
        ious = bbox_overlaps(res.bboxes, torch.tensor([b]))[:, 0]
        out.append(int(res.instances_id[ious.argmax()])
                   if ious.max() > 0.5 else None)
    return out
