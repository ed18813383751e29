"""Are the replication study's gaps an artefact of its score thresholds?

The study tracks every row with one tracker (``run_ablation.STUDY_TRACKER``:
``'fairmot'``, ``obj_score_thr`` 0.3, ``init_track_thr`` 0.6). A head or
balancer that shifts the score distribution (the CE head ranks
``sigmoid(I) * Q``) could lose HOTA to those thresholds rather than to
its detections or embeddings. This replays the detection cache that each
finished study run kept over a grid of the two thresholds and reports,
for each of the study's claims, the paired difference in HOTA (95 %
Student-t interval over seeds) at every grid point and with each row at
its own best point per seed (an oracle that favours neither row).

Run (after the study's runs, which keep the caches under ``--out``)::

    .venv/bin/python benchmarks/bench_study_thresholds.py
        [--obj 0.2 0.3 0.4 0.5] [--init 0.4 0.5 0.6 0.7]

Results go to ``benchmarks/results/replication_thresholds.json``.
"""
import argparse
import copy
import importlib.util
import itertools
import json
import os.path as osp
from typing import Dict, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_study():
    """``tools/analysis_tools/run_ablation.py`` as a module: its rows,
    claims, run layout and statistics are the study's own."""
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'run_ablation.py')
    spec = importlib.util.spec_from_file_location('run_ablation', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sweep(study, args, config: str, seed: int,
          grid) -> Optional[Dict[Tuple[float, float], float]]:
    """HOTA of one run's cache at each (obj, init) point, or None when the
    run has no cache here."""
    from mmengine.config import Config

    import mmmtl  # noqa: F401  (registers mmmtl's components)
    from mmmtl.apis import replay_tracker
    from mmmtl.apis.replay import load_checked_cache
    key = study.run_key(args, seed, args.iters, None)
    cache = osp.join(args.out, 'runs', study.config_name(config), key,
                     'det_cache')
    if not osp.isdir(cache):
        return None
    cfg = Config.fromfile(osp.join(ROOT, config))
    seqs = load_checked_cache(cfg, cache)
    out = {}
    for obj, init in grid:
        run_cfg = copy.deepcopy(cfg)
        run_cfg.model.tracker = dict(study.STUDY_TRACKER,
                                     obj_score_thr=obj, init_track_thr=init)
        res = replay_tracker(run_cfg, cache, sequences=seqs)
        out[(obj, init)] = res.metrics['motchallenge-metric/HOTA']
    return out


def main() -> None:
    study = load_study()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--obj', type=float, nargs='+',
                   default=[0.2, 0.3, 0.4, 0.5])
    p.add_argument('--init', type=float, nargs='+',
                   default=[0.4, 0.5, 0.6, 0.7])
    p.add_argument('--result', default=osp.join(
        ROOT, 'benchmarks', 'results', 'replication_thresholds.json'))
    ours, rest = p.parse_known_args()
    args = study.parse_args(['--report'] + rest)
    grid = [(o, i) for o, i in itertools.product(ours.obj, ours.init)
            if i >= o]
    base = (study.STUDY_TRACKER['obj_score_thr'],
            study.STUDY_TRACKER['init_track_thr'])
    hota: Dict[Tuple[str, int], dict] = {}
    claims = []
    for claim, _, a, b in study.CLAIMS:
        seeds = []
        for seed in args.seeds:
            for config in (a, b):
                if (config, seed) not in hota:
                    hota[(config, seed)] = sweep(study, args, config, seed,
                                                 grid)
            if hota[(a, seed)] and hota[(b, seed)]:
                seeds.append(seed)
        if len(seeds) < 2:
            continue
        rows = []
        for point in grid + ['oracle']:
            diffs = [(max(hota[(a, s)].values()) - max(hota[(b, s)].values())
                      if point == 'oracle' else
                      hota[(a, s)][point] - hota[(b, s)][point])
                     for s in seeds]
            m, lo, hi = study.paired_interval(diffs)
            rows.append(dict(point=point, diffs=diffs, mean=m, ci=[lo, hi],
                             verdict=study.verdict(lo, hi, len(seeds))))
            label = ('own best per seed' if point == 'oracle' else
                     f'obj {point[0]:.2f} init {point[1]:.2f}' +
                     (' (the study)' if point == base else ''))
            print(f'{claim:34s} {label:30s} {m:+5.1f} '
                  f'[{lo:+5.1f}, {hi:+5.1f}]  {rows[-1]["verdict"]}')
        claims.append(dict(claim=claim, seeds=seeds, rows=rows))
    with open(ours.result, 'w') as f:
        json.dump(dict(tracker=study.STUDY_TRACKER, grid=grid,
                       claims=claims), f, indent=1)
    print(f'wrote {ours.result}')


if __name__ == '__main__':
    main()
