"""Official MOTChallenge evaluation of result files, without a model.

Input is ground truth in the MOTChallenge layout (``<GT>/<SEQ>/gt/gt.txt``
and ``<GT>/<SEQ>/seqinfo.ini``) and a folder of tracker results
``<RES>/<SEQ>.txt``. Every file goes through the strict readers of
:mod:`mmmtl.evaluation.mot_io` once; both back-ends then see the same
validated numbers:

- ``trackeval``: TrackEval's ``MotChallenge2DBox`` with the HOTA, CLEAR and
  Identity metrics, i.e. the code behind the official MOTChallenge
  numbers (the reference).
- ``motmetrics``: py-motmetrics, which JDE and FairMOT report, with the
  ground-truth conventions of ``motmetrics.apps.evaluateTracking``
  (predictions matched to a distractor box by a Hungarian matching at IoU
  0.5 are dropped; only ``conf = 1`` pedestrian boxes are evaluated). It
  has no HOTA; those columns are NaN.

For MOT15 no class-based preprocessing is done (its ground truth has no
classes), as in the official evaluation.

Percent values (MOTA, IDF1, HOTA, MOTP, DetA, AssA, IDP, IDR, Rcll, Prcn)
are in ``[0, 100]``; MT, ML, FP, FN, IDS, Frag and GT_IDs are counts. The
``OVERALL`` row combines all sequences as the benchmarks do (sums of
counts, not a mean of per-sequence scores).
"""
import contextlib
import io
import os
import os.path as osp
import tempfile
import warnings
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .mot_io import (
    check_benchmark,
    distractor_classes,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
    write_mot_gt,
    write_mot_results,
)

#: The papers' table, in order.
TABLE_METRICS = ('MOTA', 'IDF1', 'HOTA', 'MOTP', 'MT', 'ML', 'FP', 'FN',
                 'IDS')
#: Further columns of every table.
EXTRA_METRICS = ('DetA', 'AssA', 'IDP', 'IDR', 'Rcll', 'Prcn', 'Frag',
                 'GT_IDs')
ALL_METRICS = TABLE_METRICS + EXTRA_METRICS
#: Columns holding counts (the rest are percentages).
COUNT_METRICS = ('MT', 'ML', 'FP', 'FN', 'IDS', 'Frag', 'GT_IDs')
#: Columns on which the two back-ends must agree.
AGREEMENT_METRICS = ('MOTA', 'IDF1', 'FP', 'FN', 'IDS')
BACKENDS = ('trackeval', 'motmetrics')
OVERALL = 'OVERALL'

_EPS = np.finfo(float).eps
_PREPROC_IOU = 0.5  # fixed by the official distractor matching


@dataclass
class MOTSequence:
    """Validated ground truth and results of one sequence.

    Args:
        name (str): Sequence name.
        seq_length (int): Number of frames T.
        gt (np.ndarray): ``(G, 9)`` ground-truth rows
            (:data:`~mmmtl.evaluation.mot_io.GT_FIELDS`).
        results (np.ndarray): ``(P, 7)`` result rows
            (:data:`~mmmtl.evaluation.mot_io.RESULT_FIELDS`).
    """
    name: str
    seq_length: int
    gt: np.ndarray
    results: np.ndarray


