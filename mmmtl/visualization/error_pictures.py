"""Tracking errors as pictures: frames, per-sequence summaries, a report.

Draws what :func:`mmmtl.evaluation.analyse_errors` found with TrackEval's
own matching: on each chosen frame the ground truth and the tracks, the
misses (FN), false positives (FP), identity switches (IDSW, labelled with
the track that took the person and the track it had before) and resumed
tracks (Frag) in distinct colours; per sequence a summary figure (the
events per frame along the sequence, and HOTA, DetA and AssA over
HOTA's localisation thresholds α); and a ``report.md`` that indexes the
figures under the metric table.
"""
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence

import cv2
import numpy as np
import pandas as pd

from mmmtl.evaluation import (
    ALL_METRICS,
    COUNT_METRICS,
    FrameErrors,
    SequenceErrors,
    analyse_errors,
    load_sequences,
)
from mmmtl.formats import frame_file_name, read_seqinfo

__all__ = [
    'ERROR_COLOURS', 'ErrorMark', 'count_marks', 'draw_frame_errors',
    'frame_marks', 'plot_error_summary', 'show_errors', 'write_error_report'
]

#: BGR colour of each kind of box and label.
ERROR_COLOURS = dict(
    match=(80, 200, 80),  # green: person and track matched
    miss=(40, 40, 230),  # red: missed person (FN)
    false_positive=(0, 165, 255),  # orange: track on nobody (FP)
    switch=(230, 40, 230),  # magenta: identity switch (IDSW)
    fragment=(230, 200, 40),  # cyan: person tracked again (Frag)
)
_LEGEND = (('match', 'TP: track=person'), ('miss', 'miss (FN)'),
           ('false_positive', 'false positive (FP)'),
           ('switch', 'identity switch'), ('fragment', 'resumed (Frag)'))
#: Columns of the report's metric table.
REPORT_METRICS = ('HOTA', 'DetA', 'AssA', 'MOTA', 'IDF1', 'FP', 'FN', 'IDS',
                  'Frag')


def _text_size(text: str, scale: float) -> tuple:
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                     1)
    return tw + 2, th + base + 1, base


def _label(img: np.ndarray, text: str, x: int, y: int, colour,
           scale: float) -> None:
    """Text on a filled box of ``colour`` with its bottom-left at x, y."""
    tw, th, base = _text_size(text, scale)
    x = int(min(max(x, 0), max(img.shape[1] - tw, 0)))
    y = int(min(max(y, th), img.shape[0] - 1))
    cv2.rectangle(img, (x, y - th), (x + tw, y), colour, -1)
    luminance = 0.114 * colour[0] + 0.587 * colour[1] + 0.299 * colour[2]
    ink = (0, 0, 0) if luminance > 128 else (255, 255, 255)
    cv2.putText(img, text, (x + 1, y - base), cv2.FONT_HERSHEY_SIMPLEX,
                scale, ink, 1, cv2.LINE_AA)


def _place_labels(img: np.ndarray, labels: List[tuple],
                  scale: float) -> None:
    """Draw ``(text, x, top, bottom, colour)`` labels without overlaps.

    Each label goes above its box, else below it, else further up in
    steps of one text line; errors first, so they get the best places.
    """
    taken: List[tuple] = []

    def free(x0, y0, x1, y1):
        return all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1
                   for a0, b0, a1, b1 in taken)

    for text, x, top, bottom, colour in labels:
        tw, th, _ = _text_size(text, scale)
        x = int(min(max(x, 0), max(img.shape[1] - tw, 0)))
        candidates = [top - 1, bottom + th + 1] + [
            top - 1 - k * th for k in range(1, 6)]
        y = candidates[0]
        for c in candidates:
            c = int(min(max(c, th), img.shape[0] - 1))
            if free(x, c - th, x + tw, c):
                y = c
                break
        y = int(min(max(y, th), img.shape[0] - 1))
        taken.append((x, y - th, x + tw, y))
        _label(img, text, x, y, colour, scale)


