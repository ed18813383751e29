"""Tracking quality of JDETracker's presets against public trackers.

Real pedestrian trajectories -- the TUD-Campus and TUD-Stadtmitte ground
truth that py-motmetrics ships, and two sequences of mmmtl's synthetic
generator -- are turned into detections with scores and Re-ID embeddings
under conditions of increasing difficulty:

- ``clean``: every box visible at least 25%, 2% box jitter, scores in
  [0.75, 1], embeddings at cosine ~0.9 to the person's prototype;
- ``occlusion``: plus occlusion gaps of 5-40 frames (about one per 80
  frames per person) and scores that drop with visibility (a person 30%
  visible scores ~0.3) and in the 3 frames around a gap;
- ``appearance``: plus noisy embeddings (cosine ~0.55 to the prototype)
  and overlap-corrupted ones: a person behind another (box IoU > 0.1)
  gets an embedding mixed with the front person's, weight ``min(1, 2
  IoU)``;
- ``hard``: plus about 3 false positives per frame (scores 0.1-0.6,
  random embeddings) and 5% missed detections;
- ``pan``: ``hard`` seen by a camera that pans (speed up to 12 px/frame,
  changing direction); the frames, a textured scene cropped at the
  camera position, go to the trackers that can compensate;
- ``dancetrack``: ``appearance``'s detections of other trajectories: two
  sequences of mmmtl's ``dancetrack`` profile (dancers who stay on a
  stage, turn sharply and often, and cross and hide each other), whose
  look-alike costumes are modelled by embedding prototypes that share
  most of their direction (cosine ~0.9 between two dancers), so
  appearance helps little.

Every tracker sees identical input. Trackers: JDETracker ``fairmot`` and
``robust`` presets (``robust`` with camera-motion compensation on the
``pan`` condition, with the estimator's defaults and BoT-SORT's
settings), mmdet's ``ByteTracker`` and ``OCSORTTracker`` (configs
of mmdet's MOT17 models), and, where installed
(``requirements/benchmark.txt``), boxmot's ``ByteTrack``, ``BotSort``
(embeddings passed in, CMC off) and ``DeepOcSort`` (embeddings passed
in), and Roboflow ``trackers``' ``ByteTrackTracker`` and ``SORTTracker``.
A missing peer is skipped with a message. Results are evaluated with
TrackEval (HOTA, MOTA, IDF1, IDS over all sequences), over several seeds
(mean and standard deviation), and timed per frame (wall, median).

Run::

    .venv/bin/python benchmarks/bench_tracker_quality.py [--seeds 3]

Results go to ``benchmarks/results/tracker_quality.json`` and a Markdown
table to stdout.
"""
# ruff: noqa: E402  (the imports follow the thread settings on purpose)
import os

for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse
import json
import os.path as osp
import statistics
import warnings

import torch
from mmengine.registry import init_default_scope
from peer_trackers import build_runners
from tracking_conditions import (
    CONDITIONS,
    METRICS,
    dancetrack_sequences,
    evaluate,
    learned_sequences,
    make_detections,
    paired_against,
    synthetic_sequences,
    test_set_id,
    tud_sequences,
)

import mmmtl  # noqa: F401  (registers the components)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The tracker of the model base config and the quickstart: the one every
#: other is compared with, pair by pair.
DEFAULT = 'JDETracker adaptive'



