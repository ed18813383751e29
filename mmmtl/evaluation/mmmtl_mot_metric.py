"""MOTChallenge metric for training-time validation and testing."""
import os
import os.path as osp
import tempfile
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd
from mmdet.evaluation.metrics.base_video_metric import BaseVideoMetric
from mmdet.registry import METRICS, TASK_UTILS
from mmengine.logging import MMLogger

from mmmtl.formats import (
    BENCHMARKS,
    DISTRACTOR_NAMES,
    MOTSequence,
    check_benchmark,
    check_mot_gt,
    read_mot_gt,
    read_seqinfo,
    tracks_to_rows,
    write_mot_results,
)
from mmmtl.utils import atomic_open, check_output_dir

from .offline_eval import ALL_METRICS, OVERALL, TRACKER, evaluate_sequences
from .result_tables import (
    compare_backends,
    format_table,
    unexplained_disagreement,
)

# Output keys of each metric family of the ``metric`` argument.
_FAMILY_KEYS = dict(
    HOTA=('HOTA', 'DetA', 'AssA'),
    CLEAR=('MOTA', 'MOTP', 'MT', 'ML', 'FP', 'FN', 'IDS', 'Rcll', 'Prcn',
           'Frag'),
    Identity=('IDF1', 'IDP', 'IDR'))
_GT_KEYS = ('instance_id', 'bbox', 'mot_conf', 'category_id', 'visibility')


