"""Write what the network gave each test frame, before the tracker."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmmtl.formats import (
    SequenceDetections,
    cache_path,
    write_detection_cache,
)


@HOOKS.register_module()
class DetectionCacheHook(Hook):
    """Save a test run's detections as a detection cache.

    For every test sequence the hook writes ``<out_dir>/<SEQ>.npz``
    (:mod:`mmmtl.formats.detection_cache`): each frame's boxes, scores,
    labels and Re-ID embeddings exactly as the detector handed them to
    the tracker, with the frame size, frame rate and frame paths. Replaying
    the tracker over the cache
    (``tools/analysis_tools/replay_tracker.py``) then gives the numbers of
    the test run without running the network.

    The model must be a :class:`~mmmtl.models.OneShotMOT` (it keeps the
    embeddings of its detections while the hook is active).

    Args:
        out_dir (str): Folder of the cache files (created).
        embed_dtype (str): ``'float32'`` (replay equals the test run
            exactly) or ``'float16'`` (half the size). Defaults to
            ``'float32'``.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, embed_dtype: str = 'float32') -> None:
        if embed_dtype not in ('float32', 'float16'):
            raise ValueError("DetectionCacheHook: embed_dtype must be "
                             f"'float32' or 'float16', got {embed_dtype!r}")
        self.out_dir = out_dir
        self.embed_dtype = embed_dtype
        self._open: Dict[str, dict] = {}
        self.written: List[str] = []

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_test(self, runner) -> None:
        """Check the output folder and switch on the embeddings."""
        model = self._model(runner)
        if not hasattr(model, 'keep_det_embeds'):
            raise TypeError(
                f'DetectionCacheHook: {type(model).__name__} cannot hand '
                'its detection embeddings to the hook; use OneShotMOT')
        data_root = runner.cfg.get('test_dataloader', {}).get(
            'dataset', {}).get('data_root')
        out = osp.realpath(self.out_dir)
        if data_root and (out + os.sep).startswith(
                osp.realpath(data_root) + os.sep):
            raise ValueError(
                f'DetectionCacheHook: the cache folder {self.out_dir} lies '
                f'inside the test data {data_root}; choose another folder')
        os.makedirs(self.out_dir, exist_ok=True)
        model.keep_det_embeds = True
        self._open.clear()
        self.written = []
        self._meta = dict(
            config=getattr(runner.cfg, 'filename', None),
            checkpoint=runner.cfg.get('load_from'),
            data_root=data_root,
            gt_root=runner.cfg.get('test_evaluator', {}).get('gt_root')
            if isinstance(runner.cfg.get('test_evaluator'), dict) else None)
        classes = runner.test_dataloader.dataset.metainfo.get('classes')
        self._meta['classes'] = list(classes) if classes else None

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        """Collect the frames of this iteration; write finished
        sequences."""
        for track_sample in outputs or []:
            for frame in track_sample:
                self._add(frame)

    def _add(self, frame) -> None:
        meta = frame.metainfo
        pred = frame.pred_det_instances
        if 'embeds' not in pred:
            raise KeyError('DetectionCacheHook: the detections carry no '
                           'embeds; the model did not keep them')
        name = meta['img_path'].split(os.sep)[-3]
        length = int(meta.get('ori_video_length', meta.get('video_length')))
        seq = self._open.setdefault(name, dict(frames={}, length=length,
                                               meta=self._frame_meta(meta)))
        seq['frames'][int(meta['frame_id'])] = (
            pred.bboxes.detach().cpu().numpy(),
            pred.scores.detach().cpu().numpy(),
            pred.labels.detach().cpu().numpy(),
            pred.embeds.detach().float().cpu().numpy(),
            meta['img_path'])
        if len(seq['frames']) == length:
            self._write(name)

    @staticmethod
    def _frame_meta(meta: dict) -> dict:
        h, w = meta['ori_shape'][:2]
        scale = meta.get('scale_factor')
        rate = meta.get('frame_rate')
        return dict(
            frame_size=[int(w), int(h)],
            img_shape=[int(v) for v in meta['img_shape'][:2]],
            scale_factor=None if scale is None else
            [float(v) for v in np.asarray(scale).reshape(-1)[:2]],
            frame_rate=None if rate is None else float(rate))

    def _write(self, name: str) -> None:
        seq = self._open.pop(name)
        ids = sorted(seq['frames'])
        if ids != list(range(len(ids))):
            print_log(
                f'DetectionCacheHook: {name} has frames {ids[0]}..'
                f'{ids[-1]} with gaps; its cache keeps them in order',
                logger='current', level=30)
        frames = [seq['frames'][i] for i in ids]
        meta = dict(self._meta, **seq['meta'])
        meta['img_paths'] = [f[4] for f in frames]
        det = SequenceDetections.from_frames(
            name, [f[:4] for f in frames], meta, self.embed_dtype)
        path = cache_path(self.out_dir, name)
        write_detection_cache(path, det)
        self.written.append(path)

    def after_test_epoch(self, runner, metrics=None) -> None:
        """Write sequences whose last frame never came, and switch the
        embeddings off again."""
        for name in list(self._open):
            seq = self._open[name]
            print_log(
                f'DetectionCacheHook: {name} ended after '
                f'{len(seq["frames"])} of {seq["length"]} frames; its cache '
                'holds those', logger='current', level=30)
            self._write(name)
        self._model(runner).keep_det_embeds = False
        print_log(
            f'Detection cache: {len(self.written)} sequence(s) in '
            f'{self.out_dir}', logger='current')
