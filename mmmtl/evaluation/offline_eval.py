"""Official MOTChallenge evaluation of result files, without a model.

Input is ground truth in the MOTChallenge layout (``<GT>/<SEQ>/gt/gt.txt``
and ``<GT>/<SEQ>/seqinfo.ini``) and a folder of tracker results
``<RES>/<SEQ>.txt``. Every file goes through the strict readers of
:mod:`mmmtl.formats` once; the validated sequences are written in
TrackEval's folder layout (:func:`mmmtl.formats.write_trackeval_layout`)
and both back-ends read those files:

- ``trackeval``: TrackEval's ``MotChallenge2DBox`` with the HOTA, CLEAR and
  Identity metrics, i.e. the code behind the official MOTChallenge
  numbers (the reference).
- ``motmetrics``: py-motmetrics, which JDE and FairMOT report, fed frame by
  frame with the output of TrackEval's own preprocessing
  (``MotChallenge2DBox.get_preprocessed_seq_data``: predictions on
  distractors removed, only ``conf = 1`` pedestrians kept, IoU of every
  remaining pair). The two share the file parsing, the preprocessing and
  the IoU; the matching and the counting of FP, FN, IDS and the identity
  metrics are independent. It has no HOTA; those columns are NaN.

The two CLEAR matchings differ by definition in one case, which is what
the cross-check can and cannot confirm: a target whose track reappears
after a gap. TrackEval, like the official devkit, prefers only the track
the target was matched to in the previous frame; py-motmetrics 1.4 re-links
the target to its last track whenever that track is within the IoU
threshold, however long ago. The ``Relinks`` column of the motmetrics table
counts the frames in which such a re-link was possible; IDS, MOTA, FP, FN
and MOTP may differ only in sequences where it is not zero. The identity
metrics (IDF1, IDP, IDR) are one global optimum in both and must always
agree (:func:`~mmmtl.evaluation.unexplained_disagreement`).

The one entry point is :func:`evaluate_sequences` (validated sequences);
:func:`evaluate_mot` is its form for folders of files. The tables are
printed and compared by :mod:`mmmtl.evaluation.result_tables`.

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
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from mmmtl.formats import (
    MOTSequence,
    TrackEvalLayout,
    check_benchmark,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
    write_trackeval_layout,
)

__all__ = [
    'AGREEMENT_METRICS', 'ALL_METRICS', 'COUNT_METRICS', 'IDENTITY_METRICS',
    'METRIC_BACKENDS', 'TABLE_METRICS', 'evaluate_mot', 'evaluate_sequences',
    'evaluation_inputs', 'load_sequences'
]

#: The papers' table, in order.
TABLE_METRICS = ('MOTA', 'IDF1', 'HOTA', 'MOTP', 'MT', 'ML', 'FP', 'FN',
                 'IDS')
#: Further columns of every table. ``Relinks`` (motmetrics only): frames
#: in which motmetrics could re-link a target to its track after a gap.
EXTRA_METRICS = ('DetA', 'AssA', 'IDP', 'IDR', 'Rcll', 'Prcn', 'Frag',
                 'GT_IDs', 'Relinks')
ALL_METRICS = TABLE_METRICS + EXTRA_METRICS
#: Columns holding counts (the rest are percentages).
COUNT_METRICS = ('MT', 'ML', 'FP', 'FN', 'IDS', 'Frag', 'GT_IDs',
                 'Relinks')
#: Columns compared between the two back-ends: every column both compute
#: that the tables print (HOTA, DetA and AssA are TrackEval's only).
AGREEMENT_METRICS = ('MOTA', 'IDF1', 'MOTP', 'MT', 'ML', 'FP', 'FN', 'IDS',
                     'Frag', 'IDP', 'IDR', 'Rcll', 'Prcn', 'GT_IDs')
#: Columns that must agree whatever the tracks (one global optimum).
IDENTITY_METRICS = ('IDF1', 'IDP', 'IDR', 'GT_IDs')
#: The metric back-ends of :func:`evaluate_sequences` (``'both'`` runs
#: the two).
METRIC_BACKENDS = ('trackeval', 'motmetrics')
OVERALL = 'OVERALL'
TRACKER = 'default-tracker'

_EPS = np.finfo(float).eps


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
        benchmark (str): A name of :data:`~mmmtl.formats.BENCHMARKS`
            (``MOT15`` .. ``MOT20``, ``DanceTrack``, ``SportsMOT``).
            Defaults to ``'MOT17'``.
        gt_file (str): Ground-truth file relative to a sequence folder,
            e.g. ``gt/gt_half-val.txt`` for the second half of each
            training sequence. Defaults to ``'gt/gt.txt'``.

    Returns:
        list[MOTSequence]: One entry per sequence, sorted by name unless
        ``seqs`` gives the order. Identities are those of the files, except
        in a file holding one of 2**53 or more, whose identities are
        numbered 1..K in increasing order (``renumber_large_ids=True``:
        exact for any 64-bit identity; every metric is unchanged).

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
            osp.join(seq_dir, gt_file), info.seq_length, benchmark,
            renumber_large_ids=True)
        res_file = osp.join(results_dir, f'{seq}.txt')
        if not osp.isfile(res_file):
            raise FileNotFoundError(
                f'no result file for sequence {seq!r}: expected {res_file}')
        results = read_mot_results(
            res_file, info.seq_length, renumber_large_ids=True)
        sequences.append(MOTSequence(seq, info.seq_length, gt, results))
    return sequences


def evaluation_inputs(gt_root: str,
                      results_dir: str,
                      gt_file: str = 'gt/gt.txt') -> List[str]:
    """The files an evaluation of ``gt_root`` and ``results_dir`` may read.

    Every file of ``results_dir`` and, in each sequence folder of
    ``gt_root``, its ``seqinfo.ini``, ``gt_file`` and the files beside
    ``gt_file``: the paths no output of the evaluation may overwrite
    (:func:`mmmtl.utils.check_outputs`).

    Args:
        gt_root (str): Ground-truth folder.
        results_dir (str): Folder of result files.
        gt_file (str): Ground-truth file relative to a sequence folder.
            Defaults to ``'gt/gt.txt'``.

    Returns:
        list[str]: Existing files (missing folders give none).
    """
    files = []
    if osp.isdir(results_dir):
        files += [
            osp.join(results_dir, f) for f in sorted(os.listdir(results_dir))
        ]
    if osp.isdir(gt_root):
        for seq in sorted(os.listdir(gt_root)):
            seq_dir = osp.join(gt_root, seq)
            if not osp.isdir(seq_dir):
                continue
            files.append(osp.join(seq_dir, 'seqinfo.ini'))
            gt_dir = osp.dirname(osp.join(seq_dir, gt_file))
            if osp.isdir(gt_dir):
                files += [
                    osp.join(gt_dir, f) for f in sorted(os.listdir(gt_dir))
                ]
    return [f for f in files if osp.isfile(f)]


def _dataset(layout: TrackEvalLayout, benchmark: str, output_dir: str):
    """TrackEval's ``MotChallenge2DBox`` on the files of ``layout``."""
    import trackeval

    cfg = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    cfg.update(layout.dataset_config())
    cfg.update(
        OUTPUT_FOLDER=output_dir, CLASSES_TO_EVAL=['pedestrian'],
        BENCHMARK=benchmark, SPLIT_TO_EVAL='train',
        DO_PREPROC=benchmark != 'MOT15', PRINT_CONFIG=False)
    return trackeval.datasets.MotChallenge2DBox(cfg)