@METRICS.register_module()
class MMMTLMOTMetric(BaseVideoMetric):
    """Official MOTChallenge evaluation (TrackEval) of tracking outputs.

    Takes the data flow of mmdet's ``MOTChallengeMetric`` (one data
    sample per frame with ``pred_track_instances``; sequence name from the
    ``<SEQ>/img1/<frame>.jpg`` image path; ground truth from the
    ``instances`` of a ``MOTChallengeDataset``) and keeps each sequence's
    ground-truth and result rows in memory. At the end they are gathered
    from all ranks, written once in TrackEval's folder layout
    (:func:`mmmtl.formats.write_trackeval_layout`) and evaluated from those
    files by :func:`mmmtl.evaluation.evaluate_sequences`, the code of
    ``tools/eval_mot.py``. Compared with mmdet 3.3's metric:

    - A sequence without any ground-truth box or prediction is evaluated;
      frames without predictions count as frames with misses, and
      tracklet post-processing is skipped for a sequence without
      predictions instead of failing.
    - Ground truth keeps sub-pixel coordinates and is checked as strictly
      as :func:`~mmmtl.formats.read_mot_gt` checks a file.
    - ``track_iou_thr`` is used (mmdet's always uses 0.5).
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
    - Files are written only with ``outfile_prefix``, and nothing is
      written beside them; per-sequence and combined tables are logged.
    - ``cross_check=True`` also runs py-motmetrics on TrackEval's
      preprocessed frames and reports disagreements (see
      ``docs/evaluation.md`` for what the cross-check can confirm).

    Returned values are the combined (``OVERALL``) row: percentages in
    ``[0, 100]`` for HOTA, DetA, AssA, MOTA, MOTP, Rcll, Prcn, IDF1, IDP,
    IDR; counts for MT, ML, FP, FN, IDS, Frag, GT_IDs.

    Args:
        metric (str | list[str]): Families to report: ``'HOTA'``,
            ``'CLEAR'``, ``'Identity'``. Defaults to all three.
        outfile_prefix (str, optional): Folder for the files: results in
            ``<outfile_prefix>/default-tracker/<SEQ>.txt`` (the submission
            files), the evaluated ground truth in ``<outfile_prefix>/gt``,
            ``seqmap.txt`` and the tables in ``mot_metrics.csv``; TrackEval
            evaluates these files, so running the official evaluation on
            them gives the same numbers. Files of an earlier run are
            replaced. Defaults to None (a temporary folder, removed).
        track_iou_thr (float): IoU threshold of CLEAR and Identity
            matching. Defaults to 0.5.
        benchmark (str): ``'MOT15'``, ``'MOT16'``, ``'MOT17'`` or
            ``'MOT20'``; selects the distractor classes. Defaults to
            ``'MOT17'``.
        format_only (bool): Only write the result files. Defaults to
            False.
        use_postprocess (bool): Accepted for configs written for mmdet's
            metric; post-processing runs whenever
            ``postprocess_tracklet_cfg`` is given. Defaults to False.
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
            files; the evaluation reads the rounded values. Defaults to 3.
        collect_device (str): Device for gathering across ranks (mmdet's
            tracking collection supports ``'cpu'``). Defaults to
            ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None (``'motchallenge-metric'``).
    """
    default_prefix: Optional[str] = 'motchallenge-metric'

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
        super().__init__(collect_device=collect_device, prefix=prefix)
        if benchmark not in BENCHMARKS:
            raise ValueError(f'benchmark must be MOT15, MOT16, MOT17 or '
                             f'MOT20, got {benchmark!r}')
        metrics = [metric] if isinstance(metric, str) else list(metric)
        for m in metrics:
            if m not in _FAMILY_KEYS:
                raise KeyError(f'metric {m!r} is not supported; choose '
                               f'from {tuple(_FAMILY_KEYS)}')
        if format_only and outfile_prefix is None:
            raise ValueError('format_only=True needs outfile_prefix, the '
                             'folder the result files are written to')
        self.metrics = metrics
        self.outfile_prefix = outfile_prefix
        self.track_iou_thr = track_iou_thr
        self.benchmark = benchmark
        self.format_only = format_only
        self.use_postprocess = use_postprocess
        self.postprocess_tracklet_methods = [
            TASK_UTILS.build(cfg) for cfg in postprocess_tracklet_cfg or []
        ]
        self.gt_root = gt_root
        self.gt_file = gt_file
        if outfile_prefix is not None and gt_root is not None:
            # the files written (<outfile_prefix>/gt/<SEQ>/seqinfo.ini, ...)
            # must never replace the ground truth read from gt_root
            check_output_dir(outfile_prefix, [gt_root], 'outfile_prefix')
        self.cross_check = cross_check
        self.result_decimals = result_decimals
        # sequences being collected, by name; finished ones go to results
        self._open: Dict[str, dict] = {}
        self.last_tables: Dict[str, pd.DataFrame] = {}

    # ------------------------------------------------------------------
    # collecting
    def process_image(self, data_samples: Sequence, video_len: int) -> None:
        """Collect one frame; finish the sequence at its last frame.

        Args:
            data_samples (Sequence): The frame's ``DetDataSample`` (one).
            video_len (int): Number of frames of the clip.
        """
        self._add_frame(data_samples[0].to_dict(), video_len)

    def process_video(self, data_samples: Sequence) -> None:
        """Collect all frames of one sequence.

        Args:
            data_samples (Sequence): One ``DetDataSample`` per frame.
        """
        for sample in data_samples:
            self._add_frame(sample.to_dict(), len(data_samples))

    def _add_frame(self, sample: dict, video_len: int) -> None:
        """Keep the ground-truth and result rows of one frame."""
        video = sample['img_path'].split(os.sep)[-3]
        frame_id = sample['frame_id']
        seq = self._open.setdefault(
            video, dict(name=video, seq_length=video_len, gt=[], results=[]))
        if self.gt_root is None:
            seq['gt'].append(self._gt_rows(sample, frame_id + 1))
        pred = sample['pred_track_instances']
        seq['results'].append(
            tracks_to_rows(frame_id + 1, _numpy(pred['instances_id']),
                           _numpy(pred['bboxes']), _numpy(pred['scores'])))
        if frame_id == video_len - 1:
            self._finish(video)

    @staticmethod
    def _gt_rows(sample: dict, frame: int) -> np.ndarray:
        instances = sample.get('instances', [])
        missing = set().union(*(set(_GT_KEYS) - i.keys() for i in instances))
        if missing:
            raise KeyError(
                f'{sample["img_path"]}: ground-truth instances lack '
                f'{sorted(missing)}; use MOTChallengeDataset or set gt_root')
        rows = np.array([[
            frame, i['instance_id'], i['bbox'][0], i['bbox'][1],
            i['bbox'][2] - i['bbox'][0], i['bbox'][3] - i['bbox'][1],
            i['mot_conf'], i['category_id'], i['visibility']
        ] for i in instances], np.float64)
        return rows.reshape(-1, 9)

    def _finish(self, video: str) -> None:
        seq = self._open.pop(video)
        seq['gt'] = np.concatenate(seq['gt'] or [np.zeros((0, 9))])
        seq['results'] = np.concatenate(seq['results'])
        self.results.append(seq)

    # ------------------------------------------------------------------
    # evaluating
    def evaluate(self, size: int = 1) -> dict:
        """Gather the sequences of all ranks and evaluate them.

        Args:
            size (int): Unused (length of the dataset).

        Returns:
            dict: Metrics, names prefixed with :attr:`prefix`.
        """
        for video in list(self._open):  # clips without their last frame
            self._finish(video)
        return super().evaluate(size)

    def _sequences(self, results: List[dict]) -> List[MOTSequence]:
        """One checked :class:`MOTSequence` per name, sorted by name."""
        merged: Dict[str, dict] = {}
        for part in results:
            seq = merged.setdefault(
                part['name'], dict(part, gt=[], results=[]))
            seq['gt'].append(part['gt'])
            seq['results'].append(part['results'])
        if self.gt_root is None and not self.format_only:
            self._check_dataset_classes()
        sequences = []
        for name in sorted(merged):
            seq = merged[name]
            length = seq['seq_length']
            pred = np.concatenate(seq['results'])
            if len(pred):
                for method in self.postprocess_tracklet_methods:
                    pred = method.forward(pred)
            pred = np.asarray(pred, np.float64).reshape(-1, 7)
            if self.format_only:
                gt = np.zeros((0, 9))
            elif self.gt_root is None:
                gt = check_mot_gt(
                    np.concatenate(seq['gt']),
                    f'ground truth of {name} (dataset instances)', length,
                    self.benchmark)
            else:
                gt = self._read_gt(name, length)
            sequences.append(MOTSequence(name, length, gt, pred))
        return sequences

    def _read_gt(self, name: str, seq_length: int) -> np.ndarray:
        if not osp.isdir(self.gt_root):
            raise FileNotFoundError(
                f'gt_root not found: {self.gt_root} (MMMTLMOTMetric; for '
                'the half-val split the converter writes it with '
                '--split-train)')
        src = osp.join(self.gt_root, name)
        src_length = read_seqinfo(src).seq_length
        if src_length != seq_length:
            raise ValueError(
                f'{src}/seqinfo.ini: seqLength={src_length}, but '
                f'{seq_length} frames of {name} were evaluated; gt_root '
                'must hold the ground truth of the evaluated clips')
        return read_mot_gt(
            osp.join(src, self.gt_file), seq_length, self.benchmark,
            renumber_large_ids=True)

    def _check_dataset_classes(self) -> None:
        distractors = DISTRACTOR_NAMES[self.benchmark]
        classes = (self.dataset_meta or {}).get('classes', None)
        if classes is not None and not set(distractors) <= set(classes):
            msg = (f'dataset classes {tuple(classes)} lack the '
                   f'{self.benchmark} distractor classes {distractors}: '
                   'predictions on distractors count as false positives. '
                   'Evaluate with MOTChallengeDataset (all 13 classes) or '
                   'set gt_root.')
            warnings.warn(msg)
            MMLogger.get_current_instance().warning(msg)

    def compute_metrics(self, results: List[dict]) -> dict:
        """Evaluate the gathered sequences.

        Args:
            results (list[dict]): Per sequence (or part of one): ``name``,
                ``seq_length``, ``gt`` ``(G, 9)`` and ``results``
                ``(P, 7)`` rows.

        Returns:
            dict: Combined metrics (see the class docstring); empty with
            ``format_only``.
        """
        check_benchmark(self.benchmark)
        logger = MMLogger.get_current_instance()
        sequences = self._sequences(results)
        if self.format_only:
            pred_dir = osp.join(self.outfile_prefix, TRACKER)
            os.makedirs(pred_dir, exist_ok=True)
            for seq in sequences:
                write_mot_results(
                    osp.join(pred_dir, f'{seq.name}.txt'), seq.results,
                    self.result_decimals)
            logger.info(f'Results written to {pred_dir}')
            return dict()
        with tempfile.TemporaryDirectory() as tmp:
            tables = evaluate_sequences(
                sequences, 'both' if self.cross_check else 'trackeval',
                self.benchmark, self.track_iou_thr,
                out_dir=self.outfile_prefix or tmp,
                decimals=self.result_decimals)
        table = tables['trackeval']
        # per-sequence rows of the last evaluation, for callers that want
        # more than the combined row (paired comparisons over sequences)
        self.last_tables = tables
        logger.info('MOTChallenge evaluation (TrackEval):\n' +
                    format_table(table))
        keys = [k for fam in self.metrics for k in _FAMILY_KEYS[fam]]
        keys = [k for k in ALL_METRICS if k in keys] + ['GT_IDs']
        eval_results = {k: float(table.loc[OVERALL, k]) for k in keys}
        if self.cross_check:
            mm_overall = tables['motmetrics'].loc[OVERALL]
            for k in ('MOTA', 'IDF1', 'FP', 'FN', 'IDS'):
                eval_results[f'mm_{k}'] = float(mm_overall[k])
            self._log_cross_check(tables, logger)
        if self.outfile_prefix is not None:
            with atomic_open(
                    osp.join(self.outfile_prefix, 'mot_metrics.csv')) as f:
                pd.concat(tables, names=['backend']).to_csv(f)
        return eval_results

    @staticmethod
    def _log_cross_check(tables: Dict[str, pd.DataFrame],
                         logger: MMLogger) -> None:
        diff = compare_backends(tables)
        if not len(diff):
            logger.info('motmetrics agrees with TrackEval on every count '
                        'and score both compute')
            return
        bad = unexplained_disagreement(tables)
        relinks = int(tables['motmetrics'].loc[OVERALL, 'Relinks'])
        logger.log(
            30 if len(bad) else 20,
            f'motmetrics - TrackEval:\n{diff}\n' +
            (f'not explained by the two definitions:\n{bad}' if len(bad)
             else f'explained by {relinks} frame(s) in which motmetrics '
             're-links a target to its track after a gap (TrackEval, like '
             'the devkit, does not)'))


def _numpy(value) -> np.ndarray:
    """A tensor or array as a NumPy array."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)
