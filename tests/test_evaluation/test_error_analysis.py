"""Errors as TrackEval matches them: events add up to its counts."""
import os.path as osp

import numpy as np
import pytest

pytest.importorskip('trackeval', reason='trackeval is needed for the '
                    'official matching')

from mmmtl.evaluation import analyse_errors  # noqa: E402
from mmmtl.evaluation.offline_eval import (  # noqa: E402
    _run_trackeval as run_trackeval,
)
from mmmtl.formats import (  # noqa: E402
    MOTSequence,
    SeqInfo,
    write_mot_gt,
    write_mot_results,
    write_seqinfo,
    write_trackeval_layout,
)


def _gt(frame, ident, x, y=10.0, w=20.0, h=40.0, cls=1, conf=1, vis=1.0):
    return [frame, ident, x, y, w, h, conf, cls, vis]


def _res(frame, ident, x, y=10.0, w=20.0, h=40.0):
    return [frame, ident, x, y, w, h, 1.0]


def crossing_sequence() -> MOTSequence:
    """Two people; their tracks swap at frame 4; a miss, an FP, a gap.

    Person 1 at x=10, person 2 at x=100 for 8 frames. Tracks 7 and 8
    follow them, swap at frame 4 (two identity switches); person 2 is
    missed in frame 6 and tracked again by track 7 in frame 7 (a
    fragmentation, no switch); track 9 is a false positive in frame 2; a
    prediction on a distractor (class 8) in frame 5 is neither.
    """
    gt, res = [], []
    for t in range(1, 9):
        gt += [_gt(t, 1, 10), _gt(t, 2, 100)]
        a, b = (7, 8) if t < 4 else (8, 7)
        res.append(_res(t, a, 11))
        if t != 6:
            res.append(_res(t, b, 101))
    gt.append(_gt(5, 3, 200, cls=8))
    res.append(_res(5, 20, 201))
    res.append(_res(2, 9, 250, y=100))
    return MOTSequence('CROSS-01', 8, np.array(gt, float),
                       np.array(res, float))


def random_sequence(seed: int) -> MOTSequence:
    """People walking with noisy, sometimes swapped or lost tracks."""
    rng = np.random.default_rng(seed)
    frames, people = 30, 6
    gt, res = [], []
    track_of = {p: p + 10 for p in range(1, people + 1)}
    next_track = 100
    for t in range(1, frames + 1):
        if rng.random() < 0.15:  # two tracks swap people
            a, b = rng.choice(np.arange(1, people + 1), 2, replace=False)
            track_of[a], track_of[b] = track_of[b], track_of[a]
        for p in range(1, people + 1):
            x = 30.0 * p + 2 * t
            gt.append(_gt(t, p, x, y=20 + 5 * (p % 3)))
            if rng.random() < 0.15:
                continue  # missed
            if rng.random() < 0.05:
                track_of[p] = next_track  # a new track takes over
                next_track += 1
            jitter = rng.normal(0, 2, 2)
            res.append(_res(t, track_of[p], x + jitter[0],
                            y=20 + 5 * (p % 3) + jitter[1]))
        for _ in range(rng.poisson(0.5)):
            res.append(_res(t, next_track, rng.uniform(0, 300), y=150))
            next_track += 1
    return MOTSequence(f'RAND-{seed:02d}', frames, np.array(gt, float),
                       np.array(res, float))


def test_crossing_events_named():
    (seq, ), table = analyse_errors([crossing_sequence()])
    switches = [(f.frame, s.gt_id, s.track_id, s.previous_track_id)
                for f in seq.frames for s in f.switches]
    assert switches == [(4, 1, 8, 7), (4, 2, 7, 8)]
    misses = [(f.frame, int(f.gt_ids[g])) for f in seq.frames
              for g in f.misses]
    assert misses == [(6, 2)]
    fps = [(f.frame, int(f.track_ids[p])) for f in seq.frames
           for p in f.false_positives]
    assert fps == [(2, 9)]  # the distractor's track 20 is removed
    frags = [(f.frame, g) for f in seq.frames for g in f.fragmentations]
    assert frags == [(7, 2)]
    row = table.loc['CROSS-01']
    assert (row['IDS'], row['FN'], row['FP'], row['Frag']) == (2, 1, 1, 1)