def _to_frame(rows: Dict[str, dict]) -> pd.DataFrame:
    table = pd.DataFrame.from_dict(rows, orient='index')
    table = table[list(ALL_METRICS)].astype(float)
    table.index.name = 'sequence'
    return table


def _run_trackeval(layout: TrackEvalLayout,
                   benchmark: str = 'MOT17',
                   iou_thr: float = 0.5,
                   verbose: bool = False) -> pd.DataFrame:
    """Evaluate written files with TrackEval (HOTA, CLEAR, Identity).

    Args:
        layout (TrackEvalLayout): Files from
            :func:`~mmmtl.formats.write_trackeval_layout`.
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.
        iou_thr (float): IoU threshold of CLEAR and Identity matching.
            Defaults to 0.5.
        verbose (bool): Print TrackEval's own output. Defaults to False.

    Returns:
        pd.DataFrame: One row per sequence plus ``OVERALL``, columns
        :data:`ALL_METRICS` (``Relinks`` is NaN).
    """
    import trackeval

    check_benchmark(benchmark)
    eval_cfg = trackeval.Evaluator.get_default_eval_config()
    eval_cfg.update(
        USE_PARALLEL=False, BREAK_ON_ERROR=True, LOG_ON_ERROR=None,
        PRINT_RESULTS=False, PRINT_CONFIG=False, TIME_PROGRESS=False,
        OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False, PLOT_CURVES=False)
    metric_cfg = dict(THRESHOLD=iou_thr, PRINT_CONFIG=False)
    metrics = [
        trackeval.metrics.HOTA(dict(PRINT_CONFIG=False)),
        trackeval.metrics.CLEAR(metric_cfg),
        trackeval.metrics.Identity(metric_cfg)
    ]
    out = io.StringIO()
    redirect = (contextlib.nullcontext() if verbose else
                contextlib.redirect_stdout(out))
    with tempfile.TemporaryDirectory() as tmp, redirect:
        dataset = _dataset(layout, benchmark, tmp)
        order = list(dataset.seq_list)
        res, msg = trackeval.Evaluator(eval_cfg).evaluate([dataset],
                                                          metrics)
    status = msg['MotChallenge2DBox'][layout.tracker]
    if status != 'Success':
        raise RuntimeError(f'TrackEval failed: {status}\n{out.getvalue()}')
    res = res['MotChallenge2DBox'][layout.tracker]
    rows = {}
    for name in order + ['COMBINED_SEQ']:
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
            GT_IDs=r['Count']['GT_IDs'],
            Relinks=np.nan)
    return _to_frame(rows)


