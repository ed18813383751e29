"""Per-class and combined MOTChallenge evaluation of a multi-class tracker.

The MOTChallenge result format scores class 1 only, so every class is
evaluated on its own as MOTChallenge pedestrians (one result file per
class and sequence, the way TrackEval's multi-class benchmarks keep the
classes apart). Besides those folders, the tracks of all classes are kept
in one file per sequence with the class in the 8th column
(:func:`~mmmtl.formats.write_mot_class_results`), next to the ground
truth in the MOTChallenge layout with its class column;
:func:`evaluate_multiclass` evaluates such files offline and gives the
metric's numbers.

Class numbers: a class named like a MOTChallenge class has that class's
number (pedestrian 1, car 3, as in ``gt.txt``); in a data set with other
names, class ``k`` of ``dataset_meta['classes']`` is number ``k + 1``.
"""
import os
import os.path as osp
import tempfile
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from mmmtl.formats import (
    MOT_CLASSES,
    PEDESTRIAN,
    MOTSequence,
    SeqInfo,
    check_mot_gt,
    read_mot_class_results,
    read_mot_gt,
    read_seqinfo,
    write_mot_class_results,
    write_mot_gt,
    write_seqinfo,
)

from .mmmtl_mot_metric import _FAMILY_KEYS, MMMTLMOTMetric, _numpy
from .offline_eval import ALL_METRICS, OVERALL, evaluate_sequences
from .result_tables import format_table

#: Name of the folder and the key suffix of the class-combined evaluation.
COMBINED = 'all'
#: Folders of the class-column files under ``outfile_prefix``.
CLASS_RESULTS, CLASS_GT = 'classes', 'classes_gt'


def class_numbers(names: Sequence[str]) -> Dict[str, int]:
    """The class number of each class name (see the module docstring).

    Args:
        names (Sequence[str]): ``dataset_meta['classes']``.

    Returns:
        dict[str, int]: Number >= 1 of each name.
    """
    if all(n in MOT_CLASSES for n in names):
        return {n: MOT_CLASSES.index(n) + 1 for n in names}
    return {n: k + 1 for k, n in enumerate(names)}


def _class_sequences(seqs: List[dict], number: int,
                     suffix: str = '') -> List[MOTSequence]:
    """The ground truth and tracks of one class as pedestrians."""
    out = []
    for seq in seqs:
        gt = seq['gt'][seq['gt_classes'] == number].copy()
        gt[:, 7] = PEDESTRIAN
        name = seq['name'] + suffix
        gt = check_mot_gt(gt, f'ground truth of {name}', seq['seq_length'],
                          'MOT17')
        pred = seq['results'][seq['classes'] == number]
        out.append(MOTSequence(name, seq['seq_length'], gt, pred))
    return out


def evaluate_classes(seqs: List[dict],
                     classes: Mapping[str, int],
                     iou_thr: float = 0.5,
                     out_root: Optional[str] = None,
                     decimals: Optional[int] = None
                     ) -> Dict[str, pd.DataFrame]:
    """TrackEval per class, and over all classes combined.

    Args:
        seqs (list[dict]): Per sequence ``name``, ``seq_length``, ``gt``
            ``(G, 9)``, ``results`` ``(P, 7)``, ``gt_classes`` ``(G, )``
            and ``classes`` ``(P, )`` (class numbers).
        classes (Mapping[str, int]): Classes to evaluate, name to number.
        iou_thr (float): IoU threshold of CLEAR and Identity. Defaults to
            0.5.
        out_root (str, optional): Keeps the files of each evaluation under
            ``<out_root>/<class>/`` and ``<out_root>/all/``. Defaults to
            None (temporary).
        decimals (int, optional): Decimals of the written results.
            Defaults to None (exact).

    Returns:
        dict[str, pd.DataFrame]: TrackEval's table (one row per sequence
        and ``OVERALL``) per class name and under :data:`COMBINED`, where
        every (sequence, class) pair is a sequence ``<SEQ>-<class>``.
    """
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = out_root or tmp
        jobs = [(c, _class_sequences(seqs, n)) for c, n in classes.items()]
        jobs.append((COMBINED, [
            s for c, n in classes.items()
            for s in _class_sequences(seqs, n, f'-{c}')
        ]))
        for cls, sequences in jobs:
            tables[cls] = evaluate_sequences(
                sequences, 'trackeval', 'MOT17', iou_thr,
                out_dir=osp.join(root, cls), decimals=decimals)['trackeval']
    return tables


