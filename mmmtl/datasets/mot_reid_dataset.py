"""Frames of MOTChallenge videos with Re-ID identities, for training."""
import copy
import math
import os.path as osp
import warnings
from typing import List, Optional

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS
from mmengine.fileio import get_local_path


@DATASETS.register_module()
class MOTReIDDataset(CocoDataset):
    """Single frames of MOT videos whose boxes carry a global identity.

    Reads the CocoVID json files of
    :func:`mmmtl.datasets.converters.convert_mot_to_coco` (or
    ``tools/dataset_converters/mot2coco.py``). One sample is one frame,
    as for a detector; each instance gets the annotation's ``reid_id``
    (unique across the videos of the split, ``0 .. K-1``) as
    ``instance_id``, so mmdet's ``LoadTrackAnnotations`` loads it as
    ``gt_instances_ids`` and :class:`PackReIDDetInputs` packs it into
    ``gt_instances.instances_ids``. ``metainfo['num_identities']`` is ``K``,
    read from the file.

    Boxes without identity (``reid_id == -1``: other classes, boxes marked
    not to be considered) are left out, as are boxes with visibility below
    ``visibility_thr``, boxes outside the image and boxes narrower or lower
    than one pixel.

    Invalid annotations are an error that names the annotation file and the
    annotation id: a box with a non-finite value or a non-positive width or
    height, a ``reid_id`` outside ``-1 .. K-1``, a frame whose image is
    missing on disk (checked for local files). With
    ``invalid='skip'`` they are left out instead, and one warning lists
    them all.

    Args:
        visibility_thr (float): Minimum visibility of a box to be kept.
            Defaults to -1 (keep all).
        invalid (str): ``'error'`` or ``'skip'``, see above.
            Defaults to ``'error'``.
        **kwargs: Arguments of :class:`mmdet.datasets.CocoDataset`. The
            image folder is ``data_prefix['img']`` (or
            ``data_prefix['img_path']``); with ``filter_cfg=dict(
            filter_empty_gt=True)`` frames left without any box are
            skipped.
    """

    METAINFO = {'classes': ('pedestrian', ), 'palette': [(220, 20, 60)]}

    def __init__(self,
                 visibility_thr: float = -1,
                 invalid: str = 'error',
                 **kwargs) -> None:
        if invalid not in ('error', 'skip'):
            raise ValueError(
                f"invalid must be 'error' or 'skip', got {invalid!r}")
        self.visibility_thr = visibility_thr
        self.invalid = invalid
        self.num_identities = 0
        self._invalid_found: List[str] = []
        super().__init__(**kwargs)

    def _reject(self, what: str) -> None:
        """Raise on an invalid annotation, or note it for one warning."""
        if self.invalid == 'error':
            raise ValueError(
                f'{self.ann_file}: {what} (pass invalid=\'skip\' to the '
                'dataset to leave such annotations out with a warning)')
        self._invalid_found.append(what)

    def load_data_list(self) -> List[dict]:
        """Load the frames and ``num_identities`` from ``self.ann_file``.

        Returns:
            list[dict]: One data info per frame.
        """
        with get_local_path(
                self.ann_file, backend_args=self.backend_args) as local_path:
            self.coco = self.COCOAPI(local_path)
        if 'num_identities' not in self.coco.dataset:
            raise KeyError(
                f'{self.ann_file} has no top-level "num_identities": convert '
                'the data with tools/dataset_converters/mot2coco.py of mmmtl '
                '(mmdet\'s converter gives no Re-ID identities)')
        self.num_identities = int(self.coco.dataset['num_identities'])
        self._metainfo['num_identities'] = self.num_identities
        self.cat_ids = self.coco.get_cat_ids(
            cat_names=self.metainfo['classes'])
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.cat_img_map = copy.deepcopy(self.coco.cat_img_map)

        data_list = []
        self._invalid_found = []
        for img_id in self.coco.get_img_ids():
            raw_img_info = self.coco.load_imgs([img_id])[0]
            raw_img_info['img_id'] = img_id
            raw_ann_info = self.coco.load_anns(
                self.coco.get_ann_ids(img_ids=[img_id]))
            data_info = self.parse_data_info(
                dict(raw_img_info=raw_img_info, raw_ann_info=raw_ann_info))
            if data_info is not None:
                data_list.append(data_info)
        del self.coco
        if self._invalid_found:
            warnings.warn(
                f'{self.ann_file}: left out {len(self._invalid_found)} '
                'invalid annotations (invalid=\'skip\'): '
                + '; '.join(self._invalid_found))
        return data_list

    def _image_missing(self, img_path: str) -> bool:
        """Whether a local image file is missing (remote files are not
        checked)."""
        if self.backend_args is not None or '://' in img_path:
            return False
        return not osp.isfile(img_path)

    @staticmethod
    def _bad_box(bbox: object) -> Optional[str]:
        """Why a COCO ``[x, y, w, h]`` box is invalid, or None."""
        try:
            values = [float(v) for v in bbox]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return f'box {bbox!r} is not four numbers'
        if len(values) != 4:
            return f'box {bbox!r} is not four numbers'
        if not all(math.isfinite(v) for v in values):
            return f'box {values} has a non-finite value'
        if values[2] <= 0 or values[3] <= 0:
            return (f'box {values} has a non-positive width or height')
        return None

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        """Parse one frame and its annotations.

        Args:
            raw_data_info (dict): ``raw_img_info`` and ``raw_ann_info``
                loaded from ``ann_file``.

        Returns:
            dict | None: None for a frame whose image is missing (with
            ``invalid='skip'``), else ``img_path``, ``img_id``, ``height``,
            ``width``,
            ``video_id``, ``frame_id`` and ``instances`` (each with
            ``bbox`` (x1, y1, x2, y2), ``bbox_label``, ``ignore_flag`` and
            ``instance_id`` = the global identity).
        """
        img_info = raw_data_info['raw_img_info']
        prefix = self.data_prefix.get('img',
                                      self.data_prefix.get('img_path', ''))
        data_info = dict(
            img_path=osp.join(prefix, img_info['file_name']),
            img_id=img_info['img_id'],
            seg_map_path=None,
            height=img_info['height'],
            width=img_info['width'],
            video_id=img_info.get('video_id', -1),
            frame_id=img_info.get('frame_id', -1))
        if self._image_missing(data_info['img_path']):
            self._reject(f'image {img_info["img_id"]} '
                         f'({data_info["img_path"]}) is missing on disk')
            return None
        instances = []
        for ann in raw_data_info['raw_ann_info']:
            if 'reid_id' not in ann:
                raise KeyError(
                    f'{self.ann_file}: annotation {ann.get("id")} has no '
                    '"reid_id"; convert the data with '
                    'tools/dataset_converters/mot2coco.py of mmmtl')
            reid_id = ann['reid_id']
            if reid_id == -1:
                continue
            if not -1 <= reid_id < self.num_identities:
                self._reject(
                    f'annotation {ann.get("id")} has reid_id {reid_id} '
                    f'outside -1 .. num_identities - 1 = '
                    f'{self.num_identities - 1}')
                continue
            bad = self._bad_box(ann.get('bbox'))
            if bad is not None:
                self._reject(f'annotation {ann.get("id")}: {bad}')
                continue
            if ann.get('visibility', 1.0) < self.visibility_thr:
                continue
            if ann['category_id'] not in self.cat_ids:
                continue
            x1, y1, w, h = ann['bbox']
            inter_w = max(0, min(x1 + w, img_info['width']) - max(x1, 0))
            inter_h = max(0, min(y1 + h, img_info['height']) - max(y1, 0))
            if inter_w * inter_h == 0 or w < 1 or h < 1:
                continue
            instances.append(
                dict(
                    bbox=[x1, y1, x1 + w, y1 + h],
                    bbox_label=self.cat2label[ann['category_id']],
                    ignore_flag=int(bool(ann.get('iscrowd', False))),
                    instance_id=int(reid_id)))
        data_info['instances'] = instances
        return data_info

    def filter_data(self) -> List[dict]:
        """CocoDataset's filter, plus frames left without any box.

        CocoDataset's ``filter_empty_gt`` looks at the raw annotations,
        which include the boxes this dataset leaves out.

        Returns:
            list[dict]: The kept data infos.

        Raises:
            ValueError: If no frame is left for training.
        """
        data_list = super().filter_data()
        if (not self.test_mode and self.filter_cfg is not None
                and self.filter_cfg.get('filter_empty_gt', False)):
            data_list = [d for d in data_list if d['instances']]
            if not data_list:
                raise ValueError(
                    f'{self.ann_file}: no frame has a box with an identity '
                    f'after filtering (visibility_thr={self.visibility_thr}, '
                    f'filter_cfg={self.filter_cfg})')
        return data_list