def _count_relinks(acc, gt_ids: np.ndarray, tracker_ids: np.ndarray,
                   dist: np.ndarray, prev_frame: Optional[int]) -> int:
    """Targets motmetrics can re-link to their last track after a gap.

    Before ``acc.update``: a target that was matched before but not in
    ``prev_frame`` whose last track is present and within the threshold.
    """
    count = 0
    for i, o in enumerate(gt_ids):
        if o not in acc.m or acc.last_match.get(o) == prev_frame:
            continue
        j = np.flatnonzero(tracker_ids == acc.m[o])
        count += int(len(j) > 0 and np.isfinite(dist[i, j[0]]))
    return count


def _run_motmetrics(layout: TrackEvalLayout,
                    benchmark: str = 'MOT17',
                    iou_thr: float = 0.5) -> pd.DataFrame:
    """Evaluate written files with py-motmetrics (CLEAR and Identity).

    The frames are those of TrackEval's preprocessing (see the module
    docstring); py-motmetrics matches and counts.

    Args:
        layout (TrackEvalLayout): Files from
            :func:`~mmmtl.formats.write_trackeval_layout`.
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.
        iou_thr (float): A ground-truth box and a prediction can match
            when their IoU is at least this. Defaults to 0.5.

    Returns:
        pd.DataFrame: One row per sequence plus ``OVERALL``, columns
        :data:`ALL_METRICS` (HOTA, DetA and AssA are NaN).
    """
    import motmetrics as mm

    check_benchmark(benchmark)
    accs, names, relinks = [], [], {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(
            io.StringIO()):
        dataset = _dataset(layout, benchmark, tmp)
        for seq in dataset.seq_list:
            raw = dataset.get_raw_seq_data(layout.tracker, seq)
            data = dataset.get_preprocessed_seq_data(raw, 'pedestrian')
            acc = mm.MOTAccumulator(auto_id=False)
            relinks[seq] = 0
            prev = None
            for t in range(data['num_timesteps']):
                gt_ids = np.asarray(data['gt_ids'][t], np.int64)
                tr_ids = np.asarray(data['tracker_ids'][t], np.int64)
                sim = np.asarray(data['similarity_scores'][t], float)
                sim = sim.reshape(len(gt_ids), len(tr_ids))
                # motmetrics distance: 1 - IoU, NaN where pairing is not
                # allowed (TrackEval's test: IoU >= thr - eps)
                dist = np.where(sim >= iou_thr - _EPS, 1 - sim, np.nan)
                relinks[seq] += _count_relinks(acc, gt_ids, tr_ids, dist,
                                               prev)
                acc.update(gt_ids, tr_ids, dist, frameid=t + 1)
                prev = t + 1
            accs.append(acc)
            names.append(seq)
    keys = ['mota', 'idf1', 'motp', 'mostly_tracked', 'mostly_lost',
            'num_false_positives', 'num_misses', 'num_switches', 'idp',
            'idr', 'recall', 'precision', 'num_fragmentations',
            'num_unique_objects', 'num_detections']
    mh = mm.metrics.create()
    summary = mh.compute_many(
        accs, metrics=keys, names=names, generate_overall=True)
    # motmetrics' overall MOTP weights each sequence's MOTP by its matches;
    # a sequence without a match (nothing to evaluate) has MOTP NaN and,
    # weight 0 or not, would make the sum NaN: leave it out
    per_seq = summary.drop(index='OVERALL')
    matched = per_seq['num_detections'] > 0
    if matched.any():
        summary.loc['OVERALL', 'motp'] = float(
            (per_seq['motp'][matched] * per_seq['num_detections'][matched]
             ).sum() / per_seq['num_detections'][matched].sum())
    relinks[OVERALL] = sum(relinks.values())
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
            GT_IDs=s['num_unique_objects'],
            Relinks=relinks[OVERALL if name == 'OVERALL' else name])
    return _to_frame(rows)


