"""Where the errors of a tracker are: TrackEval's own matching, per frame.

The official CLEAR metric (TrackEval's ``CLEAR.eval_sequence``) matches
ground truth and tracks frame by frame (a Hungarian assignment that first
keeps the track each target had in the previous frame, then maximises
IoU) and only returns counts. :class:`RecordingCLEAR` runs that very
method and records the assignment it makes in every frame, so the misses,
false positives, identity switches and fragmentations listed here are the
ones behind TrackEval's ``CLR_FN``, ``CLR_FP``, ``IDSW`` and ``Frag``:
:func:`analyse_errors` checks that the recorded events add up to
TrackEval's counts and raises otherwise.

The frames are those of TrackEval's ``MotChallenge2DBox`` preprocessing
(predictions on distractors removed, zero-marked and non-pedestrian ground
truth dropped), run on the files of
:func:`~mmmtl.formats.write_trackeval_layout` exactly as
:func:`~mmmtl.evaluation.evaluate_sequences` runs it. Identities in the events
are those of the sequences given: the files of the layout number them 1..K
(:func:`~mmmtl.formats.dense_ids`) and the events map them back (sequences
read by :func:`~mmmtl.evaluation.load_sequences` hold the files' own
identities, or 1..K for a file with an identity of 2**53 or more).
"""
import contextlib
import io
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from mmmtl.formats import MOTSequence, check_benchmark, write_trackeval_layout

from .offline_eval import TRACKER, _dataset, _run_trackeval

__all__ = [
    'FrameErrors', 'IDSwitch', 'RecordingCLEAR', 'SequenceErrors',
    'analyse_errors'
]

_EPS = np.finfo('float').eps


@dataclass
class IDSwitch:
    """One identity switch of TrackEval's CLEAR.

    Attributes:
        gt_id (int): The person (ground-truth identity of the input file).
        track_id (int): The track that took the person in this frame.
        previous_track_id (int): The track last matched to the person.
    """
    gt_id: int
    track_id: int
    previous_track_id: int


@dataclass
class FrameErrors:
    """What TrackEval's CLEAR matching made of one frame.

    Boxes are ``(x, y, w, h)`` as in the files (1-based pixel
    coordinates of the top-left corner), as TrackEval reads them.

    Attributes:
        frame (int): 1-based frame number.
        gt_ids (np.ndarray): ``(G, )`` evaluated ground-truth identities.
        gt_boxes (np.ndarray): ``(G, 4)`` their boxes.
        track_ids (np.ndarray): ``(P, )`` evaluated track identities
            (those on distractors removed).
        track_boxes (np.ndarray): ``(P, 4)`` their boxes.
        matches (np.ndarray): ``(M, 2)`` indices ``(g, p)`` into the
            ground truth and the tracks: the true positives.
        misses (np.ndarray): ``(G - M, )`` indices of the unmatched ground
            truth (FN).
        false_positives (np.ndarray): ``(P - M, )`` indices of the
            unmatched tracks (FP).
        switches (list[IDSwitch]): Identity switches (IDSW).
        fragmentations (np.ndarray): Ground-truth identities tracked again
            after an interruption (each counts one Frag).
    """
    frame: int
    gt_ids: np.ndarray
    gt_boxes: np.ndarray
    track_ids: np.ndarray
    track_boxes: np.ndarray
    matches: np.ndarray
    misses: np.ndarray
    false_positives: np.ndarray
    switches: List[IDSwitch] = field(default_factory=list)
    fragmentations: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class SequenceErrors:
    """The errors of one sequence and TrackEval's numbers for it.

    Attributes:
        name (str): Sequence name.
        frames (list[FrameErrors]): One entry per frame, in order.
        clear (dict): TrackEval's CLEAR result of the sequence.
        hota (dict): TrackEval's HOTA result; ``HOTA``, ``DetA`` and
            ``AssA`` are ``(19, )`` arrays over ``alphas``.
        alphas (np.ndarray): ``(19, )`` localisation thresholds of HOTA.
    """
    name: str
    frames: List[FrameErrors]
    clear: dict
    hota: dict
    alphas: np.ndarray

    def counts(self) -> Dict[str, int]:
        """Events per kind: ``IDSW``, ``FN``, ``FP``, ``Frag``, ``TP``."""
        return dict(
            IDSW=sum(len(f.switches) for f in self.frames),
            FN=sum(len(f.misses) for f in self.frames),
            FP=sum(len(f.false_positives) for f in self.frames),
            Frag=sum(len(f.fragmentations) for f in self.frames),
            TP=sum(len(f.matches) for f in self.frames))

    def per_frame(self) -> Dict[str, np.ndarray]:
        """``(T, )`` arrays of the events per frame, and ``frame``."""
        return dict(
            frame=np.array([f.frame for f in self.frames]),
            IDSW=np.array([len(f.switches) for f in self.frames]),
            FN=np.array([len(f.misses) for f in self.frames]),
            FP=np.array([len(f.false_positives) for f in self.frames]),
            Frag=np.array([len(f.fragmentations) for f in self.frames]))


