"""MOTChallenge metric for training-time validation and testing."""
import os
import os.path as osp
import warnings
from collections import defaultdict
from typing import List, Optional, Sequence, Union

import numpy as np
import pandas as pd
from mmdet.evaluation.metrics import MOTChallengeMetric
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from .mot_io import (
    SeqInfo,
    read_mot_gt,
    read_seqinfo,
    write_mot_gt,
    write_mot_results,
    write_seqinfo,
)
from .offline_eval import (
    ALL_METRICS,
    OVERALL,
    MOTSequence,
    compare_backends,
    eval_motmetrics,
    eval_trackeval,
    format_table,
)

# Output keys of each metric family of MOTChallengeMetric's ``metric`` arg.
_FAMILY_KEYS = dict(
    HOTA=('HOTA', 'DetA', 'AssA'),
    CLEAR=('MOTA', 'MOTP', 'MT', 'ML', 'FP', 'FN', 'IDS', 'Rcll', 'Prcn',
           'Frag'),
    Identity=('IDF1', 'IDP', 'IDR'))
_DISTRACTOR_NAMES = ('person_on_vehicle', 'static_person', 'distractor',
                     'reflection')


@METRICS.register_module()
class MMMTLMOTMetric(MOTChallengeMetric):
    """Official MOTChallenge evaluation (TrackEval) of tracking outputs.

    Takes the data flow of mmdet's :class:`MOTChallengeMetric` (one data
    sample per frame with ``pred_track_instances``; sequence name from the
    ``<SEQ>/img1/<frame>.jpg`` image path; ground truth from the
    ``instances`` of a :class:`MOTChallengeDataset`) and evaluates with
    :func:`mmmtl.evaluation.eval_trackeval`, the same code as
    ``tools/eval_mot.py``. Differences to the parent:

    - A sequence without any ground-truth box or prediction is evaluated
      (the parent writes no ground-truth file for it and TrackEval
      fails); frames without predictions count as frames with misses, and
      tracklet post-processing is skipped for a sequence without
      predictions instead of failing.
    - Ground truth keeps sub-pixel coordinates (the parent truncates them
      to integers) and is validated by
      :func:`~mmmtl.evaluation.read_mot_gt`.
    - ``track_iou_thr`` is used (the parent always uses 0.5).
    - With ``gt_root``, ground truth is read from MOTChallenge files
      ``<gt_root>/<SEQ>/gt/gt.txt`` instead of the dataset's
      ``instances``, which miss boxes lying outside the image and, when
      the dataset keeps only pedestrians, the distractor boxes the
      official evaluation needs (predictions matched to them are
      dropped, not counted as false positives). Frames are numbered
      ``frame_id + 1`` within the evaluated clip in both cases, so for
      the half-validation split use the renumbered ground truth that
      :func:`mmmtl.datasets.convert_mot_to_coco` writes to
      ``<out_dir>/half-val_gt``; ``seqLength`` must equal the number of
      evaluated frames.
    - Per-sequence and combined tables are logged; result files hold
      only ``<SEQ>.txt`` (no seqmap), ready for submission.
    - ``cross_check=True`` also runs py-motmetrics and reports where it
      disagrees with TrackEval on MOTA, IDF1, FP, FN or IDS.

    Returned values are the combined (``OVERALL``) row: percentages in
    ``[0, 100]`` for HOTA, DetA, AssA, MOTA, MOTP, Rcll, Prcn, IDF1, IDP,
    IDR; counts for MT, ML, FP, FN, IDS, Frag, GT_IDs.

    Args:
        metric (str | list[str]): Families to report: ``'HOTA'``,
            ``'CLEAR'``, ``'Identity'``. Defaults to all three.
        outfile_prefix (str, optional): Folder for result files; they go
            to ``<outfile_prefix>/default-tracker/<SEQ>.txt`` and the
            tables to ``<outfile_prefix>/mot_metrics.csv``. The folder is
            emptied first. Defaults to None (a temporary folder).
        track_iou_thr (float): IoU threshold of CLEAR and Identity
            matching. Defaults to 0.5.
        benchmark (str): ``'MOT15'``, ``'MOT16'``, ``'MOT17'`` or
            ``'MOT20'``; selects the distractor classes. Defaults to
            ``'MOT17'``.
        format_only (bool): Only write result files. Defaults to False.
        use_postprocess (bool): See :class:`MOTChallengeMetric`.
            Defaults to False.
        postprocess_tracklet_cfg (list[dict], optional): Tracklet
            post-processing, e.g. ``[dict(type='InterpolateTracklets')]``.
            Defaults to None.
        gt_root (str, optional): MOTChallenge folder holding
            ``<SEQ>/seqinfo.ini`` and ``<SEQ>/<gt_file>`` of the evaluated
            clips, frames numbered from 1. Defaults to None (ground truth
            from the dataset's ``instances``).
        gt_file (str): Ground-truth file relative to a sequence folder.
            Defaults to ``'gt/gt.txt'``.
        cross_check (bool): Also evaluate with py-motmetrics and add its
            ``mm_MOTA``, ``mm_IDF1``, ``mm_FP``, ``mm_FN``, ``mm_IDS``.
            Defaults to False.
        result_decimals (int): Decimals of boxes and scores in result
            files; the evaluation uses the rounded values, so evaluating
            the files offline gives the same numbers. Defaults to 3.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to
            ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None (``'motchallenge-metric'``).
    """

    def __init__(self,
                 metric: Union[str, List[str]] = ('HOTA', 'CLEAR',
                                                  'Identity'),
                 outfile_prefix: Optional[str] = None,
                 track_iou_thr: float = 0.5,
                 benchmark: str = 'MOT17',
                 format_only: bool = False,
                 use_postprocess: bool = False,
                 postprocess_tracklet_cfg: Optional[List[dict]] = None,
                 gt_root: Optional[str] = None,
                 gt_file: str = 'gt/gt.txt',
                 cross_check: bool = False,
                 result_decimals: int = 3,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if benchmark not in ('MOT15', 'MOT16', 'MOT17', 'MOT20'):
            raise ValueError(f'benchmark must be MOT15, MOT16, MOT17 or '
                             f'MOT20, got {benchmark!r}')
        if format_only and outfile_prefix is None:
            raise ValueError('format_only=True needs outfile_prefix, the '
                             'folder the result files are written to')
        if gt_root is not None and not osp.isdir(gt_root):
            raise FileNotFoundError(f'gt_root not found: {gt_root}')
        super().__init__(
            metric=list(metric) if isinstance(metric, tuple) else metric,
            outfile_prefix=outfile_prefix,
            track_iou_thr=track_iou_thr,
            benchmark=benchmark,
            format_only=format_only,
            use_postprocess=use_postprocess,
            postprocess_tracklet_cfg=list(postprocess_tracklet_cfg or []),
            collect_device=collect_device,
            prefix=prefix)
        # The parent's seqmap would sit among the submission files.
        if osp.exists(self.seqmap):
            try:
                os.remove(self.seqmap)
            except FileNotFoundError:  # another rank was faster
                pass
        self.outfile_prefix = outfile_prefix
        self.gt_root = gt_root
        self.gt_file = gt_file
        self.cross_check = cross_check
        self.result_decimals = result_decimals
        self._classes_checked = False

    def __del__(self) -> None:
        # __init__ may have stopped before the parent made its folder.
        if hasattr(self, 'tmp_dir'):
            super().__del__()

    # ------------------------------------------------------------------
    # collecting
    def transform_gt_and_pred(self, img_data_sample: dict, video: str,
                              frame_id: int) -> None:
        """Collect ground truth and predictions of one frame.

        Args:
            img_data_sample (dict): A ``TrackDataSample``'s frame as dict.
            video (str): Sequence name.
            frame_id (int): 0-based frame index in the evaluated clip.
        """
        instances = img_data_sample.get('instances', [])
        if self.gt_root is not None:
            # ground truth comes from the files; skip the instances
            img_data_sample = {
                k: v
                for k, v in img_data_sample.items() if k != 'instances'
            }
        elif instances:
            required = {'instance_id', 'bbox', 'mot_conf', 'category_id',
                        'visibility'}
            missing = set().union(*(required - i.keys() for i in instances))
            if missing:
                raise KeyError(
                    f'{img_data_sample["img_path"]}: ground-truth instances '
                    f'lack {sorted(missing)}; use MOTChallengeDataset or '
                    'set gt_root')
        super().transform_gt_and_pred(img_data_sample, video, frame_id)

    def process_image(self, data_samples: Sequence, video_len: int) -> None:
        """Collect one frame; finish the sequence at its last frame.

        Args:
            data_samples (Sequence): The frame's ``TrackDataSample`` (one).
            video_len (int): Number of frames of the clip.
        """
        img_data_sample = data_samples[0].to_dict()
        video = img_data_sample['img_path'].split(os.sep)[-3]
        frame_id = img_data_sample['frame_id']
        if self.seq_info[video]['seq_length'] == -1:
            self.seq_info[video]['seq_length'] = video_len
        self.transform_gt_and_pred(img_data_sample, video, frame_id)
        if frame_id == video_len - 1:
            self._finish_video(video)

    def process_video(self, data_samples: Sequence) -> None:
        """Collect all frames of one sequence and finish it.

        Args:
            data_samples (Sequence): One ``TrackDataSample`` per frame.
        """
        video_len = len(data_samples)
        for frame_id in range(video_len):
            img_data_sample = data_samples[frame_id].to_dict()
            video = img_data_sample['img_path'].split(os.sep)[-3]
            if self.seq_info[video]['seq_length'] == -1:
                self.seq_info[video]['seq_length'] = video_len
            self.transform_gt_and_pred(img_data_sample, video, frame_id)
        self._finish_video(video)

    def _finish_video(self, video: str) -> None:
        info = self.seq_info[video]
        pred = np.asarray(info['pred_tracks'], dtype=np.float64)
        pred = pred.reshape(-1, pred.shape[-1] if pred.size else 7)
        if len(pred):
            for method in self.postprocess_tracklet_methods:
                pred = method.forward(pred)
        info['pred_tracks'] = pred[:, :7]
        self._save_one_video_gts_preds(video)

    # ------------------------------------------------------------------
    # per-sequence output
    def _save_one_video_gts_preds(self, seq: str) -> None:
        """Validate a finished sequence, keep it, write its result file."""
        info = self.seq_info[seq]
        pred = np.asarray(info['pred_tracks'], dtype=np.float64)
        pred = pred.reshape(-1, 7).copy()
        pred[:, 2:7] = np.round(pred[:, 2:7], self.result_decimals)
        seq_dir = osp.join(self.gt_dir, seq)
        os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
        seq_length = info['seq_length']
        if self.gt_root is None:
            self._check_dataset_classes()
            gt = np.asarray(info['gt_tracks'], dtype=np.float64)
            gt = gt.reshape(-1, 9)
        else:
            src = osp.join(self.gt_root, seq)
            src_length = read_seqinfo(src).seq_length
            if src_length != seq_length:
                raise ValueError(
                    f'{src}/seqinfo.ini: seqLength={src_length}, but '
                    f'{seq_length} frames of {seq} were evaluated; gt_root '
                    'must hold the ground truth of the evaluated clips')
            gt = read_mot_gt(
                osp.join(src, self.gt_file), seq_length, self.benchmark)
        # Round trip through the strict reader: same checks as offline.
        write_seqinfo(osp.join(seq_dir, 'seqinfo.ini'),
                      SeqInfo(name=seq, seq_length=seq_length))
        gt_file = osp.join(seq_dir, 'gt', 'gt.txt')
        write_mot_gt(gt_file, gt)
        gt = read_mot_gt(gt_file, seq_length, self.benchmark)
        write_mot_results(
            osp.join(self.pred_dir, f'{seq}.txt'), pred,
            self.result_decimals)
        info['sequence'] = MOTSequence(seq, seq_length, gt, pred)
        info['pred_tracks'] = []
        info['gt_tracks'] = []

    def _check_dataset_classes(self) -> None:
        if self._classes_checked or self.benchmark == 'MOT15':
            return
        self._classes_checked = True
        classes = (self.dataset_meta or {}).get('classes', None)
        if classes is not None and not set(_DISTRACTOR_NAMES) <= set(
                classes):
            msg = (f'dataset classes {tuple(classes)} lack the MOT '
                   f'distractor classes {_DISTRACTOR_NAMES}: predictions on '
                   'distractors count as false positives. Evaluate with '
                   'MOTChallengeDataset (all 13 classes) or set gt_root.')
            warnings.warn(msg)
            MMLogger.get_current_instance().warning(msg)

    # ------------------------------------------------------------------
    # metrics
    def compute_metrics(self, results: list = None) -> dict:
        """Evaluate all collected sequences.

        Args:
            results (list): Unused; sequences are kept in ``seq_info``.

        Returns:
            dict: Combined metrics (see the class docstring); empty with
            ``format_only``.
        """
        logger = MMLogger.get_current_instance()
        if self.format_only:
            logger.info(f'Results written to {self.pred_dir}')
            return dict()
        sequences = [
            self.seq_info[s]['sequence'] for s in sorted(self.seq_info)
        ]
        table = eval_trackeval(sequences, self.benchmark, self.track_iou_thr)
        logger.info('MOTChallenge evaluation (TrackEval):\n' +
                    format_table(table))
        keys = [k for fam in self.metrics for k in _FAMILY_KEYS[fam]]
        keys = [k for k in ALL_METRICS if k in keys] + ['GT_IDs']
        eval_results = {k: float(table.loc[OVERALL, k]) for k in keys}
        tables = dict(trackeval=table)
        if self.cross_check:
            tables['motmetrics'] = eval_motmetrics(
                sequences, self.benchmark, self.track_iou_thr)
            mm_overall = tables['motmetrics'].loc[OVERALL]
            for k in ('MOTA', 'IDF1', 'FP', 'FN', 'IDS'):
                eval_results[f'mm_{k}'] = float(mm_overall[k])
            diff = compare_backends(tables)
            if len(diff):
                logger.warning('motmetrics disagrees with TrackEval '
                               f'(motmetrics - TrackEval):\n{diff}')
            else:
                logger.info('motmetrics agrees with TrackEval on MOTA, '
                            'IDF1, FP, FN and IDS')
        if self.outfile_prefix is not None:
            pd.concat(tables, names=['backend']).to_csv(
                osp.join(self.outfile_prefix, 'mot_metrics.csv'))
        return eval_results

    def evaluate(self, size: int = 1) -> dict:
        """Gather the sequences of all ranks and evaluate them.

        Args:
            size (int): Unused (length of the dataset).

        Returns:
            dict: Metrics, names prefixed with :attr:`prefix`.
        """
        metrics = super().evaluate(size)
        # The parent leaves a plain dict behind; start the next round
        # (e.g. the next validation epoch) afresh.
        self.seq_info = defaultdict(
            lambda: dict(seq_length=-1, gt_tracks=[], pred_tracks=[]))
        return metrics
