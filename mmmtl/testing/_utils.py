"""Tiny models and inputs for tests, benchmarks and the quickstart."""
import os.path as osp
from typing import List, Tuple

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData
from torch import Tensor

# the six head structures of the CE paper's Fig. 2, (a) to (f)
HEAD_TYPES = ('TripleBranchHead', 'JointBranchHead', 'SharedBranchHead',
              'DoubleBranchClsHead', 'DoubleBranchRegHead', 'CEHead')


def _base_cfg(*parts: str) -> dict:
    """A config file of ``configs/_base_``, as plain dicts.

    Read from the copy shipped under ``mmmtl/.mim/configs`` (a link to the
    checkout for editable installs), so the tests and benchmarks build the
    same layout as the configs, from one definition.

    Args:
        *parts (str): Path below ``configs/_base_``, e.g.
            ``('models', 'retinanet-reid_r50_fpn.py')``.

    Returns:
        dict: The whole config.
    """
    path = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim', 'configs',
        '_base_', *parts)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} is missing: reinstall mmmtl (pip install -e . creates '
            'the .mim links; see docs/get_started.md)')
    return Config.fromfile(path).to_dict()


def _base_detector_cfg() -> dict:
    """The detector of ``configs/_base_/models/retinanet-reid_r50_fpn.py``."""
    return _base_cfg('models', 'retinanet-reid_r50_fpn.py')['detector']


def _with_head(detector: dict, head: str, num_identities: int) -> dict:
    """Set the head type, identity count and an input normaliser."""
    detector['bbox_head'].update(type=head, num_identities=num_identities)
    # OneShotMOT normalises frames for the configs; a bare detector needs
    # its own pre-processor
    detector['data_preprocessor'] = dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32)
    return detector


def tiny_detector_cfg(head: str = 'CEHead',
                      num_identities: int = 8,
                      **head_overrides) -> dict:
    """A RetinaNet with a Re-ID head, small enough for CPU unit tests.

    The configs' detector (:func:`r50_detector_cfg`) shrunk: ResNet-18 with
    8 base channels (stages 2-4 out), FPN with 16 channels on 3 levels
    (strides 8, 16, 32), one 16-channel conv per tower, 8-d embeddings,
    CE width 16. No pretrained weights.

    Args:
        head (str): Registered head type. Defaults to 'CEHead'.
        num_identities (int): Identities of the classifier. Defaults to 8.
        **head_overrides: Entries that replace the head's config values.

    Returns:
        dict: A config dict for ``MODELS.build``.
    """
    cfg = _with_head(_base_detector_cfg(), head, num_identities)
    cfg['backbone'] = dict(
        type='ResNet',
        depth=18,
        base_channels=8,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        zero_init_residual=False,
        style='pytorch')
    cfg['neck'].update(
        in_channels=[16, 32, 64],
        out_channels=16,
        start_level=0,
        add_extra_convs=False,
        num_outs=3)
    bbox_head = cfg['bbox_head']
    bbox_head.update(
        in_channels=16, stacked_convs=1, feat_channels=16, embed_channels=8)
    bbox_head['anchor_generator']['strides'] = [8, 16, 32]
    if head == 'CEHead':
        bbox_head['ce_cfg'] = dict(topk=2, hidden_channels=16)
    bbox_head.update(head_overrides)
    cfg['test_cfg'].update(nms_pre=200, max_per_img=50)
    return cfg


def tiny_mot_cfg(head: str = 'CEHead',
                 num_identities: int = 8,
                 scale: Tuple[int, int] = (96, 64),
                 **tracker_overrides) -> dict:
    """A whole OneShotMOT config around :func:`tiny_detector_cfg`.

    The model (data pre-processor, tracker) comes from
    ``configs/_base_/models/oneshot-mot_retinanet_r50_fpn.py`` and the test
    pipeline from the MOT17 dataset base, resized to ``scale``; enough for
    tools that build a model and read frames (demo, benchmarks, FLOPs).

    Args:
        head (str): Registered head type. Defaults to 'CEHead'.
        num_identities (int): Identities of the classifier. Defaults to 8.
        scale (tuple[int, int]): (W, H) of the test ``Resize``.
            Defaults to (96, 64).
        **tracker_overrides: Entries that replace the tracker's values.

    Returns:
        dict: A config dict for ``mmengine.Config``.
    """
    model = _base_cfg('models', 'oneshot-mot_retinanet_r50_fpn.py')['model']
    model['detector'] = tiny_detector_cfg(head, num_identities)
    # OneShotMOT's TrackDataPreprocessor normalises the frames
    model['detector']['data_preprocessor'] = None
    model['tracker'].update(tracker_overrides)
    pipeline = _base_cfg('datasets',
                         'mot17_halftrain_test-mot17halfval.py')['test_pipeline']
    resizes = [
        t for t in pipeline[0]['transforms'] if t['type'] == 'Resize'
    ]
    if len(resizes) != 1:
        raise KeyError('the MOT17 test pipeline has no single Resize')
    resizes[0].update(scale=scale, keep_ratio=True)
    return dict(
        default_scope='mmdet',
        custom_imports=dict(imports=['mmmtl'], allow_failed_imports=False),
        model=model,
        test_dataloader=dict(dataset=dict(pipeline=pipeline)))