def load_sequences(gt_root: str,
                   results_dir: str,
                   seqs: Optional[Sequence[str]] = None,
                   benchmark: str = 'MOT17',
                   gt_file: str = 'gt/gt.txt') -> List[MOTSequence]:
    """Read and validate ground truth and results of several sequences.

    Args:
        gt_root (str): Folder with one sub-folder per sequence holding
            ``seqinfo.ini`` and ``gt_file``.
        results_dir (str): Folder with one ``<SEQ>.txt`` per sequence.
        seqs (Sequence[str], optional): Sequences to evaluate. Defaults to
            None: every sub-folder of ``gt_root`` that has ``gt_file``.
        benchmark (str): ``MOT15``, ``MOT16``, ``MOT17`` or ``MOT20``.
            Defaults to ``'MOT17'``.
        gt_file (str): Ground-truth file relative to a sequence folder,
            e.g. ``gt/gt_half-val.txt`` for the second half of each
            training sequence. Defaults to ``'gt/gt.txt'``.

    Returns:
        list[MOTSequence]: One entry per sequence, sorted by name unless
        ``seqs`` gives the order.

    Raises:
        FileNotFoundError: When ``seqs`` is None and a sequence folder
            (with ``seqinfo.ini``) or a result file has no ``gt_file``.

    Warns:
        UserWarning: for a ``seqinfo.ini`` whose ``name`` differs from its
        folder.
    """
    check_benchmark(benchmark)
    if not osp.isdir(gt_root):
        raise FileNotFoundError(f'ground-truth folder not found: {gt_root}')
    if not osp.isdir(results_dir):
        raise FileNotFoundError(f'results folder not found: {results_dir}')
    if seqs is None:
        seqs = sorted(
            d for d in os.listdir(gt_root)
            if osp.isfile(osp.join(gt_root, d, gt_file)))
        if not seqs:
            raise FileNotFoundError(
                f'no sequence folder with {gt_file} under {gt_root}')
        # A sequence folder or a result file without ground truth would
        # otherwise drop out of the combined figures unnoticed.
        candidates = {
            d for d in os.listdir(gt_root)
            if osp.isfile(osp.join(gt_root, d, 'seqinfo.ini'))
        } | {f[:-4] for f in os.listdir(results_dir) if f.endswith('.txt')}
        lacking = sorted(candidates - set(seqs))
        if lacking:
            raise FileNotFoundError(
                f'no ground truth {gt_file} for sequences {lacking} '
                f'(expected e.g. {osp.join(gt_root, lacking[0], gt_file)}); '
                'to evaluate only the others, list them with --seqs')
    elif len(set(seqs)) != len(seqs):
        raise ValueError(f'sequences listed twice in {list(seqs)}')
    sequences = []
    for seq in seqs:
        seq_dir = osp.join(gt_root, seq)
        if not osp.isdir(seq_dir):
            raise FileNotFoundError(
                f'sequence {seq!r} not found: no folder {seq_dir}')
        info = read_seqinfo(seq_dir)
        if info.name != seq:
            warnings.warn(f'{seq_dir}/seqinfo.ini names the sequence '
                          f'{info.name!r}; using the folder name {seq!r}')
        gt = read_mot_gt(
            osp.join(seq_dir, gt_file), info.seq_length, benchmark)
        res_file = osp.join(results_dir, f'{seq}.txt')
        if not osp.isfile(res_file):
            raise FileNotFoundError(
                f'no result file for sequence {seq!r}: expected {res_file}')
        results = read_mot_results(res_file, info.seq_length)
        sequences.append(MOTSequence(seq, info.seq_length, gt, results))
    return sequences


