"""Per-class and combined MOTChallenge evaluation of a multi-class tracker."""
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from mmmtl.formats import PEDESTRIAN, MOTSequence, check_mot_gt

from .mmmtl_mot_metric import _FAMILY_KEYS, MMMTLMOTMetric, _numpy
from .offline_eval import (
    ALL_METRICS,
    OVERALL,
    evaluate_sequences,
    format_table,
)

#: Name of the folder and the key suffix of the class-combined evaluation.
COMBINED = 'all'


@METRICS.register_module()
class MultiClassMOTMetric(MMMTLMOTMetric):
    """TrackEval's MOTChallenge evaluation, once per class and combined.

    The tracker matches only boxes of one label (``JDETracker`` never
    links across labels); the official evaluation knows pedestrians only.
    So each class ``c`` is evaluated as MOTChallenge pedestrians: the
    ground truth of class ``c`` (class column set to 1; rows with ``conf
    = 0`` stay ignored) against the tracks labelled ``c``. The combined
    numbers are TrackEval's over all (sequence, class) pairs as separate
    sequences, which sums the counts of the classes as TrackEval's
    detection-averaged class combination does (``COMBINED_SEQ`` over
    ``cls_comb_det_av``): every box counts once, whatever its class.

    Ground truth comes from the dataset's instances (``bbox_label``, the
    index into ``dataset_meta['classes']``, the same label space as the
    predictions); there are no distractor classes. Files are written per
    class to ``<outfile_prefix>/<class>/`` and for the combination to
    ``<outfile_prefix>/all/`` in TrackEval's layout (see
    :class:`MMMTLMOTMetric`), so the official evaluation of each folder
    gives the numbers returned.

    Returned keys: the combined metrics under the names of
    :class:`MMMTLMOTMetric` (``HOTA``, ``MOTA``, ``IDF1``, ``FP``, ...),
    and per class ``<key>_<class>`` (``HOTA_car``).

    Args:
        classes (Sequence[str], optional): Classes to evaluate, names of
            ``dataset_meta['classes']``. Defaults to None (all).
        **kwargs: Arguments of :class:`MMMTLMOTMetric` (``gt_root`` is not
            supported).
    """

    def __init__(self, classes: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        if kwargs.get('gt_root') is not None:
            raise ValueError('MultiClassMOTMetric reads the ground truth '
                             'from the dataset; gt_root is not supported')
        super().__init__(**kwargs)
        self.classes = None if classes is None else list(classes)
        self._labels: Dict[str, dict] = {}

    # ------------------------------------------------------------------
    # collecting: the labels of boxes and tracks beside the parent's rows
    def _add_frame(self, sample: dict, video_len: int) -> None:
        video = sample['img_path'].split(os.sep)[-3]  # as the parent
        stash = self._labels.setdefault(video, dict(gt=[], pred=[]))
        stash['gt'].append(
            np.array([i['bbox_label'] for i in sample.get('instances', [])],
                     np.int64))
        stash['pred'].append(
            _numpy(sample['pred_track_instances']['labels']).astype(
                np.int64).reshape(-1))
        super()._add_frame(sample, video_len)

    def _finish(self, video: str) -> None:
        super()._finish(video)
        stash = self._labels.pop(video)
        self.results[-1]['gt_labels'] = np.concatenate(stash['gt'])
        self.results[-1]['labels'] = np.concatenate(stash['pred'])

    # ------------------------------------------------------------------
    # evaluating
    def _merged(self, results: List[dict]) -> List[dict]:
        """Parts of one sequence (from several ranks) joined, by name."""
        merged: Dict[str, dict] = {}
        for part in results:
            seq = merged.setdefault(
                part['name'],
                dict(name=part['name'], seq_length=part['seq_length'],
                     gt=[], results=[], gt_labels=[], labels=[]))
            for key in ('gt', 'results', 'gt_labels', 'labels'):
                seq[key].append(part[key])
        return [
            dict(seq, **{
                k: np.concatenate(seq[k])
                for k in ('gt', 'results', 'gt_labels', 'labels')
            }) for _, seq in sorted(merged.items())
        ]

    def _class_sequences(self, seqs: List[dict], label: int,
                         suffix: str = '') -> List[MOTSequence]:
        out = []
        for seq in seqs:
            gt = seq['gt'][seq['gt_labels'] == label].copy()
            gt[:, 7] = PEDESTRIAN
            name = seq['name'] + suffix
            gt = check_mot_gt(gt, f'ground truth of {name}',
                              seq['seq_length'], 'MOT17')
            pred = seq['results'][seq['labels'] == label]
            out.append(MOTSequence(name, seq['seq_length'], gt, pred))
        return out

    def compute_metrics(self, results: List[dict]) -> dict:
        """Evaluate every class and their combination.

        Args:
            results (list[dict]): Per sequence (or part of one): ``name``,
                ``seq_length``, ``gt`` ``(G, 9)``, ``results`` ``(P, 7)``,
                ``gt_labels`` ``(G, )`` and ``labels`` ``(P, )``.

        Returns:
            dict: Combined and per-class metrics (see the class
            docstring); empty with ``format_only``.
        """
        if self.format_only:
            return super().compute_metrics(results)
        logger = MMLogger.get_current_instance()
        names = list((self.dataset_meta or {}).get('classes', ()))
        if not names:
            raise KeyError('MultiClassMOTMetric needs dataset_meta '
                           "['classes'] to name the labels")
        classes = self.classes or names
        unknown = [c for c in classes if c not in names]
        if unknown:
            raise KeyError(f'classes {unknown} are not dataset classes '
                           f'{tuple(names)}')
        seqs = self._merged(results)
        keys = [k for fam in self.metrics for k in _FAMILY_KEYS[fam]]
        keys = [k for k in ALL_METRICS if k in keys] + ['GT_IDs']
        eval_results = {}
        with tempfile.TemporaryDirectory() as tmp:
            root = self.outfile_prefix or tmp
            jobs = [(c, self._class_sequences(seqs, names.index(c)))
                    for c in classes]
            jobs.append((COMBINED, [
                s for c in classes
                for s in self._class_sequences(seqs, names.index(c), f'-{c}')
            ]))
            for cls, sequences in jobs:
                table = evaluate_sequences(
                    sequences, 'trackeval', 'MOT17', self.track_iou_thr,
                    out_dir=osp.join(root, cls),
                    decimals=self.result_decimals)['trackeval']
                logger.info(f'MOTChallenge evaluation (TrackEval), {cls}:\n'
                            + format_table(table))
                suffix = '' if cls == COMBINED else f'_{cls}'
                for k in keys:
                    eval_results[k + suffix] = float(table.loc[OVERALL, k])
        return eval_results