def _check_backend(backend: str) -> Tuple[str, ...]:
    """The back-ends that ``backend`` names (``'both'``: the two)."""
    if backend == 'both':
        return METRIC_BACKENDS
    if backend not in METRIC_BACKENDS:
        raise ValueError('backend must be one of '
                         f"{METRIC_BACKENDS + ('both', )}, got {backend!r}")
    return (backend, )


def evaluate_sequences(sequences: Sequence[MOTSequence],
                       backend: str = 'trackeval',
                       benchmark: str = 'MOT17',
                       iou_thr: float = 0.5,
                       out_dir: Optional[str] = None,
                       decimals: Optional[int] = None,
                       verbose: bool = False) -> Dict[str, pd.DataFrame]:
    """Write validated sequences in TrackEval's layout once and evaluate.

    Args:
        sequences (Sequence[MOTSequence]): Validated sequences.
        backend (str): ``'trackeval'``, ``'motmetrics'`` or ``'both'``.
            Defaults to ``'trackeval'``.
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.
        iou_thr (float): IoU threshold of CLEAR and Identity matching.
            Defaults to 0.5.
        out_dir (str, optional): Folder to keep the files in (see
            :func:`~mmmtl.formats.write_trackeval_layout`); the official
            TrackEval evaluation of these files gives the returned
            numbers. Defaults to None (a temporary folder).
        decimals (int, optional): Decimals of result boxes and scores in
            the files; the evaluation reads the files, so it uses the
            rounded values. Defaults to None (exact).
        verbose (bool): Print TrackEval's own output. Defaults to False.

    Returns:
        dict[str, pd.DataFrame]: Per back-end, a table with one row per
        sequence plus ``OVERALL`` and the columns :data:`ALL_METRICS`.
    """
    backends = _check_backend(backend)
    check_benchmark(benchmark)
    with contextlib.ExitStack() as stack:
        if out_dir is None:
            out_dir = stack.enter_context(tempfile.TemporaryDirectory())
        layout = write_trackeval_layout(out_dir, sequences, benchmark,
                                        TRACKER, decimals)
        tables = {}
        if 'trackeval' in backends:
            tables['trackeval'] = _run_trackeval(layout, benchmark,
                                                 iou_thr, verbose)
        if 'motmetrics' in backends:
            tables['motmetrics'] = _run_motmetrics(layout, benchmark,
                                                   iou_thr)
    return tables


def evaluate_mot(gt_root: str,
                 results_dir: str,
                 seqs: Optional[Sequence[str]] = None,
                 backend: str = 'trackeval',
                 benchmark: str = 'MOT17',
                 iou_thr: float = 0.5,
                 gt_file: str = 'gt/gt.txt',
                 verbose: bool = False) -> Dict[str, pd.DataFrame]:
    """Evaluate a folder of MOTChallenge result files.

    The folder form of :func:`evaluate_sequences`: the files are read and
    checked by :func:`load_sequences`, then evaluated the same way.

    Args:
        gt_root (str): Ground-truth folder (``<SEQ>/gt/gt.txt``,
            ``<SEQ>/seqinfo.ini``).
        results_dir (str): Folder of ``<SEQ>.txt`` result files.
        seqs (Sequence[str], optional): Sequences to evaluate. Defaults to
            None (all sequences with ground truth).
        backend (str): ``'trackeval'``, ``'motmetrics'`` or ``'both'``.
            Defaults to ``'trackeval'``.
        benchmark (str): A name of :data:`~mmmtl.formats.BENCHMARKS`
            (``MOT15`` .. ``MOT20``, ``DanceTrack``, ``SportsMOT``).
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
    _check_backend(backend)  # before reading any file
    sequences = load_sequences(gt_root, results_dir, seqs, benchmark,
                               gt_file)
    return evaluate_sequences(sequences, backend, benchmark, iou_thr,
                              verbose=verbose)