def demo_det_inputs(batch: int = 2,
                    size: Tuple[int, int] = (96, 96),
                    num_ids: int = 4,
                    seed: int = 0) -> Tuple[Tensor, List[DetDataSample]]:
    """Synthetic images with pedestrian-shaped boxes and identities.

    Each identity has its own colour and a fixed box size; it is drawn as a
    filled rectangle on a grey background at a random place.

    Args:
        batch (int): Number of images B. Defaults to 2.
        size (tuple[int, int]): (H, W). Defaults to (96, 96).
        num_ids (int): Identities; each image shows all of them (or as many
            as fit). Defaults to 4.
        seed (int): Random seed. Defaults to 0.

    Returns:
        tuple: ``inputs`` (B, 3, H, W) float in [0, 255] (normalise with the
        detector's data preprocessor or feed as is) and a list of B
        ``DetDataSample`` with ``gt_instances`` (``bboxes`` (G, 4),
        ``labels`` (G, ), ``instances_ids`` (G, )) and the meta keys heads
        need.
    """
    g = torch.Generator().manual_seed(seed)
    h, w = size
    colours = torch.rand(num_ids, 3, generator=g) * 255
    inputs = torch.full((batch, 3, h, w), 110.0)
    samples = []
    for b in range(batch):
        boxes, ids = [], []
        for i in range(num_ids):
            bh = int(h * (0.35 + 0.1 * (i % 3)))
            bw = max(4, int(bh / 2.5))
            x0 = int(torch.randint(0, w - bw, (1, ), generator=g))
            y0 = int(torch.randint(0, h - bh, (1, ), generator=g))
            inputs[b, :, y0:y0 + bh, x0:x0 + bw] = colours[i].view(3, 1, 1)
            boxes.append([x0, y0, x0 + bw, y0 + bh])
            ids.append(i)
        meta = dict(
            img_shape=(h, w),
            ori_shape=(h, w),
            pad_shape=(h, w),
            batch_input_shape=(h, w),
            scale_factor=(1.0, 1.0),
            img_id=b,
            frame_id=b)
        sample = DetDataSample(metainfo=meta)
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.zeros(len(boxes), dtype=torch.long),
            instances_ids=torch.tensor(ids, dtype=torch.long))
        samples.append(sample)
    return inputs, samples


def r50_detector_cfg(head: str = 'CEHead',
                     num_identities: int = 500,
                     **head_overrides) -> dict:
    """The papers' RetinaNet-R50-FPN with a Re-ID head, no weights.

    ``configs/_base_/models/retinanet-reid_r50_fpn.py`` (P3-P7 with 256
    channels, 4-conv towers, A = 1, 128-d embeddings) without the
    pretrained backbone; for complexity counts and benchmarks.

    Args:
        head (str): Registered head type. Defaults to 'CEHead'.
        num_identities (int): Identities of the classifier. Defaults to 500.
        **head_overrides: Entries that replace the head's config values.

    Returns:
        dict: A config dict for ``MODELS.build``.
    """
    cfg = _with_head(_base_detector_cfg(), head, num_identities)
    cfg['backbone'].pop('init_cfg', None)
    cfg['bbox_head'].update(head_overrides)
    cfg['test_cfg'].update(nms_pre=1000, max_per_img=100)
    return cfg