# --------------------------------------------------------------- main --
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--synthetic-frames', type=int, default=150)
    parser.add_argument('--conditions', nargs='*', default=CONDITIONS,
                        choices=CONDITIONS)
    parser.add_argument('--only', nargs='*', default=None,
                        help='tracker names to run (default: all)')
    parser.add_argument(
        '--learned', nargs='*', default=[], metavar='CACHE_DIR',
        help='detection caches of trained models (tools/test.py '
        '--save-detections): the "learned" condition, one model per '
        'cache in place of the seeds')
    parser.add_argument(
        '--out',
        default=osp.join(ROOT, 'benchmarks', 'results',
                         'tracker_quality.json'))
    args = parser.parse_args()
    torch.set_num_threads(1)
    init_default_scope('mmdet')
    warnings.filterwarnings('ignore')
    sources = tud_sequences() + synthetic_sequences(args.synthetic_frames)
    runners = build_runners()
    if args.only:
        runners = {k: v for k, v in runners.items() if k in args.only}
    # conditions run before (e.g. the learned one, run on its own) are
    # kept: each run replaces only the conditions it ran
    results, learned, test_sets = {}, list(args.learned), []
    if osp.isfile(args.out):
        with open(args.out) as f:
            before = json.load(f)
        results = before.get('results', {})
        if not learned:
            learned = before.get('learned', [])
            test_sets = before.get('learned_test_sets', [])
    conditions = list(args.conditions) + (['learned'] if args.learned
                                          else [])
    for condition in conditions:
        srcs = (dancetrack_sequences(args.synthetic_frames)
                if condition == 'dancetrack' else sources)
        per_seed = {name: {} for name in runners}
        times = {name: [] for name in runners}
        # the learned condition: one trained model's cache per "seed"
        runs = args.learned if condition == 'learned' else range(args.seeds)
        for k, seed in enumerate(runs):
            seqs = (learned_sequences(seed) if condition == 'learned' else
                    [make_detections(s, condition, seed) for s in srcs])
            if condition == 'learned':
                test_sets.append(test_set_id(seqs))
            for name, run in runners.items():
                if 'GMC' in name and condition not in ('pan', 'learned'):
                    continue
                try:
                    out = [run(s) for s in seqs]
                except Exception as e:  # noqa: BLE001 - report, go on
                    print(f'{name} failed on {condition}: {e}')
                    continue
                # a run's label: its seed, or its cache's place in
                # ``learned``
                per_seed[name][str(k)] = evaluate(seqs, [o[0] for o in out])
                times[name].extend(t for o in out for t in o[1])
        results[condition] = {}
        for name, runs in per_seed.items():
            if not runs:
                continue
            row = {}
            for m in METRICS:
                values = [r[m] for r in runs.values()]
                row[m] = round(statistics.mean(values), 2)
                row[m + '_std'] = round(
                    statistics.stdev(values) if len(values) > 1 else 0., 2)
            row['ms_per_frame'] = round(statistics.median(times[name]) * 1e3,
                                        3)
            row['seeds'] = len(runs)
            # per run (seed, or cache of the learned condition), so that
            # trackers are compared pair by pair on the same inputs
            row['runs'] = {k: {m: round(v[m], 3) for m in METRICS}
                           for k, v in runs.items()}
            results[condition][name] = row
            print(condition, name, row, flush=True)
        # written after every condition, so a long run keeps what it did
        write_results(args, sources, learned, test_sets, results)
    if not conditions:  # nothing ran: the comparisons from the results
        write_results(args, sources, learned, test_sets, results)
    print(markdown_table(results))
    print(paired_table(paired_sections(results, test_sets)))


def paired_sections(results: dict, test_sets: list) -> dict:
    """The default against every other tracker, per condition; for the
    learned condition also per test set: models tested on the same
    sequences (one data seed of the study) are not independent, so their
    differences are averaged first and the interval is over test sets."""
    out = {c: paired_against(rows, DEFAULT) for c, rows in results.items()}
    if 'learned' in results and test_sets:
        groups = {str(k): t for k, t in enumerate(test_sets)}
        out['learned, per test set'] = paired_against(
            results['learned'], DEFAULT, groups=groups)
    return out


def write_results(args, sources: list, learned: list, test_sets: list,
                  results: dict) -> None:
    out = dict(
        description=__doc__.split('\n\n')[0],
        sequences=[s.name for s in sources],
        learned=learned,
        # the ground truth each learned cache was tested on (a digest)
        learned_test_sets=test_sets,
        synthetic_frames=args.synthetic_frames,
        seeds=args.seeds,
        results=results,
        paired_against_default=paired_sections(results, test_sets))
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=2)


def markdown_table(results: dict) -> str:
    lines = ['| condition | tracker | HOTA | IDF1 | MOTA | IDS | ms/frame |',
             '| --- | --- | ---: | ---: | ---: | ---: | ---: |']
    for condition, rows in results.items():
        for name, r in rows.items():
            cells = [f"{r[m]:.1f} ± {r[m + '_std']:.1f}" for m in METRICS]
            lines.append(f'| {condition} | {name} | ' + ' | '.join(cells) +
                         f" | {r['ms_per_frame']:.2f} |")
    return '\n'.join(lines)


def paired_table(sections: dict, base: str = DEFAULT) -> str:
    """``base`` minus each tracker (:func:`paired_sections`), paired over
    the runs both have, for the conditions whose results keep their
    runs."""
    lines = [f'| condition | {base} minus | n | Δ HOTA [95 % CI] | '
             'ahead (HOTA) | Δ IDF1 [95 % CI] | Δ MOTA [95 % CI] | '
             'Δ IDS [95 % CI] |',
             '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for condition, paired in sections.items():
        for name, d in paired.items():
            cells = [f"{d[m]['mean']:+.1f} [{d[m]['ci95'][0]:+.1f}, "
                     f"{d[m]['ci95'][1]:+.1f}]" for m in METRICS]
            ahead = f"{d['HOTA']['base_ahead']} of {d['HOTA']['n']}"
            lines.append(f'| {condition} | {name} | {d["HOTA"]["n"]} | '
                         f'{cells[0]} | {ahead} | ' + ' | '.join(cells[1:]) +
                         ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