def _clear_class():
    """:class:`RecordingCLEAR`, built on first use (TrackEval is an
    optional dependency of the package)."""
    import trackeval
    from trackeval.metrics import clear as clear_module

    class _RecordingCLEAR(trackeval.metrics.CLEAR):
        """TrackEval's CLEAR that keeps the assignment of every frame.

        ``eval_sequence`` is TrackEval's own; while it runs, the
        Hungarian solver it calls (``linear_sum_assignment`` of its
        module) is wrapped so that each call's input and output are kept.
        TrackEval calls it once per frame that has both ground truth and
        tracks, in frame order, which gives each call its frame.
        TrackEval offers no other way to see its matches.

        Attributes:
            assignments (dict[int, tuple]): Per 0-based frame with both
                ground truth and tracks, ``(rows, cols)`` of the pairs it
                accepted (score above zero, i.e. IoU at least the
                threshold).
        """

        def eval_sequence(self, data: dict) -> dict:
            frames = [
                t for t in range(data['num_timesteps'])
                if len(data['gt_ids'][t]) and len(data['tracker_ids'][t])
            ]
            self.assignments = {}
            solve = clear_module.linear_sum_assignment
            calls = iter(frames)

            def recording(cost, *args, **kwargs):
                rows, cols = solve(cost, *args, **kwargs)
                t = next(calls)
                shape = (len(data['gt_ids'][t]), len(data['tracker_ids'][t]))
                if cost.shape != shape:
                    raise RuntimeError(
                        f'TrackEval CLEAR solved a {cost.shape} problem in '
                        f'frame {t + 1} with {shape} boxes; this version '
                        'of TrackEval matches differently')
                # CLEAR keeps the pairs whose score is above zero
                keep = -cost[rows, cols] > 0 + _EPS
                self.assignments[t] = (rows[keep], cols[keep])
                return rows, cols

            clear_module.linear_sum_assignment = recording
            try:
                return super().eval_sequence(data)
            finally:
                clear_module.linear_sum_assignment = solve

    return _RecordingCLEAR


def RecordingCLEAR(config: Optional[dict] = None):  # noqa: N802
    """TrackEval's CLEAR metric recording its per-frame assignment.

    Args:
        config (dict, optional): TrackEval's CLEAR config (``THRESHOLD``,
            ``PRINT_CONFIG``). Defaults to None.

    Returns:
        trackeval.metrics.CLEAR: An instance of the recording subclass;
        after ``eval_sequence`` its ``assignments`` hold, per 0-based frame,
        the accepted ``(rows, cols)`` index pairs.
    """
    return _clear_class()(config)


def _with_ids(dets: List[np.ndarray], ids: List[np.ndarray],
              originals: np.ndarray) -> List[np.ndarray]:
    """Boxes with the sequence's identity as a fifth column.

    TrackEval's preprocessing selects rows of the boxes with the same
    masks as the identities and then renumbers the identities; the extra
    column carries the sequence's numbers through it. ``ids`` are those of
    the layout's files, 1..K: the k-th of the sorted ``originals``.
    """
    return [
        np.concatenate([
            np.asarray(d, float).reshape(-1, 4),
            originals[np.asarray(i, np.int64).reshape(-1) - 1, None]
        ], axis=1) for d, i in zip(dets, ids)
    ]


