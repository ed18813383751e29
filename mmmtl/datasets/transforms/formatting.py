"""Packing of detection inputs that keeps the Re-ID identities."""
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackReIDDetInputs(PackDetInputs):
    """``PackDetInputs`` that also packs the instance identities.

    mmdet's ``PackDetInputs`` drops ``gt_instances_ids`` (loaded by
    ``LoadTrackAnnotations``); this transform packs them into
    ``data_samples.gt_instances.instances_ids`` (G, ) next to ``bboxes``
    (G, 4) and ``labels`` (G, ), for the G boxes that are not ignored, in
    the same order. Ignored boxes (``gt_ignore_flags``) go to
    ``ignored_instances`` with their ids, as ``PackDetInputs`` does with
    boxes and labels.

    Args:
        meta_keys (Sequence[str]): Meta keys collected in the data
            sample's metainfo. Defaults to PackDetInputs' keys.
    """

    mapping_table = {
        **PackDetInputs.mapping_table, 'gt_instances_ids': 'instances_ids'
    }
