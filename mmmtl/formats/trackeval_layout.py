"""The folder layout that TrackEval's ``MotChallenge2DBox`` reads.

:func:`write_trackeval_layout` writes validated sequences
(:class:`~mmmtl.formats.MOTSequence`) as ground truth, ``seqinfo.ini``,
results and a seqmap; the official evaluation runs on these files as they
are. The identities of each sequence's ground truth, and separately of its
results, are written as 1..K (:func:`~mmmtl.formats.dense_ids`): TrackEval
and motmetrics read identities as floats and TrackEval sizes its arrays by
the largest one, and the map is 1-to-1, so no metric changes.
"""
import os
import os.path as osp
import shutil
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence

import numpy as np

from .benchmarks import check_benchmark
from .motchallenge import (
    MOTSequence,
    dense_ids,
    open_new,
    write_mot_gt,
    write_mot_results,
)
from .seqinfo import SeqInfo, write_seqinfo

__all__ = ['TrackEvalLayout', 'write_trackeval_layout']


@dataclass(frozen=True)
class TrackEvalLayout:
    """Folders and files of :func:`write_trackeval_layout`.

    TrackEval's ``MotChallenge2DBox`` reads them with ``GT_FOLDER``,
    ``TRACKERS_FOLDER``, ``TRACKERS_TO_EVAL=[tracker]``,
    ``TRACKER_SUB_FOLDER=''``, ``SKIP_SPLIT_FOL=True`` and
    ``SEQMAP_FILE`` (see :meth:`dataset_config`).

    Attributes:
        root (str): The output folder.
        gt_folder (str): ``<root>/gt``, one ``<SEQ>/gt/gt.txt`` and
            ``<SEQ>/seqinfo.ini`` per sequence.
        trackers_folder (str): ``<root>``.
        tracker (str): Name of the result folder ``<root>/<tracker>``.
        seqmap_file (str): ``<root>/seqmap.txt``.
    """
    root: str
    gt_folder: str
    trackers_folder: str
    tracker: str
    seqmap_file: str

    @property
    def results_folder(self) -> str:
        """``<root>/<tracker>``, one ``<SEQ>.txt`` per sequence."""
        return osp.join(self.trackers_folder, self.tracker)

    def dataset_config(self) -> Dict[str, Any]:
        """The keys of TrackEval's dataset config that locate the files."""
        return dict(
            GT_FOLDER=self.gt_folder,
            TRACKERS_FOLDER=self.trackers_folder,
            TRACKERS_TO_EVAL=[self.tracker],
            TRACKER_SUB_FOLDER='',
            SKIP_SPLIT_FOL=True,
            SEQMAP_FILE=self.seqmap_file,
            GT_LOC_FORMAT='{gt_folder}/{seq}/gt/gt.txt')


def _relabel(rows: np.ndarray) -> np.ndarray:
    """Copy with identities numbered 1..K in increasing order."""
    rows = np.array(rows, np.float64)
    rows[:, 1] = dense_ids(rows[:, 1])
    return rows


def _check_replaceable(folder: str, is_gt: bool) -> None:
    """Refuse to replace a folder this module did not write."""
    for name in os.listdir(folder):
        path = osp.join(folder, name)
        if is_gt:
            ours = (osp.isdir(path) and sorted(os.listdir(path))
                    == ['gt', 'seqinfo.ini']
                    and os.listdir(osp.join(path, 'gt')) == ['gt.txt'])
        else:
            ours = osp.isfile(path) and name.endswith('.txt')
        if not ours:
            raise FileExistsError(
                f'{folder} holds {name!r}, which was not written by an '
                'earlier evaluation; choose another output folder')


def write_trackeval_layout(root: str,
                           sequences: Sequence[MOTSequence],
                           benchmark: str = 'MOT17',
                           tracker: str = 'default-tracker',
                           decimals: Optional[int] = None) -> TrackEvalLayout:
    """Write sequences in the folder layout of TrackEval's MOTChallenge.

    ``<root>/gt/<SEQ>/{gt/gt.txt, seqinfo.ini}``, ``<root>/<tracker>/
    <SEQ>.txt`` and ``<root>/seqmap.txt``. The official evaluation runs on
    these files as they are (``trackeval/scripts/run_mot_challenge.py``
    with the arguments of :meth:`TrackEvalLayout.dataset_config`). An
    earlier ``<root>/<tracker>`` and ``<root>/gt`` are replaced, so no
    sequence of an earlier run is left beside the new ones. Identities are
    written as 1..K per sequence, separately for ground truth and results
    (the k-th smallest identity as k).

    Args:
        root (str): Output folder.
        sequences (Sequence[MOTSequence]): Validated sequences, with
            distinct names.
        benchmark (str): Benchmark name; MOT15 ground truth is written
            with class and visibility -1 (it has no classes).
            Defaults to ``'MOT17'``.
        tracker (str): Name of the result folder.
            Defaults to ``'default-tracker'``.
        decimals (int, optional): Decimals of result boxes and scores.
            Defaults to None (exact).

    Returns:
        TrackEvalLayout: Where the files are.
    """
    check_benchmark(benchmark)
    names = [s.name for s in sequences]
    if len(set(names)) != len(names):
        raise ValueError(f'sequence names are not unique: {names}')
    layout = TrackEvalLayout(
        root=root,
        gt_folder=osp.join(root, 'gt'),
        trackers_folder=root,
        tracker=tracker,
        seqmap_file=osp.join(root, 'seqmap.txt'))
    for folder in (layout.gt_folder, layout.results_folder):
        if osp.isdir(folder):
            _check_replaceable(folder, folder == layout.gt_folder)
            shutil.rmtree(folder)
        os.makedirs(folder)
    for seq in sequences:
        gt, res = _relabel(seq.gt), _relabel(seq.results)
        if benchmark == 'MOT15':
            gt[:, 7:9] = -1
        seq_dir = osp.join(layout.gt_folder, seq.name)
        os.makedirs(osp.join(seq_dir, 'gt'))
        write_seqinfo(
            osp.join(seq_dir, 'seqinfo.ini'),
            SeqInfo(name=seq.name, seq_length=seq.seq_length))
        write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), gt)
        write_mot_results(
            osp.join(layout.results_folder, f'{seq.name}.txt'), res,
            decimals)
    with open_new(layout.seqmap_file) as f:
        f.write('\n'.join(['name'] + names) + '\n')
    return layout