def _events(data: dict, assignments: Dict[int, tuple]) -> List[FrameErrors]:
    """Per-frame events from the recorded assignment.

    Identity switches and fragmentations follow the bookkeeping of
    TrackEval's CLEAR: a switch when the track matched to a person differs
    from the one matched last (however long ago), a fragmentation when a
    person is tracked again after a frame without a match.
    """
    last_track: Dict[int, int] = {}
    tracked_before: set = set()
    tracked_prev: set = set()
    out = []
    for t in range(data['num_timesteps']):
        gt = np.asarray(data['gt_dets'][t], float).reshape(-1, 5)
        tr = np.asarray(data['tracker_dets'][t], float).reshape(-1, 5)
        rows, cols = assignments.get(t, (np.zeros(0, int), np.zeros(0, int)))
        gt_ids = gt[:, 4].astype(np.int64)
        tr_ids = tr[:, 4].astype(np.int64)
        switches, frags, now = [], [], set()
        for r, c in zip(rows, cols):
            g, p = int(gt_ids[r]), int(tr_ids[c])
            if g in last_track and last_track[g] != p:
                switches.append(IDSwitch(g, p, last_track[g]))
            last_track[g] = p
            now.add(g)
            if g not in tracked_prev and g in tracked_before:
                frags.append(g)
            tracked_before.add(g)
        if t in assignments:  # CLEAR skips frames without ground truth
            tracked_prev = now  # or without tracks
        matched_g, matched_p = set(rows.tolist()), set(cols.tolist())
        out.append(FrameErrors(
            frame=t + 1, gt_ids=gt_ids, gt_boxes=gt[:, :4],
            track_ids=tr_ids, track_boxes=tr[:, :4],
            matches=np.stack([rows, cols], 1).astype(np.int64).reshape(-1, 2),
            misses=np.array(
                [i for i in range(len(gt_ids)) if i not in matched_g],
                np.int64),
            false_positives=np.array(
                [j for j in range(len(tr_ids)) if j not in matched_p],
                np.int64),
            switches=switches,
            fragmentations=np.array(frags, np.int64)))
    return out


def _check_counts(seq: SequenceErrors) -> None:
    got = seq.counts()
    want = dict(IDSW=seq.clear['IDSW'], FN=seq.clear['CLR_FN'],
                FP=seq.clear['CLR_FP'], Frag=seq.clear['Frag'],
                TP=seq.clear['CLR_TP'])
    bad = {k: (got[k], int(want[k])) for k in want if got[k] != want[k]}
    if bad:
        raise RuntimeError(
            f'{seq.name}: recorded events differ from TrackEval\'s counts '
            f'(recorded, TrackEval): {bad}')


def analyse_errors(sequences: Sequence[MOTSequence],
                   benchmark: str = 'MOT17',
                   iou_thr: float = 0.5,
                   out_dir: Optional[str] = None
                   ) -> Tuple[List[SequenceErrors], pd.DataFrame]:
    """TrackEval's matching of every sequence, frame by frame.

    Args:
        sequences (Sequence[MOTSequence]): Validated sequences (see
            :func:`~mmmtl.evaluation.load_sequences`).
        benchmark (str): Benchmark name (distractor classes).
            Defaults to ``'MOT17'``.
        iou_thr (float): IoU threshold of the CLEAR matching. Defaults to
            0.5.
        out_dir (str, optional): Folder for the TrackEval-layout files.
            Defaults to None (a temporary folder).

    Returns:
        tuple[list[SequenceErrors], pd.DataFrame]: The events of each
        sequence, and the official table of
        :func:`~mmmtl.evaluation.evaluate_sequences` on the same files
        (one row per sequence plus ``OVERALL``).

    Raises:
        RuntimeError: If the recorded events do not add up to TrackEval's
            IDSW, FN, FP, Frag or TP of a sequence.
    """
    import trackeval

    check_benchmark(benchmark)
    with contextlib.ExitStack() as stack:
        if out_dir is None:
            out_dir = stack.enter_context(tempfile.TemporaryDirectory())
        layout = write_trackeval_layout(out_dir, sequences, benchmark,
                                        TRACKER)
        table = _run_trackeval(layout, benchmark, iou_thr)
        results = []
        with tempfile.TemporaryDirectory() as tmp, \
                contextlib.redirect_stdout(io.StringIO()):
            dataset = _dataset(layout, benchmark, tmp)
            given = {s.name: s for s in sequences}
            for name in dataset.seq_list:
                raw = dataset.get_raw_seq_data(layout.tracker, name)
                raw = dict(raw)
                raw['gt_dets'] = _with_ids(
                    raw['gt_dets'], raw['gt_ids'],
                    np.unique(given[name].gt[:, 1]))
                raw['tracker_dets'] = _with_ids(
                    raw['tracker_dets'], raw['tracker_ids'],
                    np.unique(given[name].results[:, 1]))
                data = dataset.get_preprocessed_seq_data(raw, 'pedestrian')
                clear = RecordingCLEAR(
                    dict(THRESHOLD=iou_thr, PRINT_CONFIG=False))
                clear_res = clear.eval_sequence(data)
                hota_metric = trackeval.metrics.HOTA(
                    dict(PRINT_CONFIG=False))
                hota_res = hota_metric.eval_sequence(data)
                seq = SequenceErrors(
                    name=name, frames=_events(data, clear.assignments),
                    clear=clear_res, hota=hota_res,
                    alphas=np.asarray(hota_metric.array_labels, float))
                _check_counts(seq)
                results.append(seq)
    return results, table