@pytest.mark.parametrize('iou_thr', [0.5, 0.8])
def test_counts_equal_trackeval(tmp_path, iou_thr):
    seqs = [random_sequence(s) for s in range(3)] + [crossing_sequence()]
    errors, table = analyse_errors(seqs, iou_thr=iou_thr)
    # the official evaluation of the same files, called on its own
    layout = write_trackeval_layout(str(tmp_path / 'te'), seqs)
    official = run_trackeval(layout, iou_thr=iou_thr)
    assert sum(s.counts()['IDSW'] for s in errors) > 3
    for seq in errors:
        c = seq.counts()
        row = official.loc[seq.name]
        assert (c['IDSW'], c['FN'], c['FP'], c['Frag']) == (
            row['IDS'], row['FN'], row['FP'], row['Frag']), seq.name
        assert np.isclose(100 * np.mean(seq.hota['HOTA']), row['HOTA'])
    assert table.equals(official)


def _write_mot(root, seq: MOTSequence, size=(320, 200)):
    d = osp.join(root, 'gt', seq.name)
    import os
    os.makedirs(osp.join(d, 'gt'))
    write_seqinfo(osp.join(d, 'seqinfo.ini'),
                  SeqInfo(name=seq.name, seq_length=seq.seq_length,
                          im_width=size[0], im_height=size[1]))
    write_mot_gt(osp.join(d, 'gt', 'gt.txt'), seq.gt)
    os.makedirs(osp.join(root, 'res'), exist_ok=True)
    write_mot_results(osp.join(root, 'res', f'{seq.name}.txt'), seq.results)


def test_show_errors_pictures_and_report(tmp_path):
    from mmmtl.visualization import show_errors
    seqs = [crossing_sequence(), random_sequence(1)]
    for s in seqs:
        _write_mot(str(tmp_path), s)
    out = str(tmp_path / 'errors')
    written = show_errors(str(tmp_path / 'gt'), str(tmp_path / 'res'), out,
                          max_frames=3, video=True)
    table = written.pop('table')
    report = open(osp.join(out, 'report.md')).read()
    for name, w in written.items():
        assert osp.isfile(w['summary']) and osp.isfile(w['video'])
        assert 1 <= len(w['frames']) <= 3
        assert all(osp.isfile(p) for p in w['frames'])
        assert w['counts']['IDSW'] == table.loc[name, 'IDS']
        assert w['counts']['FN'] == table.loc[name, 'FN']
        assert w['counts']['FP'] == table.loc[name, 'FP']
        # what is drawn: one mark per TrackEval event, over every frame
        m = w['marks']
        assert (m['IDSW'], m['FN'], m['FP'], m['Frag']) == tuple(
            table.loc[name, k] for k in ('IDS', 'FN', 'FP', 'Frag')), name
        # one row of the switch table per identity switch
        section = report.split(f'## {name}')[1].split('\n## ')[0]
        assert section.count(' took') == 0  # the table has no prose
        assert sum(1 for line in section.splitlines()
                   if line.startswith('| ') and '| P' in line) == \
            table.loc[name, 'IDS']
    # the output may not be written into an input folder
    with pytest.raises(ValueError, match='inside GT_ROOT'):
        show_errors(str(tmp_path / 'gt'), str(tmp_path / 'res'),
                    str(tmp_path / 'gt' / 'errors'))


def test_marks_of_a_switch_after_a_gap():
    """A person missed in frame 3 and taken by another track in frame 4:
    one identity switch and one fragmentation in the same frame, both
    marked on the one box."""
    from mmmtl.visualization import count_marks, frame_marks
    gt, res = [], []
    for t in range(1, 7):
        gt += [_gt(t, 1, 10), _gt(t, 2, 100)]
        res.append(_res(t, 8, 101))
        if t < 3:
            res.append(_res(t, 5, 11))
        elif t > 3:
            res.append(_res(t, 6, 11))
    seq = MOTSequence('GAP-01', 6, np.array(gt, float), np.array(res, float))
    (errors, ), table = analyse_errors([seq])
    row = table.loc['GAP-01']
    assert (row['IDS'], row['FN'], row['Frag']) == (1, 1, 1)
    texts = [m.text for m in frame_marks(errors.frames[3])]
    assert 'T6 took P1 (was T5), resumed' in texts
    assert [m.kind for m in frame_marks(errors.frames[2])].count('miss') == 1
    assert count_marks(errors.frames) == dict(IDSW=1, FN=1, FP=0, Frag=1,
                                              TP=11)