def shrink_mot_config(cfg: Config,
                      data_root: str,
                      num_identities: int,
                      work_dir: str,
                      img_scale: Tuple[int, int] = (160, 96),
                      max_iters: int = 2,
                      batch_size: int = 2) -> Config:
    """A shipped MOT config made small enough to train and test on a CPU.

    Only what a lab would change to try a config on small data is changed:
    ``data_root`` of every data loader (and of the evaluators' ``gt_root``
    below it), the detector's widths (the
    backbone, neck and head channels of :func:`tiny_detector_cfg`; the head
    type, its losses, the loss balancer and the tracker stay the config's),
    the input size, ``num_identities`` (the converter's count), a few
    training iterations without pretrained weights, and no worker
    processes, seed 0. Evaluators and their options stay as they are.

    Args:
        cfg (Config): The loaded config; changed in place.
        data_root (str): Dataset root (ends with ``/``).
        num_identities (int): Identities of the training subset.
        work_dir (str): Work directory.
        img_scale (tuple[int, int]): ``(W, H)`` of the resizes, crops and
            pads. Defaults to ``(160, 96)``.
        max_iters (int): Training iterations. Defaults to 2.
        batch_size (int): Training batch size. Defaults to 2.

    Returns:
        Config: ``cfg``.
    """
    tiny = tiny_detector_cfg(cfg.model.detector.bbox_head.type,
                             num_identities)
    det = cfg.model.detector
    det.backbone = tiny['backbone']
    det.neck = tiny['neck']
    head = det.bbox_head
    for key in ('in_channels', 'stacked_convs', 'feat_channels',
                'embed_channels', 'num_identities'):
        head[key] = tiny['bbox_head'][key]
    head.anchor_generator.strides = tiny['bbox_head']['anchor_generator'][
        'strides']
    if 'ce_cfg' in tiny['bbox_head']:
        head.ce_cfg = tiny['bbox_head']['ce_cfg']
    det.test_cfg.update(nms_pre=200, max_per_img=50)

    def shrink(pipeline):
        for t in pipeline:
            if 'transforms' in t:
                shrink(t['transforms'])
            key = dict(RandomResize='scale', Resize='scale',
                       RandomCrop='crop_size', Pad='size').get(t['type'])
            if key:
                t[key] = img_scale

    old_root = cfg.get('data_root')
    for name in ('val_evaluator', 'test_evaluator'):
        metric = cfg.get(name)
        # the ground-truth folder lives under the data root
        if metric and old_root and str(metric.get('gt_root')).startswith(
                old_root):
            metric.gt_root = data_root + metric.gt_root[len(old_root):]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if not loader:
            continue
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
        shrink(loader.dataset.pipeline)
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_dataloader.dataset.filter_cfg = dict(
        filter_empty_gt=True, min_size=4)
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=max_iters,
        val_interval=max_iters + 1)
    cfg.param_scheduler = [
        dict(type='ConstantLR', factor=1.0, by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=max_iters, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(by_epoch=False)
    cfg.data_root = data_root
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    cfg.num_identities = num_identities
    return cfg


def random_init_model(cfg: Config, seed: int = 0) -> torch.nn.Module:
    """The config's model with its own initialisation, seeded and quiet.

    For smoke tests and speed benchmarks, where no trained weights exist:
    ``init_weights`` runs (mmengine would log every parameter; only
    warnings are kept) with ``torch.manual_seed(seed)`` first, so two calls
    give the same weights.

    Args:
        cfg (Config): A config with ``model`` (mmdet's scope is set by the
            caller).
        seed (int): Seed of the initialisation. Defaults to 0.

    Returns:
        nn.Module: The model in eval mode, on the CPU.
    """
    import logging

    from mmdet.registry import MODELS
    from mmengine.logging import MMLogger
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.eval()


def save_checkpoint(model: torch.nn.Module,
                    path: str,
                    classes: Tuple[str, ...] = ('pedestrian', )) -> str:
    """Save ``model``'s weights as mmmtl's loaders read a checkpoint.

    Args:
        model (nn.Module): The model.
        path (str): The ``.pth`` file to write.
        classes (tuple[str]): ``meta.dataset_meta.classes``. Defaults to
            ``('pedestrian', )``.

    Returns:
        str: ``path``.
    """
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=tuple(classes)))), path)
    return path


class DroppingCapture:
    """A ``cv2.VideoCapture`` stand-in whose stream drops after ``n``
    frames (a camera or network stream that stops delivering).

    Args:
        frames (Sequence[np.ndarray]): The frames it delivers, in order.
        n (int): How many it delivers before ``read`` fails.
        fps (float): What ``get(cv2.CAP_PROP_FPS)`` answers.
    """

    def __init__(self, frames, n: int, fps: float = 15.0) -> None:
        self.frames, self.n, self.fps, self.i = frames, n, fps, 0
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802  (cv2's name)
        return not self.released

    def read(self):
        if self.i >= self.n:
            return False, None
        self.i += 1
        return True, self.frames[self.i - 1]

    def get(self, prop: int) -> float:
        import cv2
        return self.fps if prop == cv2.CAP_PROP_FPS else 0.0

    def release(self) -> None:
        self.released = True