def evaluate_multiclass(gt_root: str,
                        results_dir: str,
                        classes: Mapping[str, int],
                        seqs: Optional[Sequence[str]] = None,
                        gt_file: str = 'gt/gt.txt',
                        iou_thr: float = 0.5) -> Dict[str, pd.DataFrame]:
    """Evaluate class-column result files against multi-class ground truth.

    Args:
        gt_root (str): ``<SEQ>/seqinfo.ini`` and ``<SEQ>/<gt_file>``, the
            class in ``gt.txt``'s 8th column (rows with ``conf = 0`` are
            ignored).
        results_dir (str): ``<SEQ>.txt`` with the class in the 8th column
            (:func:`~mmmtl.formats.write_mot_class_results`).
        classes (Mapping[str, int]): Classes to evaluate, name to number.
        seqs (Sequence[str], optional): Sequences. Defaults to None (every
            result file).
        gt_file (str): Ground-truth file in a sequence folder. Defaults to
            ``'gt/gt.txt'``.
        iou_thr (float): IoU threshold. Defaults to 0.5.

    Returns:
        dict[str, pd.DataFrame]: As :func:`evaluate_classes`.
    """
    if seqs is None:
        seqs = sorted(f[:-4] for f in os.listdir(results_dir)
                      if f.endswith('.txt'))
        if not seqs:
            raise FileNotFoundError(f'no <SEQ>.txt in {results_dir}')
    data = []
    for name in seqs:
        info = read_seqinfo(osp.join(gt_root, name))
        gt = read_mot_gt(osp.join(gt_root, name, gt_file), info.seq_length,
                         renumber_large_ids=True)
        rows, cls = read_mot_class_results(
            osp.join(results_dir, f'{name}.txt'), info.seq_length,
            renumber_large_ids=True)
        data.append(dict(name=name, seq_length=info.seq_length, gt=gt,
                         gt_classes=gt[:, 7].astype(np.int64), results=rows,
                         classes=cls))
    return evaluate_classes(data, classes, iou_thr)


@METRICS.register_module()
class MultiClassMOTMetric(MMMTLMOTMetric):
    """TrackEval's MOTChallenge evaluation, once per class and combined.

    The tracker matches only boxes of one label (``JDETracker`` with
    ``per_class``, its default, never links across labels); the official
    evaluation knows pedestrians only.
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
    gives the numbers returned. All classes' tracks are also written to
    ``<outfile_prefix>/classes/<SEQ>.txt`` with the class number in the 8th
    column (also with ``format_only``), and the ground truth with its
    class column to ``<outfile_prefix>/classes_gt/``;
    :func:`evaluate_multiclass` on these gives the same numbers.

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

    def _with_numbers(self, seqs: List[dict],
                      numbers: Dict[str, int]) -> List[dict]:
        """Labels turned into class numbers; the ground truth's class
        column set from its label (the same numbering)."""
        names = list(numbers)
        lut = np.array([numbers[n] for n in names], np.int64)
        out = []
        for seq in seqs:
            gt = seq['gt'].copy()
            gt_classes = lut[seq['gt_labels']]
            gt[:, 7] = gt_classes
            out.append(dict(seq, gt=gt, gt_classes=gt_classes,
                            classes=lut[seq['labels']]))
        return out

    def _write_class_files(self, seqs: List[dict]) -> None:
        """One class-column result file per sequence, and the ground
        truth in the MOTChallenge layout with its classes."""
        res_dir = osp.join(self.outfile_prefix, CLASS_RESULTS)
        os.makedirs(res_dir, exist_ok=True)
        for seq in seqs:
            write_mot_class_results(
                osp.join(res_dir, seq['name'] + '.txt'), seq['results'],
                seq['classes'], self.result_decimals)
            if self.format_only:
                continue
            gt_dir = osp.join(self.outfile_prefix, CLASS_GT, seq['name'])
            os.makedirs(osp.join(gt_dir, 'gt'), exist_ok=True)
            write_seqinfo(gt_dir, SeqInfo(name=seq['name'],
                                          seq_length=seq['seq_length']))
            write_mot_gt(osp.join(gt_dir, 'gt', 'gt.txt'), seq['gt'])

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
        logger = MMLogger.get_current_instance()
        names = list((self.dataset_meta or {}).get('classes', ()))
        if not names:
            raise KeyError('MultiClassMOTMetric needs dataset_meta '
                           "['classes'] to name the labels")
        numbers = class_numbers(names)
        seqs = self._with_numbers(self._merged(results), numbers)
        if self.outfile_prefix is not None:
            self._write_class_files(seqs)
        if self.format_only:
            return super().compute_metrics(results)
        classes = self.classes or names
        unknown = [c for c in classes if c not in names]
        if unknown:
            raise KeyError(f'classes {unknown} are not dataset classes '
                           f'{tuple(names)}')
        keys = [k for fam in self.metrics for k in _FAMILY_KEYS[fam]]
        keys = [k for k in ALL_METRICS if k in keys] + ['GT_IDs']
        tables = evaluate_classes(seqs, {c: numbers[c] for c in classes},
                                  self.track_iou_thr, self.outfile_prefix,
                                  self.result_decimals)
        eval_results = {}
        for cls, table in tables.items():
            logger.info(f'MOTChallenge evaluation (TrackEval), {cls}:\n' +
                        format_table(table))
            suffix = '' if cls == COMBINED else f'_{cls}'
            for k in keys:
                eval_results[k + suffix] = float(table.loc[OVERALL, k])
        return eval_results