def box_iou_xywh(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU of boxes given as ``(x, y, w, h)``, as TrackEval computes it.

    Args:
        boxes1 (np.ndarray): ``(N, 4)`` boxes.
        boxes2 (np.ndarray): ``(M, 4)`` boxes.

    Returns:
        np.ndarray: ``(N, M)`` IoU matrix.
    """
    b1 = np.asarray(boxes1, dtype=np.float64).reshape(-1, 4)
    b2 = np.asarray(boxes2, dtype=np.float64).reshape(-1, 4)
    x1 = np.maximum(b1[:, None, 0], b2[None, :, 0])
    y1 = np.maximum(b1[:, None, 1], b2[None, :, 1])
    x2 = np.minimum(b1[:, None, 0] + b1[:, None, 2],
                    b2[None, :, 0] + b2[None, :, 2])
    y2 = np.minimum(b1[:, None, 1] + b1[:, None, 3],
                    b2[None, :, 1] + b2[None, :, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    union = (b1[:, None, 2] * b1[:, None, 3] +
             b2[None, :, 2] * b2[None, :, 3] - inter)
    inter[union <= _EPS] = 0
    union[union <= _EPS] = 1
    return inter / union


def _split_by_frame(rows: np.ndarray, seq_length: int) -> List[np.ndarray]:
    """Rows grouped by frame: entry ``t`` holds the rows of frame t + 1."""
    frames = rows[:, 0].astype(np.int64)
    order = np.argsort(frames, kind='stable')
    bounds = np.searchsorted(frames[order], np.arange(1, seq_length + 2))
    return [rows[order[bounds[t]:bounds[t + 1]]] for t in range(seq_length)]


def preprocess_frame(gt: np.ndarray, results: np.ndarray,
                     benchmark: str) -> Tuple[np.ndarray, np.ndarray]:
    """Official MOTChallenge preprocessing of one frame.

    Predictions matched (Hungarian matching on IoU, at least 0.5) to a
    ground-truth box of a distractor class are removed; only ``conf = 1``
    pedestrian ground truth is kept. For MOT15 only ``conf = 0`` rows are
    removed. Same steps as TrackEval's
    ``MotChallenge2DBox.get_preprocessed_seq_data`` and
    ``motmetrics.preprocess.preprocessResult``.

    Args:
        gt (np.ndarray): ``(G, 9)`` ground-truth rows of the frame.
        results (np.ndarray): ``(P, 7)`` result rows of the frame.
        benchmark (str): Benchmark name.

    Returns:
        tuple[np.ndarray, np.ndarray]: Kept ground-truth ``(G', 9)`` and
        result ``(P', 7)`` rows.
    """
    distractors = distractor_classes(benchmark)
    if distractors and len(gt) and len(results):
        scores = box_iou_xywh(gt[:, 2:6], results[:, 2:6])
        scores[scores < _PREPROC_IOU - _EPS] = 0
        rows, cols = linear_sum_assignment(-scores)
        matched = scores[rows, cols] > _EPS
        rows, cols = rows[matched], cols[matched]
        drop = cols[np.isin(gt[rows, 7], distractors)]
        results = np.delete(results, drop, axis=0)
    keep = gt[:, 6] != 0
    if benchmark != 'MOT15':
        keep &= gt[:, 7] == 1
    return gt[keep], results


def _relabel(rows: np.ndarray) -> np.ndarray:
    """Copy with identities renumbered 1..K (TrackEval allocates arrays
    as large as the largest identity)."""
    rows = rows.copy()
    if len(rows):
        _, inverse = np.unique(rows[:, 1], return_inverse=True)
        rows[:, 1] = inverse + 1
    return rows


def eval_trackeval(sequences: Sequence[MOTSequence],
                   benchmark: str = 'MOT17',
                   iou_thr: float = 0.5,
                   verbose: bool = False) -> pd.DataFrame:
    """Evaluate with TrackEval (HOTA, CLEAR, Identity).

    Args:
        sequences (Sequence[MOTSequence]): Validated sequences.
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.
        iou_thr (float): IoU threshold of CLEAR and Identity matching.
            Defaults to 0.5.
        verbose (bool): Print TrackEval's own output. Defaults to False.

    Returns:
        pd.DataFrame: One row per sequence plus ``OVERALL``, columns
        :data:`ALL_METRICS`.
    """
    import trackeval

    check_benchmark(benchmark)
    tracker = 'tracker'
    with tempfile.TemporaryDirectory() as tmp:
        gt_dir, res_dir = osp.join(tmp, 'gt'), osp.join(tmp, 'res')
        os.makedirs(osp.join(res_dir, tracker))
        for seq in sequences:
            os.makedirs(osp.join(gt_dir, seq.name, 'gt'))
            gt = _relabel(seq.gt)
            if benchmark == 'MOT15':
                gt[:, 7:9] = -1  # MOT15 ground truth has no classes
            write_mot_gt(osp.join(gt_dir, seq.name, 'gt', 'gt.txt'), gt)
            write_mot_results(
                osp.join(res_dir, tracker, f'{seq.name}.txt'),
                _relabel(seq.results))
        eval_cfg = trackeval.Evaluator.get_default_eval_config()
        eval_cfg.update(
            USE_PARALLEL=False, BREAK_ON_ERROR=True, LOG_ON_ERROR=None,
            PRINT_RESULTS=False, PRINT_CONFIG=False, TIME_PROGRESS=False,
            OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False, PLOT_CURVES=False)
        data_cfg = trackeval.datasets.MotChallenge2DBox \
            .get_default_dataset_config()
        data_cfg.update(
            GT_FOLDER=gt_dir, TRACKERS_FOLDER=res_dir,
            OUTPUT_FOLDER=osp.join(tmp, 'out'), TRACKERS_TO_EVAL=[tracker],
            CLASSES_TO_EVAL=['pedestrian'], BENCHMARK=benchmark,
            SPLIT_TO_EVAL='train', DO_PREPROC=benchmark != 'MOT15',
            PRINT_CONFIG=False, TRACKER_SUB_FOLDER='', SKIP_SPLIT_FOL=True,
            SEQ_INFO={s.name: s.seq_length for s in sequences},
            GT_LOC_FORMAT='{gt_folder}/{seq}/gt/gt.txt')
        metric_cfg = dict(THRESHOLD=iou_thr, PRINT_CONFIG=False)
        metrics = [
            trackeval.metrics.HOTA(dict(PRINT_CONFIG=False)),
            trackeval.metrics.CLEAR(metric_cfg),
            trackeval.metrics.Identity(metric_cfg)
        ]
        out = io.StringIO()
        redirect = (contextlib.nullcontext() if verbose else
                    contextlib.redirect_stdout(out))
        with redirect:
            res, msg = trackeval.Evaluator(eval_cfg).evaluate(
                [trackeval.datasets.MotChallenge2DBox(data_cfg)], metrics)
        status = msg['MotChallenge2DBox'][tracker]
        if status != 'Success':
            raise RuntimeError(f'TrackEval failed: {status}\n'
                               f'{out.getvalue()}')
    res = res['MotChallenge2DBox'][tracker]
    rows = {}
    for name in [s.name for s in sequences] + ['COMBINED_SEQ']:
        r = res[name]['pedestrian']
        hota, clear, ident = r['HOTA'], r['CLEAR'], r['Identity']
        rows[OVERALL if name == 'COMBINED_SEQ' else name] = dict(
            MOTA=100 * clear['MOTA'],
            IDF1=100 * ident['IDF1'],
            HOTA=100 * float(np.mean(hota['HOTA'])),
            MOTP=100 * clear['MOTP'],
            MT=clear['MT'],
            ML=clear['ML'],
            FP=clear['CLR_FP'],
            FN=clear['CLR_FN'],
            IDS=clear['IDSW'],
            DetA=100 * float(np.mean(hota['DetA'])),
            AssA=100 * float(np.mean(hota['AssA'])),
            IDP=100 * ident['IDP'],
            IDR=100 * ident['IDR'],
            Rcll=100 * clear['CLR_Re'],
            Prcn=100 * clear['CLR_Pr'],
            Frag=clear['Frag'],
            GT_IDs=r['Count']['GT_IDs'])
    return _to_frame(rows)


def eval_motmetrics(sequences: Sequence[MOTSequence],
                    benchmark: str = 'MOT17',
                    iou_thr: float = 0.5) -> pd.DataFrame:
    """Evaluate with py-motmetrics (CLEAR and Identity; no HOTA).

    Args:
        sequences (Sequence[MOTSequence]): Validated sequences.
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.
        iou_thr (float): A ground-truth box and a prediction can match
            when their IoU is at least this. Defaults to 0.5.

    Returns:
        pd.DataFrame: One row per sequence plus ``OVERALL``, columns
        :data:`ALL_METRICS` (HOTA, DetA and AssA are NaN).
    """
    import motmetrics as mm

    check_benchmark(benchmark)
    accs = []
    for seq in sequences:
        acc = mm.MOTAccumulator(auto_id=False)
        gt_frames = _split_by_frame(seq.gt, seq.seq_length)
        res_frames = _split_by_frame(seq.results, seq.seq_length)
        for t in range(seq.seq_length):
            gt, res = preprocess_frame(gt_frames[t], res_frames[t], benchmark)
            if not len(gt) and not len(res):
                continue
            # motmetrics distance: 1 - IoU, NaN where pairing is not allowed
            dist = 1 - box_iou_xywh(gt[:, 2:6], res[:, 2:6])
            dist[dist > 1 - iou_thr + _EPS] = np.nan
            acc.update(gt[:, 1].astype(np.int64), res[:, 1].astype(np.int64),
                       dist, frameid=t + 1)
        accs.append(acc)
    names = [s.name for s in sequences]
    keys = ['mota', 'idf1', 'motp', 'mostly_tracked', 'mostly_lost',
            'num_false_positives', 'num_misses', 'num_switches', 'idp',
            'idr', 'recall', 'precision', 'num_fragmentations',
            'num_unique_objects']
    mh = mm.metrics.create()
    summary = mh.compute_many(
        accs, metrics=keys, names=names, generate_overall=True)
    rows = {}
    for name, s in summary.iterrows():
        rows[OVERALL if name == 'OVERALL' else name] = dict(
            MOTA=100 * s['mota'],
            IDF1=100 * s['idf1'],
            HOTA=np.nan,
            MOTP=100 * (1 - s['motp']),
            MT=s['mostly_tracked'],
            ML=s['mostly_lost'],
            FP=s['num_false_positives'],
            FN=s['num_misses'],
            IDS=s['num_switches'],
            DetA=np.nan,
            AssA=np.nan,
            IDP=100 * s['idp'],
            IDR=100 * s['idr'],
            Rcll=100 * s['recall'],
            Prcn=100 * s['precision'],
            Frag=s['num_fragmentations'],
            GT_IDs=s['num_unique_objects'])
    return _to_frame(rows)


def _to_frame(rows: Dict[str, dict]) -> pd.DataFrame:
    table = pd.DataFrame.from_dict(rows, orient='index')
    table = table[list(ALL_METRICS)].astype(float)
    table.index.name = 'sequence'
    return table


def evaluate_mot(gt_root: str,
                 results_dir: str,
                 seqs: Optional[Sequence[str]] = None,
                 backend: str = 'trackeval',
                 benchmark: str = 'MOT17',
                 iou_thr: float = 0.5,
                 gt_file: str = 'gt/gt.txt',
                 verbose: bool = False) -> Dict[str, pd.DataFrame]:
    """Evaluate a folder of MOTChallenge result files.

    Args:
        gt_root (str): Ground-truth folder (``<SEQ>/gt/gt.txt``,
            ``<SEQ>/seqinfo.ini``).
        results_dir (str): Folder of ``<SEQ>.txt`` result files.
        seqs (Sequence[str], optional): Sequences to evaluate. Defaults to
            None (all sequences with ground truth).
        backend (str): ``'trackeval'``, ``'motmetrics'`` or ``'both'``.
            Defaults to ``'trackeval'``.
        benchmark (str): ``MOT15``, ``MOT16``, ``MOT17`` or ``MOT20``.
            Defaults to ``'MOT17'``.
        iou_thr (float): IoU threshold of CLEAR and Identity matching.
            Defaults to 0.5.
        gt_file (str): Ground-truth file relative to a sequence folder.
            Defaults to ``'gt/gt.txt'``.
        verbose (bool): Print TrackEval's own output. Defaults to False.

    Returns:
        dict[str, pd.DataFrame]: Per back-end, a table with one row per
        sequence plus ``OVERALL`` and the columns :data:`ALL_METRICS`.
    """
    backends = BACKENDS if backend == 'both' else (backend, )
    if any(b not in BACKENDS for b in backends):
        raise ValueError(f"backend must be one of {BACKENDS + ('both', )}, "
                         f'got {backend!r}')
    sequences = load_sequences(gt_root, results_dir, seqs, benchmark,
                               gt_file)
    tables = {}
    if 'trackeval' in backends:
        tables['trackeval'] = eval_trackeval(sequences, benchmark, iou_thr,
                                             verbose)
    if 'motmetrics' in backends:
        tables['motmetrics'] = eval_motmetrics(sequences, benchmark,
                                               iou_thr)
    return tables


def compare_backends(
        tables: Dict[str, pd.DataFrame],
        metrics: Iterable[str] = AGREEMENT_METRICS,
        atol: float = 1e-6) -> pd.DataFrame:
    """Differences between the TrackEval and motmetrics tables.

    Args:
        tables (dict[str, pd.DataFrame]): Output of :func:`evaluate_mot`
            with both back-ends.
        metrics (Iterable[str]): Columns to compare. Defaults to
            :data:`AGREEMENT_METRICS`.
        atol (float): Differences up to this count as agreement.
            Defaults to 1e-6.

    Returns:
        pd.DataFrame: ``motmetrics - trackeval`` for the rows and columns
        where the two differ by more than ``atol`` (empty when they
        agree).
    """
    metrics = list(metrics)
    diff = tables['motmetrics'][metrics] - tables['trackeval'][metrics]
    bad = diff.abs() > atol
    return diff.loc[bad.any(axis=1), bad.any(axis=0)]


def format_table(table: pd.DataFrame,
                 metrics: Sequence[str] = TABLE_METRICS) -> str:
    """Render a result table as fixed-width text.

    Args:
        table (pd.DataFrame): A table from :func:`evaluate_mot`.
        metrics (Sequence[str]): Columns to show. Defaults to
            :data:`TABLE_METRICS`.

    Returns:
        str: Percentages with one decimal, counts as integers.
    """
    width = max([len('Sequence')] + [len(str(i)) for i in table.index])
    head = f'{"Sequence":<{width}}' + ''.join(f'{m:>8}' for m in metrics)
    lines = [head]
    for name, row in table.iterrows():
        cells = []
        for m in metrics:
            v = row[m]
            if np.isnan(v):
                cells.append(f'{"-":>8}')
            elif m in COUNT_METRICS:
                cells.append(f'{int(round(v)):>8d}')
            else:
                cells.append(f'{v:>8.1f}')
        lines.append(f'{str(name):<{width}}' + ''.join(cells))
    return '\n'.join(lines)
