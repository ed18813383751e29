"""The tracker's state: every kept track as one row of column arrays."""
import numpy as np

from .box_ops import overlapping_iou, xyah_to_xyxy


class TrackTable(dict):
    """Every kept track (tracked, unconfirmed or lost) as a row of stacked
    column arrays, so that each step of the tracker is a few NumPy calls
    whatever the number of tracks, instead of one Python object per track.

    A dict of column name -> array whose first axis is the track:

    - ``ids`` (M,) int64: identities;
    - ``labels`` (M,) int64: classes;
    - ``mean`` (M, 8), ``cov`` (M, 8, 8): Kalman states, ``(cx, cy, a, h)``
      and their velocities;
    - ``embeds`` (M, D) float32: unit appearance memories (D = 0 while
      the table is empty);
    - ``scores`` (M,) float32, ``det_bboxes`` (M, 4): score and box of the
      last matched detection;
    - ``lost`` (M,) bool: unmatched since it was last tracked;
    - ``activated`` (M,) bool: confirmed;
    - ``start_frame``, ``last_frame`` (M,) int64: frame of birth and of
      the last match.
    """

    def __init__(self) -> None:
        super().__init__(
            ids=np.zeros(0, np.int64),
            labels=np.zeros(0, np.int64),
            mean=np.zeros((0, 8)),
            cov=np.zeros((0, 8, 8)),
            embeds=np.zeros((0, 0), np.float32),
            scores=np.zeros(0, np.float32),
            det_bboxes=np.zeros((0, 4)),
            lost=np.zeros(0, bool),
            activated=np.zeros(0, bool),
            start_frame=np.zeros(0, np.int64),
            last_frame=np.zeros(0, np.int64))
        # the boxes (M, 4) of all states, kept while no state moves
        self._boxes = None
        self._states_fixed = False

    @property
    def size(self) -> int:
        """int: Number of tracks."""
        return self['ids'].size

    def boxes(self, rows: np.ndarray) -> np.ndarray:
        """(K, 4) x1y1x2y2 boxes of the Kalman states of tracks ``rows``
        (K,), or where the mask ``rows`` (M,) is True; inside
        :meth:`states_fixed`, read from the boxes of all tracks, computed
        once."""
        if not self._states_fixed:
            return xyah_to_xyxy(self['mean'][rows, :4])
        if self._boxes is None:
            self._boxes = xyah_to_xyxy(self['mean'][:, :4])
        if rows.dtype == bool:
            return self._boxes[rows]
        return self._boxes.take(rows, axis=0)

    def states_fixed(self) -> '_StatesFixed':
        """A context in which no Kalman state changes (tracks may be
        appended and selected), so that :meth:`boxes` converts each
        state once however many stages ask."""
        return _StatesFixed(self)

    def select(self, keep: np.ndarray) -> None:
        """Keep the tracks where ``keep`` (M,) is True."""
        if not keep.all():
            self.update({k: v[keep] for k, v in self.items()})
            if self._boxes is not None:
                self._boxes = self._boxes[keep]

    def append(self, new: dict) -> None:
        """Append the rows of new tracks, a dict of the same columns."""
        self._boxes = None
        if self.size == 0:
            self.update(new)
        else:
            self.update({k: np.concatenate([v, new[k]])
                         for k, v in self.items()})

    def duplicates(self, iou_thr: float,
                   per_class: bool = True) -> np.ndarray:
        """FairMOT's ``remove_duplicate_stracks``: of a tracked and a lost
        track (of one label, with ``per_class``) whose boxes overlap with
        ``IoU > iou_thr``, the one tracked for fewer frames is a duplicate
        (a tie: the tracked one).

        Args:
            iou_thr (float): IoU above which two tracks are duplicates.
            per_class (bool): Only tracks of one label are duplicates.
                Defaults to True.

        Returns:
            np.ndarray: (M,) bool, False for the duplicates.
        """
        keep = np.ones(self.size, bool)
        tracked = (~self['lost']).nonzero()[0]
        lost = self['lost'].nonzero()[0]
        if tracked.size == 0 or lost.size == 0:
            return keep
        a, b = self.boxes(tracked), self.boxes(lost)
        p, q, iou = overlapping_iou(a, b)
        dup = iou > iou_thr
        if per_class:
            dup &= self['labels'][tracked[p]] == self['labels'][lost[q]]
        p, q = p[dup], q[dup]
        if p.size == 0:
            return keep
        age = self['last_frame'] - self['start_frame']
        older_tracked = age[tracked[p]] > age[lost[q]]
        keep[lost[q[older_tracked]]] = False
        keep[tracked[p[~older_tracked]]] = False
        return keep

    def overlaps_lost(self, boxes: np.ndarray, labels: np.ndarray,
                      per_class: bool = True) -> np.ndarray:
        """Which of ``boxes`` (M, 4), x1y1x2y2, overlap the predicted box
        of a lost track (of their label in ``labels`` (M,), with
        ``per_class``).

        Returns:
            np.ndarray: (M,) bool.
        """
        near = np.zeros(boxes.shape[0], bool)
        lost = self['lost'].nonzero()[0]
        if lost.size == 0 or near.size == 0:
            return near
        p, q, iou = overlapping_iou(boxes, self.boxes(lost))
        hit = iou > 0
        if per_class:
            hit &= labels[p] == self['labels'][lost[q]]
        near[p[hit]] = True
        return near


class _StatesFixed:
    """Context of :meth:`TrackTable.states_fixed`: on leaving it, the
    boxes kept for it are forgotten."""

    def __init__(self, table: TrackTable) -> None:
        self.table = table

    def __enter__(self) -> TrackTable:
        self.table._states_fixed = True
        self.table._boxes = None
        return self.table

    def __exit__(self, *exc) -> None:
        self.table._states_fixed = False
        self.table._boxes = None
