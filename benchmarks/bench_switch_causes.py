"""Where the identity switches of a condition come from.

Runs the trackers of ``bench_tracker_quality.py`` over one condition of
``tracking_conditions.py`` (same detections, same seeds) and sorts every
identity switch of TrackEval's CLEAR matching
(:func:`mmmtl.evaluation.analyse_errors`) by the track that took the
person:

- ``new``: born at most 3 frames before (a fresh track replaced the
  person's);
- ``reused``: an older track that had matched only this person (a
  duplicate or a track that followed false positives);
- ``taken``: an older track that had matched another person before (an
  identity handed from one person to another).

For ``taken`` switches the number of frames since the track last matched
anyone is kept too (long gaps are re-identifications after a loss).
Each seed's HOTA, IDF1 and IDS are kept, and the paired difference of the
first two trackers, with a 95 % Student-t interval over the seeds.

Run::

    .venv/bin/python benchmarks/bench_switch_causes.py [--condition hard]
        [--seeds 10] [--only 'JDETracker adaptive' 'boxmot BotSort']

Results go to ``benchmarks/results/switch_causes.json``.
"""
# ruff: noqa: E402  (the imports follow the thread settings on purpose)
import os

for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse
import json
import os.path as osp
import warnings
from collections import Counter, defaultdict
from typing import List

import numpy as np
import torch
from mmengine.registry import init_default_scope
from peer_trackers import build_runners
from tracking_conditions import (
    CONDITIONS,
    dancetrack_sequences,
    make_detections,
    synthetic_sequences,
    tud_sequences,
)

from mmmtl.evaluation import analyse_errors
from mmmtl.formats import MOTSequence
from mmmtl.utils import paired_interval, positive_int

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
NEW_WITHIN = 3  # frames: a track this young that takes a person is new


def switch_causes(seqs: list, outputs: list) -> dict:
    """Counts of switch kinds, and the gaps of the ``taken`` ones, of one
    tracker's ``outputs`` (rows ``frame, id, x, y, w, h, score`` per
    sequence) on ``seqs``."""
    sequences = [
        MOTSequence(f'SEQ{k}', len(s['frames']), s['gt'],
                    np.asarray(rows, np.float64).reshape(-1, 7))
        for k, (s, rows) in enumerate(zip(seqs, outputs))
    ]
    errors, table = analyse_errors(sequences)
    overall = {m: float(table.loc['OVERALL', m])
               for m in ('HOTA', 'IDF1', 'IDS')}
    kinds, gaps = Counter(), []
    for seq in errors:
        born, owners, last_seen = {}, defaultdict(set), {}
        for fe in seq.frames:
            for t in fe.track_ids.tolist():
                born.setdefault(int(t), fe.frame)
            switched = {s.gt_id: s for s in fe.switches}
            for g, p in fe.matches:
                gid, tid = int(fe.gt_ids[g]), int(fe.track_ids[p])
                if gid in switched:
                    if fe.frame - born[tid] <= NEW_WITHIN:
                        kinds['new'] += 1
                    elif owners[tid] - {gid}:
                        kinds['taken'] += 1
                        gaps.append(fe.frame - last_seen[tid])
                    else:
                        kinds['reused'] += 1
                owners[tid].add(gid)
                last_seen[tid] = fe.frame
    return dict(kinds=dict(kinds), taken_gaps=sorted(gaps), metrics=overall)


def paired_difference(a: List[float], b: List[float]) -> dict:
    """Mean of ``a - b`` over seeds and its 95 % Student-t interval."""
    mean, lo, hi = paired_interval([x - y for x, y in zip(a, b)])
    return dict(mean=mean, ci95=[lo, hi])


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--condition', default='hard', choices=CONDITIONS)
    p.add_argument('--seeds', type=positive_int, default=3)
    p.add_argument('--synthetic-frames', type=positive_int, default=150)
    p.add_argument('--only', nargs='+',
                   default=['JDETracker adaptive', 'boxmot BotSort'])
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results',
                                             'switch_causes.json'))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    init_default_scope('mmdet')
    warnings.filterwarnings('ignore')
    sources = (dancetrack_sequences(args.synthetic_frames)
               if args.condition == 'dancetrack' else
               tud_sequences() + synthetic_sequences(args.synthetic_frames))
    runners = {k: v for k, v in build_runners().items() if k in args.only}
    missing = set(args.only) - set(runners)
    if missing:
        p.error(f'--only: no tracker named {sorted(missing)}')
    result, per_seed = {}, {}
    for name, run in runners.items():
        total, gaps = Counter(), []
        per_seed[name] = []
        for seed in range(args.seeds):
            seqs = [make_detections(s, args.condition, seed)
                    for s in sources]
            r = switch_causes(seqs, [run(s)[0] for s in seqs])
            total.update(r['kinds'])
            gaps += r['taken_gaps']
            per_seed[name].append(r['metrics'])
        gaps = np.asarray(gaps)
        result[name] = dict(
            switches=sum(total.values()), kinds=dict(total),
            taken_after_gap_over_30=int((gaps > 30).sum()),
            taken_gap_median=float(np.median(gaps)) if gaps.size else None,
            per_seed=per_seed[name])
        print(name, {k: v for k, v in result[name].items()
                     if k != 'per_seed'}, flush=True)
    names = list(runners)
    paired = {}
    if len(names) >= 2:
        a, b = per_seed[names[0]], per_seed[names[1]]
        paired = {m: paired_difference([r[m] for r in a], [r[m] for r in b])
                  for m in ('HOTA', 'IDF1', 'IDS')}
        print(f'{names[0]} - {names[1]}:', paired)
    out = dict(condition=args.condition, seeds=args.seeds,
               new_within_frames=NEW_WITHIN, trackers=result,
               paired_first_minus_second=paired)
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