def _box(img: np.ndarray, box: np.ndarray, zoom: float, colour,
         width: int, dashed: bool = False) -> tuple:
    """Draw a MOTChallenge box (1-based ``x, y, w, h``) zoomed."""
    x0, y0 = (box[0] - 1) * zoom, (box[1] - 1) * zoom
    x1, y1 = x0 + box[2] * zoom, y0 + box[3] * zoom
    p0, p1 = (int(round(x0)), int(round(y0))), (int(round(x1)),
                                                int(round(y1)))
    if not dashed:
        cv2.rectangle(img, p0, p1, colour, width, cv2.LINE_AA)
        return p0
    step = max(4, 3 * width)
    for xa, ya, xb, yb in ((p0[0], p0[1], p1[0], p0[1]),
                           (p0[0], p1[1], p1[0], p1[1]),
                           (p0[0], p0[1], p0[0], p1[1]),
                           (p1[0], p0[1], p1[0], p1[1])):
        n = max(1, int(np.hypot(xb - xa, yb - ya) // step))
        for k in range(0, n, 2):
            a = (int(xa + (xb - xa) * k / n), int(ya + (yb - ya) * k / n))
            b = (int(xa + (xb - xa) * min(k + 1, n) / n),
                 int(ya + (yb - ya) * min(k + 1, n) / n))
            cv2.line(img, a, b, colour, width, cv2.LINE_AA)
    return p0


class ErrorMark(NamedTuple):
    """One labelled box of a frame's drawing.

    Attributes:
        kind (str): Key of :data:`ERROR_COLOURS`: ``'match'``,
            ``'fragment'``, ``'switch'``, ``'miss'`` or
            ``'false_positive'``.
        box (np.ndarray): ``(4, )`` the box drawn, ``(x, y, w, h)`` as in
            the files: the track's (the person's for a miss).
        text (str): The label.
        resumed (bool): The person is tracked again after a gap (a
            fragmentation); a switch may be one too. Defaults to False.
    """
    kind: str
    box: np.ndarray
    text: str
    resumed: bool = False


def frame_marks(frame: FrameErrors) -> List[ErrorMark]:
    """The labelled boxes :func:`draw_frame_errors` draws on a frame.

    One per matched track (``T<track>=P<person>``; an identity switch
    ``T<new> took P<person> (was T<old>)``; a resumed person ``...
    resumed``), one per missed person (``miss P<person>``) and one per
    false positive (``FP T<track>``), in that order.

    Args:
        frame (FrameErrors): The frame's events.

    Returns:
        list[ErrorMark]: The marks.
    """
    switched = {s.track_id: s for s in frame.switches}
    resumed = set(frame.fragmentations.tolist())
    marks = []
    for g, p in frame.matches:
        gid, tid = int(frame.gt_ids[g]), int(frame.track_ids[p])
        again = gid in resumed
        tail = ' resumed' if again else ''
        s = switched.get(tid)
        if s is not None and s.gt_id == gid:
            kind = 'switch'
            text = f'T{tid} took P{gid} (was T{s.previous_track_id})'
            tail = ',' + tail if again else ''
        else:
            kind, text = ('fragment' if again else 'match'), f'T{tid}=P{gid}'
        marks.append(ErrorMark(kind, frame.track_boxes[p], text + tail,
                               again))
    marks += [
        ErrorMark('miss', frame.gt_boxes[g], f'miss P{int(frame.gt_ids[g])}')
        for g in frame.misses
    ]
    marks += [
        ErrorMark('false_positive', frame.track_boxes[p],
                  f'FP T{int(frame.track_ids[p])}')
        for p in frame.false_positives
    ]
    return marks


def count_marks(frames: Sequence[FrameErrors]) -> Dict[str, int]:
    """The marks :func:`draw_frame_errors` puts on ``frames``, counted.

    Args:
        frames (Sequence[FrameErrors]): Frames of a sequence.

    Returns:
        dict[str, int]: ``IDSW`` (switch marks), ``FN`` (miss marks),
        ``FP`` (false-positive marks), ``Frag`` (marks labelled resumed)
        and ``TP`` (marks on matched tracks), to compare with TrackEval's
        counts of the same names.
    """
    marks = [m for f in frames for m in frame_marks(f)]
    return dict(
        IDSW=sum(m.kind == 'switch' for m in marks),
        FN=sum(m.kind == 'miss' for m in marks),
        FP=sum(m.kind == 'false_positive' for m in marks),
        Frag=sum(m.resumed for m in marks),
        TP=sum(m.kind in ('match', 'fragment', 'switch') for m in marks))


def draw_frame_errors(img: np.ndarray,
                      frame: FrameErrors,
                      min_side: int = 540) -> np.ndarray:
    """Draw one frame's ground truth, tracks and errors.

    The ground truth of every match is a thin green box; then the marks
    of :func:`frame_marks`: a matched track in green, a missed person's
    box dashed red, a false positive orange, an identity switch thick
    magenta, a person tracked again after a gap cyan, each with its
    label (P: ground-truth identity, T: track identity). A legend with
    the frame's counts runs along the bottom.

    Args:
        img (np.ndarray): ``(H, W, 3)`` uint8 BGR frame.
        frame (FrameErrors): The frame's events.
        min_side (int): The drawing is enlarged (integer factor) until
            its shorter side is at least this, so labels stay readable on
            small frames. Defaults to 540.

    Returns:
        np.ndarray: ``(zH + L, zW, 3)`` uint8 BGR drawing, ``z`` the zoom,
        with a legend strip of 2 text lines (``L`` rows) below the frame.
    """
    zoom = max(1, int(np.ceil(min_side / max(1, min(img.shape[:2])))))
    canvas = cv2.resize(img, None, fx=zoom, fy=zoom,
                        interpolation=cv2.INTER_NEAREST)
    canvas = (0.75 * canvas).astype(np.uint8)  # boxes stand out
    width = max(1, int(round(min(canvas.shape[:2]) / 360)))
    scale = max(0.4, min(canvas.shape[:2]) / 1200)
    for g, _ in frame.matches:
        _box(canvas, frame.gt_boxes[g], zoom, ERROR_COLOURS['match'], 1)
    widths = dict(match=width, fragment=width, switch=3 * width,
                  miss=2 * width, false_positive=2 * width)
    errors, others = [], []  # labels: (text, x, top, bottom, colour)
    for m in frame_marks(frame):
        colour = ERROR_COLOURS[m.kind]
        p0 = _box(canvas, m.box, zoom, colour, widths[m.kind],
                  dashed=m.kind == 'miss')
        bottom = int(round((m.box[1] - 1 + m.box[3]) * zoom))
        (others if m.kind == 'match' else errors).append(
            (m.text, p0[0], p0[1], bottom, colour))
    _place_labels(canvas, errors + others, scale)
    return _with_legend(canvas, frame, scale)


def _with_legend(canvas: np.ndarray, frame: FrameErrors,
                 scale: float) -> np.ndarray:
    counts = dict(match=len(frame.matches), miss=len(frame.misses),
                  false_positive=len(frame.false_positives),
                  switch=len(frame.switches),
                  fragment=len(frame.fragmentations))
    (_, th), base = cv2.getTextSize('Ag', cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    line = th + base + 6
    strip = np.full((2 * line + 4, canvas.shape[1], 3), 30, np.uint8)
    x, y = 4, line
    _label(strip, f'frame {frame.frame}', x, y, (220, 220, 220), scale)
    x += int(cv2.getTextSize(f'frame {frame.frame}  ',
                             cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0])
    for key, text in _LEGEND:
        text = f'{text}: {counts[key]}'
        tw = cv2.getTextSize(text + '  ', cv2.FONT_HERSHEY_SIMPLEX, scale,
                             1)[0][0]
        if x + tw > strip.shape[1]:
            x, y = 4, 2 * line
        _label(strip, text, x, y, ERROR_COLOURS[key], scale)
        x += tw
    return np.concatenate([canvas, strip], axis=0)


def plot_error_summary(seq: SequenceErrors, path: str) -> None:
    """Save a sequence's summary figure.

    Top: identity switches, fragmentations, misses and false positives per
    frame along the sequence. Bottom: TrackEval's HOTA, DetA and AssA at
    each localisation threshold α (their means are the reported values).

    Args:
        seq (SequenceErrors): The sequence's events and HOTA result.
        path (str): Output image (``.png``).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rgb = {k: tuple(c / 255 for c in v[::-1])
           for k, v in ERROR_COLOURS.items()}
    per = seq.per_frame()
    counts = seq.counts()
    fig, (ax0, axe, ax1) = plt.subplots(
        3, 1, figsize=(9, 7), gridspec_kw=dict(height_ratios=(3, 1, 2.2)))
    ax0.step(per['frame'], per['FN'], where='mid', color=rgb['miss'], lw=1,
             label=f'misses (FN {counts["FN"]})')
    ax0.step(per['frame'], per['FP'], where='mid',
             color=rgb['false_positive'], lw=1,
             label=f'false positives (FP {counts["FP"]})')
    top = max(1, int(max(per['FN'].max(initial=0),
                         per['FP'].max(initial=0))))
    ax0.set_ylim(0, top * 1.1)
    ax0.set_ylabel('per frame')
    ax0.set_title(f'{seq.name}: where the errors are (TrackEval matching)')
    ax0.legend(fontsize=8, loc='upper right', framealpha=0.8)
    # one row per event kind; a tick per event (stacked when several)
    for row, (key, kind, text) in enumerate(
        (('IDSW', 'switch', 'identity switches'),
         ('Frag', 'fragment', 'resumed tracks (Frag)'))):
        at = per['frame'][per[key] > 0]
        axe.vlines(at, row + 0.1, row + 0.1 + 0.8 * np.minimum(
            per[key][per[key] > 0], 3) / 3, color=rgb[kind], lw=1.5)
        axe.text(1.0, row + 0.5, f' {text}: {counts[key]}',
                 transform=axe.get_yaxis_transform(), va='center',
                 fontsize=8, color=rgb[kind])
    axe.set_ylim(0, 2)
    axe.set_yticks([])
    for ax in (ax0, axe):
        ax.set_xlim(per['frame'].min(initial=1) - 0.5,
                    per['frame'].max(initial=1) + 0.5)
    axe.set_xlabel('frame')
    for key, style in (('HOTA', '-'), ('DetA', '--'), ('AssA', ':')):
        values = 100 * np.asarray(seq.hota[key], float)
        ax1.plot(seq.alphas, values, style, lw=1.5,
                 label=f'{key} (mean {values.mean():.1f})')
    ax1.set_xlabel('localisation threshold α (IoU)')
    ax1.set_ylabel('%')
    ax1.set_ylim(0, 100)
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _frame_image(seq_dir: Optional[str], frame: int,
                 size: tuple) -> np.ndarray:
    """The frame's image, or a grey canvas of ``size`` (W, H)."""
    if seq_dir is not None:
        info = read_seqinfo(seq_dir)
        path = osp.join(seq_dir, info.im_dir,
                        frame_file_name(frame, info.im_ext))
        img = cv2.imread(path) if osp.isfile(path) else None
        if img is not None:
            return img
    return np.full((size[1], size[0], 3), 96, np.uint8)


def _canvas_size(seq_dir: Optional[str], seq: SequenceErrors) -> tuple:
    if seq_dir is not None:
        info = read_seqinfo(seq_dir)
        if info.im_width and info.im_height:
            return info.im_width, info.im_height
    right = [f.gt_boxes[:, 0] + f.gt_boxes[:, 2] for f in seq.frames] + [
        f.track_boxes[:, 0] + f.track_boxes[:, 2] for f in seq.frames]
    bottom = [f.gt_boxes[:, 1] + f.gt_boxes[:, 3] for f in seq.frames] + [
        f.track_boxes[:, 1] + f.track_boxes[:, 3] for f in seq.frames]
    w = max([64] + [int(np.ceil(r.max())) for r in right if len(r)])
    h = max([64] + [int(np.ceil(b.max())) for b in bottom if len(b)])
    return w, h


def _pick_frames(seq: SequenceErrors, max_frames: int) -> List[int]:
    """Frames with identity switches, in order; else the worst frame."""
    with_switch = [i for i, f in enumerate(seq.frames) if f.switches]
    if with_switch:
        return with_switch[:max_frames]
    errors = [len(f.misses) + len(f.false_positives) for f in seq.frames]
    if not errors or max(errors) == 0 or max_frames == 0:
        return []
    return [int(np.argmax(errors))]


def _markdown_table(table: pd.DataFrame) -> str:
    cols = [m for m in REPORT_METRICS if m in table.columns]
    lines = ['| sequence | ' + ' | '.join(cols) + ' |',
             '|---' * (len(cols) + 1) + '|']
    for name, row in table.iterrows():
        cells = [
            '-' if np.isnan(row[m]) else
            (f'{int(round(row[m]))}' if m in COUNT_METRICS else
             f'{row[m]:.1f}') for m in cols
        ]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def write_error_report(errors: Sequence[SequenceErrors],
                       table: pd.DataFrame,
                       out_dir: str,
                       seq_dirs: Optional[Dict[str, str]] = None,
                       max_frames: int = 20,
                       video: bool = False,
                       fps: float = 10.0) -> Dict[str, dict]:
    """Write the pictures of every sequence and ``report.md``.

    Layout: ``<out_dir>/report.md``, ``<out_dir>/<SEQ>_summary.png``,
    ``<out_dir>/<SEQ>/<frame>.png`` (frames with identity switches, at
    most ``max_frames``; a sequence without switches gets its frame with
    the most misses and false positives) and with ``video``
    ``<out_dir>/<SEQ>/errors.mp4`` (every frame).

    Args:
        errors (Sequence[SequenceErrors]): From
            :func:`~mmmtl.evaluation.analyse_errors`.
        table (pd.DataFrame): The metric table of the same call.
        out_dir (str): Output folder (created).
        seq_dirs (dict[str, str], optional): Per sequence name, its folder
            with ``seqinfo.ini`` and the images; frames without an image
            are drawn on grey. Defaults to None (all grey).
        max_frames (int): Frames drawn per sequence. Defaults to 20.
        video (bool): Also write a video of every frame. Defaults to
            False.
        fps (float): Frame rate of the videos. Defaults to 10.

    Returns:
        dict[str, dict]: Per sequence: ``counts`` (IDSW, FN, FP, Frag,
        TP), ``summary`` (the figure's path), ``frames`` (drawn frame
        paths), ``marks`` (the marks :func:`draw_frame_errors` puts on
        every frame of the sequence, counted by :func:`count_marks`) and
        ``video`` (path or None).
    """
    seq_dirs = seq_dirs or {}
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for seq in errors:
        seq_dir = seq_dirs.get(seq.name)
        size = _canvas_size(seq_dir, seq)
        folder = osp.join(out_dir, seq.name)
        os.makedirs(folder, exist_ok=True)
        summary = osp.join(out_dir, f'{seq.name}_summary.png')
        plot_error_summary(seq, summary)
        frames = []
        for i in _pick_frames(seq, max_frames):
            f = seq.frames[i]
            img = draw_frame_errors(_frame_image(seq_dir, f.frame, size), f)
            path = osp.join(folder, frame_file_name(f.frame, '.png'))
            cv2.imwrite(path, img)
            frames.append(path)
        video_path = None
        if video and seq.frames:
            video_path = osp.join(folder, 'errors.mp4')
            writer = None
            for f in seq.frames:
                img = draw_frame_errors(_frame_image(seq_dir, f.frame, size),
                                        f)
                if writer is None:
                    writer = cv2.VideoWriter(
                        video_path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                        (img.shape[1], img.shape[0]))
                writer.write(img)
            writer.release()
        written[seq.name] = dict(
            counts=seq.counts(), marks=count_marks(seq.frames),
            summary=summary, frames=frames, video=video_path)
    _write_markdown(errors, table, out_dir, written)
    return written


def _write_markdown(errors: Sequence[SequenceErrors], table: pd.DataFrame,
                    out_dir: str, written: Dict[str, dict]) -> None:
    lines = [
        '# Tracking errors', '',
        'Official TrackEval numbers (HOTA, DetA and AssA: means over the '
        'localisation thresholds α; FP, FN, IDS, Frag: counts). The '
        'pictures show the matches of TrackEval\'s CLEAR metric: '
        'green `T<track>=P<person>` a match, dashed red `miss` a missed '
        'person (FN), orange `FP` a track on nobody, magenta `T<new> took '
        'P<person> (was T<old>)` an identity switch, cyan `resumed` a '
        'person tracked again after a gap (Frag).', '',
        _markdown_table(table), ''
    ]
    for seq in errors:
        w = written[seq.name]
        c = w['counts']
        lines += [
            f'## {seq.name}', '',
            f'IDSW {c["IDSW"]}, FN {c["FN"]}, FP {c["FP"]}, '
            f'Frag {c["Frag"]}, TP {c["TP"]}.', '',
            f'![{seq.name} summary]({osp.basename(w["summary"])})', ''
        ]
        switches = [(f.frame, s) for f in seq.frames for s in f.switches]
        if switches:
            lines += ['| frame | person | taken by track | had track |',
                      '|---|---|---|---|']
            lines += [f'| {t} | P{s.gt_id} | T{s.track_id} | '
                      f'T{s.previous_track_id} |' for t, s in switches]
            lines.append('')
        for path in w['frames']:
            rel = osp.relpath(path, out_dir)
            lines += [f'![{seq.name} {osp.basename(path)}]({rel})', '']
        if w['video']:
            lines += [f'Video: [{osp.relpath(w["video"], out_dir)}]'
                      f'({osp.relpath(w["video"], out_dir)})', '']
    with open(osp.join(out_dir, 'report.md'), 'w') as f:
        f.write('\n'.join(lines))


def show_errors(gt_root: str,
                results_dir: str,
                out_dir: str,
                seqs: Optional[Sequence[str]] = None,
                benchmark: str = 'MOT17',
                iou_thr: float = 0.5,
                gt_file: str = 'gt/gt.txt',
                max_frames: int = 20,
                video: bool = False) -> Dict[str, dict]:
    """Evaluate result files and draw where the errors are.

    Args:
        gt_root (str): Ground-truth folder (``<SEQ>/gt/gt.txt``,
            ``<SEQ>/seqinfo.ini``, images in ``<SEQ>/<imDir>``).
        results_dir (str): Folder of ``<SEQ>.txt`` result files.
        out_dir (str): Output folder; must not be or lie inside
            ``gt_root`` or ``results_dir``.
        seqs (Sequence[str], optional): Sequences. Defaults to None (all
            with ground truth).
        benchmark (str): Benchmark name. Defaults to ``'MOT17'``.
        iou_thr (float): IoU threshold of CLEAR. Defaults to 0.5.
        gt_file (str): Ground-truth file inside each sequence folder.
            Defaults to ``'gt/gt.txt'``.
        max_frames (int): Frames drawn per sequence. Defaults to 20.
        video (bool): Also write a video per sequence. Defaults to False.

    Returns:
        dict: Per sequence, see :func:`write_error_report`, plus
        ``'table'``: the official metric table (a DataFrame).
    """
    out = osp.realpath(out_dir)
    for src, flag in ((gt_root, 'GT_ROOT'), (results_dir, 'RESULTS')):
        src = osp.realpath(src)
        if out == src or out.startswith(src + os.sep):
            raise ValueError(f'--out {out_dir} lies inside {flag} {src}; '
                             'choose a folder that holds no input')
    sequences = load_sequences(gt_root, results_dir, seqs, benchmark,
                               gt_file)
    errors, table = analyse_errors(sequences, benchmark, iou_thr)
    seq_dirs = {s.name: osp.join(gt_root, s.name) for s in sequences}
    fps = read_seqinfo(seq_dirs[sequences[0].name]).frame_rate
    written = write_error_report(errors, table[list(ALL_METRICS)], out_dir,
                                 seq_dirs, max_frames, video, fps)
    written['table'] = table
    return written
