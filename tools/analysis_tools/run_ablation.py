"""The SynthMOT replication study of both papers, resumably.

    python tools/analysis_tools/run_ablation.py TABLE [TABLE ...]
        [--seeds 0 1 2] [--configs NAME ...] [--iters N]
        [--out outputs/replication]
    python tools/analysis_tools/run_ablation.py curve [--curve-iters 4800]
        [--eval-every 600]
    python tools/analysis_tools/run_ablation.py --plan
    python tools/analysis_tools/run_ablation.py --report
    python tools/analysis_tools/run_ablation.py --thresholds
    python tools/analysis_tools/run_ablation.py --backfill-parts

TABLE is ``heads`` (CE Table I), ``balancers`` (LWF Tables I and VI and
the later balancers), ``E`` (CE Table III), ``C`` (LWF Table IV), ``all``,
or ``curve``: the learning curve that sets the study's schedule (the
quickstart-sized CE+LWF and plain-sum configs trained once, a checkpoint
evaluated every ``--eval-every`` iterations). ``--plan`` runs, seed by
seed, the claim rows that the claims' planned numbers of seeds
(``Claim.planned`` in ``CLAIMS``) still need.

Every row is a config of ``configs/synthmot/`` or the quickstart's,
trained from scratch on SynthMOT at the quickstart's data size and tested
on held-out sequences (the last one filmed by a panning camera). The
design is paired: for seed ``s`` every row trains on the same generated
data (data seed ``s``) with the same initialisation seed ``s`` and is
tested on the same held-out sequences, so the differences between rows
are paired differences.

Resumable and cheap: each run trains in segments (one per evaluation
point), resuming from its last checkpoint, in a fresh (spawned) process,
so an interruption loses at most one segment. Every finished point is
appended to a small JSON file under ``--store`` (default
``benchmarks/results/replication/``), which is committed; a rerun skips
what is stored. Checkpoints, logs and each run's detection cache of the
held-out sequences stay under ``--out``.

``--report`` rewrites the generated part of ``docs/replication.md``
(claims with paired 95 % intervals, row tables, the learning curve) from
the stored JSON alone. Every finished run also stores its HOTA over a
grid of the tracker's two score thresholds, replayed from its detection
cache; ``--thresholds`` pairs the claims' rows over that grid (replaying
a kept cache where a run predates the grid) and writes each claim's
paired difference at every grid point, and with each row at its own best
point per seed, to ``benchmarks/results/replication_thresholds.json``:
whether a gap comes from the study's one tracker setting.
Every finished run also stores how well its embeddings separate people
on each held-out sequence (TAR@FAR, AUC, d') and its AssA at each of
HOTA's localisation thresholds, both measured on its cache.
``--backfill-parts`` adds HOTA's parts and MOTP per sequence to runs
stored before they were kept, from their caches, checking that the
replay reproduces what was stored, and those two to every run whose
cache is here and that lacks them.
"""
import argparse
import json
import math
import multiprocessing
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, NamedTuple, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join('configs', 'synthmot')
SUFFIX = '_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py'
QUICKSTART = osp.join(
    'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')
STORE = osp.join('benchmarks', 'results', 'replication')
THRESHOLDS = osp.join('benchmarks', 'results', 'replication_thresholds.json')
#: The --thresholds grid: obj_score_thr x init_track_thr (init >= obj).
THRESHOLD_GRID = tuple((o, i) for o in (0.2, 0.3, 0.4, 0.5)
                       for i in (0.4, 0.5, 0.6, 0.7) if i >= o)
DOC = osp.join('docs', 'replication.md')
BEGIN, END = '<!-- report:begin -->', '<!-- report:end -->'
#: The study's schedule (iterations of 8 images); see the learning curve.
STUDY_ITERS = 2400
#: Seeds every row runs; the learning curve runs at the first.
DEFAULT_SEEDS = (0, 1, 2)
METRICS = ('MOTA', 'IDF1', 'HOTA', 'IDS')
#: HOTA's parts and the box precision, kept per sequence beside METRICS.
PARTS = ('DetA', 'AssA', 'MOTP')
#: The three tasks, in the order the weights are reported.
TASKS = ('cls', 'reg', 'reid')
#: Every row is tested with the papers' association (FairMOT's, with the
#: thresholds the quickstart picked on its validation split), whatever the
#: configs' default tracker: the claims are about the papers' method. The
#: kept detection caches replay any other tracker.
STUDY_TRACKER = dict(
    type='JDETracker', preset='fairmot', obj_score_thr=0.3,
    init_track_thr=0.6)
#: How well a run's embeddings separate people
#: (:func:`mmmtl.evaluation.embedding_quality`): on the detections the
#: study's tracker associates, pairs 1 to FairMOT's track_buffer frames
#: apart; the report pairs the true accept rate at this false accept rate.
EMBED_KWARGS = dict(score_thr=STUDY_TRACKER['obj_score_thr'], iou_thr=0.5,
                    max_gap=30)
EMBED_FAR = 0.01
#: HOTA's localisation thresholds: AssA is reported at alpha <= 0.5 (the
#: first ten, where a box matches its person at the usual IoU) and above.
HOTA_ALPHAS = tuple(round(0.05 * k, 2) for k in range(1, 20))


def synth(name: str) -> str:
    """Path of a SynthMOT ablation config from its method field."""
    return osp.join(CFG_DIR, name + SUFFIX)


PLAIN = synth('ce-head')
# Each row: (label, config, the paper's numbers as printed). The papers'
# numbers are on MOT17 half-val (CE paper) / MOT16 val (LWF paper) with
# ResNet-50 at 100 epochs, never on SynthMOT. Rows that decide the claims
# come first: they run first.
TABLES: Dict[str, dict] = {
    'heads': dict(
        title='Head structures (CE paper, Table I), losses summed',
        paper='CE paper, MOT17 half-val: MOTA / IDF1',
        rows=[
            ('(f) double branch-reg + CE', PLAIN, '76.1 / 67.3'),
            ('(e) double branch-reg', synth('double-branch-reg-head'),
             '75.6 / 66.2'),
            ('(a) triple branches', synth('triple-branch-head'),
             '74.9 / 66.6'),
            ('(b) joint branches, JAM after CTracker',
             synth('joint-branch-head'), '75.5 / 66.6'),
            ('(c) shared branches', synth('shared-branch-head'),
             '75.4 / 67.5'),
            ('(d) double branch-cls', synth('double-branch-cls-head'),
             '75.2 / 67.8'),
        ]),
    'balancers': dict(
        title='Loss balancers on the CE head (LWF paper, Tables I and VI)',
        paper='LWF paper, MOT16 val: MOTA / IDF1',
        rows=[
            ('LWF, safeguarded (default)', QUICKSTART, '76.2 / 67.0'),
            ('HWF 1.0 / 1.0 / 1.0 (plain sum)', PLAIN, '73.1 / 63.3'),
            ('closed form GM/L_i (GeometricLossBalance)', synth('ce-gm'),
             '-'),
            ('uncertainty (Kendall, JDE form)', synth('ce-uw'), '-'),
            ('FAMO', synth('ce-famo'), '-'),
            ('DWA', synth('ce-dwa'), '-'),
            ('RLW', synth('ce-rlw'), '-'),
            ('GradNorm, alpha 0.5', synth('ce-gradnorm'), '-'),
            ('LWF literal, printed reading', synth('ce-lwf-literal'), '-'),
            ('LWF literal, SENet reading', synth('ce-lwf-literal-senet'),
             '-'),
            ('HWF 0.5 / 1.0 / 1.5', synth('ce-hwf-a05-b10-g15'),
             '74.8 / 65.8'),
            ('HWF 0.5 / 2.0 / 1.0', synth('ce-hwf-a05-b20-g10'),
             '74.3 / 65.2'),
            ('HWF 0.7 / 0.4 / 0.9', synth('ce-hwf-a07-b04-g09'),
             '74.9 / 65.2'),
            ('HWF 1.0 / 0.5 / 1.5', synth('ce-hwf-a10-b05-g15'),
             '74.9 / 65.3'),
            ('HWF 2.0 / 0.9 / 1.7', synth('ce-hwf-a20-b09-g17'),
             '75.2 / 65.2'),
        ]),
    'E': dict(
        title='CE hidden channels E (CE paper, Table III)',
        paper='CE paper, MOT17 half-val: MOTA / IDF1',
        # the paper's choice, which the sweep's other values pair with
        reference=PLAIN,
        rows=[
            ('E = 16', synth('ce-head-e16'), '74.3 / 65.8'),
            ('E = 64', synth('ce-head-e64'), '75.7 / 66.3'),
            ('E = 128', PLAIN, '76.1 / 67.3'),
            ('E = 256', synth('ce-head-e256'), '74.8 / 66.2'),
        ]),
    'C': dict(
        title='LWF hidden channels C (LWF paper, Table IV)',
        paper='LWF paper, MOT16 val: MOTA / IDF1',
        reference=QUICKSTART,
        rows=[
            ('C = 4', synth('ce-lwf-c4'), '74.9 / 66.0'),
            ('C = 32', QUICKSTART, '76.2 / 67.0'),
            ('C = 128', synth('ce-lwf-c128'), '75.5 / 67.0'),
        ]),
}
#: The learning curve: the two configs whose length decides the study's.
CURVE_ROWS = (('CE + LWF (quickstart)', QUICKSTART),
              ('CE + plain sum', PLAIN))
class Claim(NamedTuple):
    """One of the papers' claims as a paired difference of two rows."""
    name: str
    #: the number of seeds at which it is judged (seeds 0 to n - 1),
    #: fixed from the power table after seed 4 and before any further
    #: seed ran (docs/replication.md, "Further seeds"): a reading at fewer
    #: seeds is interim, and seeds beyond the plan do not enter the verdict
    planned: int
    minuend: str  # config of the row the claim says is better
    subtrahend: str


#: The papers' claims, each judged at its planned number of seeds.
CLAIMS = (
    Claim('CE module: (f) - (e)', 5, PLAIN, synth('double-branch-reg-head')),
    Claim('head (f) - (a) triple branches', 13, PLAIN,
          synth('triple-branch-head')),
    Claim('head (f) - (b) joint branches', 5, PLAIN,
          synth('joint-branch-head')),
    Claim('head (f) - (c) shared branches', 5, PLAIN,
          synth('shared-branch-head')),
    Claim('head (f) - (d) double branch-cls', 5, PLAIN,
          synth('double-branch-cls-head')),
    Claim('LWF - plain sum', 10, QUICKSTART, PLAIN),
    Claim('LWF - closed form GM/L_i', 5, QUICKSTART, synth('ce-gm')),
    Claim('LWF - uncertainty', 5, QUICKSTART, synth('ce-uw')),
    Claim('LWF - FAMO', 8, QUICKSTART, synth('ce-famo')),
)
# every config that a claim pairs, once
CLAIM_CONFIGS = tuple(dict.fromkeys(c for *_, a, b in CLAIMS for c in (a, b)))


def parse_args(argv=None) -> argparse.Namespace:
    from mmmtl.utils import nonnegative_int, positive_int
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('tables', nargs='*',
                   help=f'{sorted(TABLES)}, all, or curve')
    p.add_argument('--seeds', type=nonnegative_int, nargs='+',
                   default=list(DEFAULT_SEEDS))
    p.add_argument('--iters', type=positive_int, default=STUDY_ITERS,
                   help='training iterations per row run (default: the '
                   'schedule the learning curve chose)')
    p.add_argument('--curve-iters', type=positive_int, default=4800)
    p.add_argument('--eval-every', type=positive_int, default=600,
                   help='learning curve: iterations between evaluations')
    p.add_argument('--batch-size', type=positive_int, default=8)
    p.add_argument('--train-seqs', type=positive_int, default=6)
    p.add_argument('--test-seqs', type=positive_int, default=3)
    p.add_argument('--frames', type=positive_int, default=300,
                   help='frames per training and held-out sequence')
    p.add_argument('--out', default=osp.join('outputs', 'replication'),
                   help='checkpoints, logs, data and detection caches')
    p.add_argument('--store', default=osp.join(ROOT, STORE),
                   help='the JSON results (committed)')
    p.add_argument('--doc', default=osp.join(ROOT, DOC),
                   help='the page whose generated part --report rewrites')
    p.add_argument('--rows', type=positive_int, default=None,
                   help='run only the first ROWS rows of each table')
    p.add_argument('--configs', nargs='+', metavar='NAME',
                   help='run only these rows, named as the tables\' config '
                   'column names them (e.g. ce-lwf-literal-senet), in the '
                   'tables\' order')
    p.add_argument('--plan', action='store_true',
                   help='run, seed by seed, every claim row that the '
                   'claims\' planned numbers of seeds still need')
    p.add_argument('--report', action='store_true',
                   help='only rewrite the report from the stored JSON')
    p.add_argument('--backfill-parts', action='store_true',
                   help='only add DetA, AssA and MOTP per sequence, the '
                   'embeddings\' separability and AssA by threshold (as '
                   'tracked and with the people\'s identities) to the '
                   'stored runs that lack them, from their kept caches')
    p.add_argument('--extra-sets', type=nonnegative_int, default=0,
                   metavar='K',
                   help='also test each claim run\'s final checkpoint on '
                   'K further held-out sets (alone: the kept checkpoints '
                   'of --seeds; with TABLES: each run as it finishes)')
    p.add_argument('--thresholds', action='store_true',
                   help='only pair the claims\' runs over the '
                   'score-threshold grid each run stored, or replay it '
                   'from a kept cache (writes ' + THRESHOLDS + ')')
    args = p.parse_args(argv)
    args.out = osp.abspath(args.out)
    if args.tables == ['all']:
        args.tables = list(TABLES)
    bad = [t for t in args.tables if t not in TABLES and t != 'curve']
    if bad:
        p.error(f'unknown table(s) {bad}; choose from '
                f'{sorted(TABLES) + ["all", "curve"]}')
    if args.configs:
        names = {row_name(c) for t in args.tables if t in TABLES
                 for _, c, _ in TABLES[t]['rows']}
        unknown = sorted(set(args.configs) - names)
        if unknown:
            p.error(f'--configs: {unknown} are not rows of the tables '
                    f'{args.tables}; they have {sorted(names)}')
    if args.plan and args.tables:
        p.error(f'--plan runs the claims\' planned seeds; give it without '
                f'TABLES (got {args.tables})')
    if not (args.tables or args.plan or args.report or args.thresholds
            or args.backfill_parts or args.extra_sets):
        p.error('give at least one TABLE, --plan, --report, --thresholds, '
                '--extra-sets or --backfill-parts')
    if args.curve_iters % args.eval_every:
        p.error('--curve-iters must be a multiple of --eval-every')
    return args


# ----------------------------------------------------------------------
# runs
def data_of(args):
    from mmmtl.datasets import SynthMOTData
    return SynthMOTData(
        train_seqs=args.train_seqs,
        test_seqs=args.test_seqs,
        frames=args.frames,
        test_frames=args.frames)


def row_name(config: str) -> str:
    """A row's short name, as the tables' config column prints it."""
    return config_name(config).split('_')[0]


def config_name(config: str) -> str:
    return osp.splitext(osp.basename(config))[0]


def run_key(args, seed: int, iters: int, every: Optional[int]) -> str:
    """Name of a run: everything that sets it."""
    key = (f'{data_of(args).folder_name(seed)}_i{iters}_b{args.batch_size}')
    return key + (f'_curve{every}' if every else '')


def store_path(args, config: str, key: str) -> str:
    return osp.join(args.store, config_name(config), key + '.json')


def load_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def save_json(path: str, data: dict) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = path + '.partial'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def _weight_series(work_dir: str, since: int) -> Dict[str, list]:
    """``w_<task>`` values logged after iteration ``since`` in every log of
    ``work_dir``, every 100th iteration."""
    from mmmtl.visualization import load_weight_series
    series: Dict[str, list] = {}
    for run in sorted(os.listdir(work_dir)):
        vis = osp.join(work_dir, run, 'vis_data', 'scalars.json')
        if not osp.isfile(vis):
            continue
        try:
            weights, _ = load_weight_series(vis)
        except ValueError:
            continue
        for task, (xs, ys) in weights.items():
            for x, y in zip(xs, ys):
                if x > since and x % 100 == 0:
                    series.setdefault(task, []).append([int(x), float(y)])
    return {k: sorted(dict(map(tuple, v)).items()) for k, v in series.items()}


#: Iterations between the checkpoints a run resumes from.
CKPT_EVERY = 300
# Further held-out sets (--extra-sets): set k of seed s is the held-out
# split generated at data seed s + EXTRA_SEED_STEP * k, of the study's own
# size and layout; no study seed's data reaches those seeds.
EXTRA_SEED_STEP = 100


def sequence_rows(table) -> Dict[str, Dict[str, float]]:
    """Sequence -> METRICS and PARTS of a TrackEval table (a DataFrame
    indexed by sequence, with an ``OVERALL`` row that is left out)."""
    keys = [k for k in METRICS + PARTS if k in table.columns]
    return {seq: {k: float(table.loc[seq, k]) for k in keys}
            for seq in table.index if seq != 'OVERALL'}


def tested(cfg, ckpt: str, **kwargs) -> dict:
    """Test ``ckpt`` with ``cfg`` (``kwargs`` go to ``build_test_runner``):
    the metrics and the per-sequence results, by short name."""
    from mmmtl.apis import build_test_runner
    tester = build_test_runner(cfg, ckpt, **kwargs)
    metrics = tester.test()
    per_seq = {}
    for m in tester.test_evaluator.metrics:
        table = getattr(m, 'last_tables', {}).get('trackeval')
        if table is not None:
            per_seq = sequence_rows(table)
    return dict(
        metrics={k.split('/')[-1]: float(v) for k, v in metrics.items()},
        per_sequence=per_seq)


def train_segment(config: str, seed: int, run_dir: str, data_root: str,
                  iters: int, since: int, until: int, batch_size: int,
                  cache_dir: Optional[str]) -> dict:
    """Train ``config`` from iteration ``since`` (resuming from the run's
    last checkpoint) up to ``until`` of an ``iters`` schedule and test that
    checkpoint; the loss weights logged in between are kept."""
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmmtl.datasets import configure_synthmot
    t0 = time.time()
    cfg = configure_synthmot(
        Config.fromfile(osp.join(ROOT, config)), data_root,
        osp.join(run_dir, 'work_dir'), seed=seed, iters=iters)
    cfg.model.tracker = dict(STUDY_TRACKER)
    cfg.train_cfg.max_iters = until
    # A checkpoint every CKPT_EVERY iterations: a killed session loses at
    # most that much of a run, which resumes from it.
    cfg.default_hooks.checkpoint.interval = (
        CKPT_EVERY if until % CKPT_EVERY == 0 else until)
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    cfg.default_hooks.logger.interval = 25
    cfg.train_dataloader.batch_size = batch_size
    cfg.resume = True  # from the work_dir's last checkpoint, if any
    Runner.from_cfg(cfg).train()
    ckpt = osp.join(cfg.work_dir, f'iter_{until}.pth')
    train_s = time.time() - t0
    return dict(
        iter=until,
        **tested(cfg, ckpt, save_detections=cache_dir),
        weights=_weight_series(cfg.work_dir, since),
        train_seconds=round(train_s, 1),
        seconds=round(time.time() - t0, 1),
        # kernels (and so the last digits) differ between CPU kinds
        host=dict(cpu=torch.backends.cpu.get_cpu_capability(),
                  torch=torch.__version__))


def _child(out_json: str, log_path: str, *args) -> None:
    """Body of a segment's process: output to a log, result atomically."""
    log = open(log_path, 'a')
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    point = train_segment(*args)
    with open(out_json + '.partial', 'w') as f:
        json.dump(point, f)
    os.replace(out_json + '.partial', out_json)


def run_child(out_json: str, log_path: str, *args) -> int:
    """Run one segment in a fresh (spawned) process; its exit code.

    A fresh interpreter per segment keeps registries, the default scope
    and memory of one run from reaching the next, and a crash from
    stopping the study.
    """
    proc = multiprocessing.get_context('spawn').Process(
        target=_child, args=(out_json, log_path) + args)
    proc.start()
    proc.join()
    return proc.exitcode


def run(args, config: str, seed: int, iters: int,
        every: Optional[int]) -> bool:
    """Train and evaluate one run, point by point; False if it failed."""
    from mmmtl.datasets import make_synthmot_data
    key = run_key(args, seed, iters, every)
    path = store_path(args, config, key)
    record = load_json(path) or dict(
        config=config, seed=seed, iters=iters, batch_size=args.batch_size,
        data=data_of(args).folder_name(seed), points=[])
    points = list(range(every, iters + 1, every)) if every else [iters]
    done = {p['iter'] for p in record['points']}
    todo = [p for p in points if p not in done]
    if not todo:
        return True
    data_root = osp.join(args.out, 'data', data_of(args).folder_name(seed))
    make_synthmot_data(data_root, data_of(args), seed, verbose=False)
    run_dir = osp.join(args.out, 'runs', config_name(config), key)
    os.makedirs(run_dir, exist_ok=True)
    for until in todo:
        since = max([p for p in done if p < until], default=0)
        print(f'[study] {config_name(config)} seed {seed}: train to {until}'
              f' of {iters}', flush=True)
        t0 = time.time()
        point_json = osp.join(run_dir, f'point_{until}.json')
        cache = osp.join(run_dir, 'det_cache') if until == iters else None
        rc = run_child(point_json, osp.join(run_dir, 'log.txt'), config,
                       seed, run_dir, data_root, iters, since, until,
                       args.batch_size, cache)
        if rc != 0 or not osp.isfile(point_json):
            print(f'[study]   FAILED (rc {rc}); see '
                  f'{osp.join(run_dir, "log.txt")}', flush=True)
            return False
        point = load_json(point_json)
        record['points'] = sorted(record['points'] + [point],
                                  key=lambda p: p['iter'])
        save_json(path, record)
        done.add(until)
        hota = point['metrics'].get('HOTA', float('nan'))
        print(f'[study]   HOTA {hota:.1f} in {time.time() - t0:.0f} s',
              flush=True)
        if cache is not None and iters == args.iters:
            # the record, not the cache, carries these to later sessions
            run_grid(args, config, seed)
            run_embeddings(args, config, seed)
            run_assa_by_alpha(args, config, seed)
            run_oracle_assa_by_alpha(args, config, seed)
            if args.extra_sets and config in CLAIM_CONFIGS:
                extra_sets(args, config, seed)
    return True


def run_tables(args) -> int:
    failed = 0
    for table in args.tables:
        if table == 'curve':
            for seed in args.seeds[:1]:
                for _, config in CURVE_ROWS:
                    failed += not run(args, config, seed, args.curve_iters,
                                      args.eval_every)
            continue
        for _, config, _ in TABLES[table]['rows'][:args.rows]:
            if args.configs and row_name(config) not in args.configs:
                continue
            for seed in args.seeds:
                failed += not run(args, config, seed, args.iters, None)
    return 1 if failed else 0


def planned_runs() -> List[Tuple[int, str]]:
    """Every (seed, config) run that the claims' planned n need, seed by
    seed: each claim config up to the largest planned number of seeds of
    the claims that pair it, in :data:`CLAIM_CONFIGS`' order."""
    most: Dict[str, int] = {}
    for _, planned, a, b in CLAIMS:
        for config in (a, b):
            most[config] = max(most.get(config, 0), planned)
    return [(seed, config) for seed in range(max(most.values()))
            for config in CLAIM_CONFIGS if seed < most[config]]


def run_plan(args) -> int:
    failed = sum(not run(args, config, seed, args.iters, None)
                 for seed, config in planned_runs())
    return 1 if failed else 0


# ----------------------------------------------------------------------
# statistics and report
def final_points(args, config: str, iters: int) -> Dict[int, dict]:
    """Seed -> final stored point (metrics, weights) of ``config``'s runs."""
    out = {}
    folder = osp.join(args.store, config_name(config))
    if not osp.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        rec = load_json(osp.join(folder, name))
        if rec is None or rec['iters'] != iters or '_curve' in name:
            continue
        last = [p for p in rec['points'] if p['iter'] == iters]
        if last:
            out[rec['seed']] = last[0]
    return out


def final_results(args, config: str, iters: int) -> Dict[int, dict]:
    """Seed -> final metrics of the stored runs of ``config``."""
    return {s: p['metrics']
            for s, p in final_points(args, config, iters).items()}


def verdict(lo: float, hi: float, n: int, higher_better: bool = True) -> str:
    if math.isnan(lo):
        return f'inconclusive at n = {n}'
    if not higher_better:
        lo, hi = -hi, -lo
    if lo > 0:
        return 'supported'
    if hi < 0:
        return 'contradicted'
    return f'inconclusive at n = {n}'


def fmt_mean_sd(values: List[float], digits: int = 1) -> str:
    if not values:
        return 'not run'
    m = sum(values) / len(values)
    each = ', '.join(f'{v:.{digits}f}' for v in values)
    if len(values) == 1:
        return f'{m:.{digits}f} [{each}]'
    sd = math.sqrt(sum((v - m)**2 for v in values) / (len(values) - 1))
    return f'{m:.{digits}f} ± {sd:.{digits}f} [{each}]'


def fmt_interval(diffs: List[float]) -> str:
    """``mean [lo, hi]`` of paired differences (95 % Student-t; ``n/a``
    for the interval of a single pair)."""
    from mmmtl.utils import paired_interval
    m, lo, hi = paired_interval(diffs)
    return f'{m:+.1f} [' + (
        'n/a' if math.isnan(lo) else f'{lo:+.1f}, {hi:+.1f}') + ']'


def claims_table(args) -> List[str]:
    """The claims table: each claim's paired differences with their 95 %
    intervals and its verdict, alone and corrected for the number of
    claims judged (Bonferroni: each at ``1 - 0.05 / len(CLAIMS)``, so that
    all of them together err with at most 5 % chance). Each claim pairs
    seeds 0 to n - 1 of its planned n (:class:`Claim`), at most; a reading at
    fewer is marked interim."""
    from mmmtl.utils import paired_interval
    k = len(CLAIMS)
    lines = [
        '| claim | n (seeds) | planned n | Δ MOTA [95 % CI] | '
        'Δ IDF1 [95 % CI] | Δ HOTA [95 % CI] | verdict (HOTA) | '
        f'verdict, corrected for {k} claims |',
        '|---|---|---|---|---|---|---|---|'
    ]
    tally = ({}, {})  # verdict -> claims, alone and corrected
    interim = 0
    for claim, planned, a, b in CLAIMS:
        ra = final_results(args, a, args.iters)
        rb = final_results(args, b, args.iters)
        # the plan's seeds only: a later seed never stands in for a lost one
        seeds = sorted(s for s in set(ra) & set(rb) if s < planned)
        interim += len(seeds) < planned
        plan = f'{planned}' + (' (interim)' if len(seeds) < planned else '')
        if not seeds:
            lines.append(f'| {claim} | 0 | {plan} | not run | not run | '
                         'not run | not run | not run |')
            for t in tally:
                t['not run'] = t.get('not run', 0) + 1
            continue
        diffs = {name: [ra[s][name] - rb[s][name] for s in seeds]
                 for name in ('MOTA', 'IDF1', 'HOTA')}
        cells = [fmt_interval(values) for values in diffs.values()]
        # the verdicts are HOTA's
        _, lo, hi = paired_interval(diffs['HOTA'])
        _, clo, chi = paired_interval(diffs['HOTA'], level=1 - 0.05 / k)
        both = verdict(lo, hi, len(seeds)), verdict(clo, chi, len(seeds))
        lines.append(f'| {claim} | {len(seeds)} | {plan} | ' +
                     ' | '.join(cells) + f' | {both[0]} | {both[1]} |')
        for t, v in zip(tally, both):
            v = v.split(' at n = ')[0]
            t[v] = t.get(v, 0) + 1

    # The tally the prose would otherwise count by hand from the table.
    def says(t):
        return ', '.join(f'{t.get(v, 0)} {v}' for v in (
            'supported', 'contradicted', 'inconclusive', 'not run')
            if v != 'not run' or t.get(v))

    return lines + [
        '', f'Of the {k} claims: {says(tally[0])}; corrected for their '
        f'number, {says(tally[1])}. Read at their planned n: '
        f'{k - interim}; at fewer seeds (interim): {interim}.'
    ]


def power_table(args) -> List[str]:
    """Per claim, the seeds a paired t-test would need to decide it if the
    paired HOTA differences measured so far were the truth: a planning
    estimate (:func:`mmmtl.utils.seeds_for_power`, 80 % power), at 95 %
    and at the corrected level of :func:`claims_table`."""
    from mmmtl.utils import seeds_for_power
    k = len(CLAIMS)
    lines = [
        '| claim | n | Δ HOTA mean / SD | seeds for 80 % power at 95 % | '
        f'seeds for 80 % power, corrected for {k} claims |',
        '|---|---|---|---|---|'
    ]
    for claim, _, a, b in CLAIMS:
        ra = final_results(args, a, args.iters)
        rb = final_results(args, b, args.iters)
        seeds = sorted(set(ra) & set(rb))
        diffs = [ra[s]['HOTA'] - rb[s]['HOTA'] for s in seeds]
        if len(diffs) < 2:
            lines.append(f'| {claim} | {len(diffs)} | n/a | n/a | n/a |')
            continue
        m, sd = statistics.mean(diffs), statistics.stdev(diffs)
        cells = []
        for level in (0.95, 1 - 0.05 / k):
            need = seeds_for_power(diffs, level=level, most=POWER_MOST)
            cells.append(f'> {POWER_MOST}' if need is None else str(need))
        lines.append(f'| {claim} | {len(diffs)} | {m:+.1f} / {sd:.1f} | ' +
                     ' | '.join(cells) + ' |')
    return lines


def extra_sets_table(args) -> List[str]:
    """Per claim, its paired HOTA difference on the study's held-out set and
    on the further held-out sets of each seed whose two runs were tested on
    them (``--extra-sets``), with the spread between sets within a seed
    (pooled) beside the spread between seeds on the study's set."""
    lines = [
        '| claim | seeds | Δ HOTA per seed: study\'s set; further sets | '
        'SD between sets of a seed | SD between seeds, study\'s set |',
        '|---|---|---|---|---|'
    ]
    rows = 0
    for claim, _, a, b in CLAIMS:
        pa = final_points(args, a, args.iters)
        pb = final_points(args, b, args.iters)
        both = sorted(set(pa) & set(pb))
        cells, within = [], []
        for s in both:
            ea = pa[s].get('extra_sets') or {}
            eb = pb[s].get('extra_sets') or {}
            keys = sorted(set(ea) & set(eb), key=int)
            if not keys:
                continue
            own = pa[s]['metrics']['HOTA'] - pb[s]['metrics']['HOTA']
            more = [ea[k]['metrics']['HOTA'] - eb[k]['metrics']['HOTA']
                    for k in keys]
            cells.append(f'{s}: {own:+.1f}; ' +
                         ', '.join(f'{d:+.1f}' for d in more))
            within.append(statistics.variance([own] + more))
        if not cells:
            continue
        rows += 1
        own_all = [pa[s]['metrics']['HOTA'] - pb[s]['metrics']['HOTA']
                   for s in both]
        between = ('n/a' if len(own_all) < 2 else
                   f'{statistics.stdev(own_all):.1f} (n = {len(own_all)})')
        lines.append(f'| {claim} | {len(cells)} | ' + '<br>'.join(cells) +
                     f' | {math.sqrt(sum(within) / len(within)):.1f} | '
                     f'{between} |')
    if not rows:
        return ['No claim\'s runs have been tested on further held-out '
                'sets yet.']
    return lines


def claim_sequences(args, keys: Tuple[str, ...]):
    """The held-out sequences whose per-sequence results hold ``keys``
    (sorted; the last one pans), and per claim ``(claim, minuend points,
    subtrahend points, seeds)`` with the seeds whose two runs hold them
    for every such sequence."""
    def per_seq(point, q):
        return (point.get('per_sequence') or {}).get(q) or {}

    pts = {c: final_points(args, c, args.iters)
           for _, _, a, b in CLAIMS for c in (a, b)}
    names = sorted({
        q for rows in pts.values() for p in rows.values()
        for q in p.get('per_sequence') or {}
        if set(keys) <= set(per_seq(p, q))
    })
    pairs = []
    for claim, _, a, b in CLAIMS:
        seeds = [s for s in sorted(set(pts[a]) & set(pts[b]))
                 if all(set(keys) <= set(per_seq(pts[c][s], q))
                        for q in names for c in (a, b))]
        pairs.append((claim, pts[a], pts[b], seeds))
    return names, pairs


def claim_measures(args, measures: Tuple[str, ...]):
    """As :func:`claim_sequences`, for measures stored per sequence in a
    run's final point (``point[measure][sequence]``, e.g. ``embeddings``):
    the sequences that some run holds in all ``measures``, and per claim
    the seeds whose two runs hold them for every such sequence."""
    def measured(point):
        return set.intersection(*(set(point.get(m) or {}) for m in measures))

    pts = {c: final_points(args, c, args.iters)
           for _, _, a, b in CLAIMS for c in (a, b)}
    names = sorted({q for rows in pts.values() for p in rows.values()
                    for q in measured(p)})
    pairs = [(claim, pts[a], pts[b],
              [s for s in sorted(set(pts[a]) & set(pts[b]))
               if set(names) <= measured(pts[a][s]) & measured(pts[b][s])])
             for claim, _, a, b in CLAIMS]
    return names, pairs


def claim_rows(names: List[str], pairs, cell,
               missing: str = 'not run') -> List[str]:
    """One table row per claim of :func:`claim_sequences`' ``pairs``:
    ``cell(minuend points, subtrahend points, seeds, sequence)`` per
    sequence, or ``missing`` where no seed has both runs' values."""
    lines = []
    for claim, pa, pb, seeds in pairs:
        cells = ([cell(pa, pb, seeds, q) for q in names] if seeds else
                 [missing] * len(names))
        lines.append(f'| {claim} | {len(seeds)} | ' + ' | '.join(cells) +
                     ' |')
    return lines


def sequences_table(args) -> List[str]:
    """Each claim's paired HOTA difference per held-out sequence, with its
    95 % interval over seeds and the per-seed differences: where a gap
    lies. Descriptive: with one look per claim and sequence, about one
    interval in twenty excludes 0 by chance; the verdicts are the claims
    table's."""
    from mmmtl.utils import paired_interval
    names, pairs = claim_sequences(args, ('HOTA', ))
    if not names:
        return ['No claim has per-sequence results yet.']
    heads = [f'{q} (pans)' if q == names[-1] else q for q in names]
    lines = [
        'The same paired HOTA differences, per held-out sequence: where a '
        f'gap lies. Descriptive only: {len(CLAIMS)} claims times '
        f'{len(names)} sequences are {len(CLAIMS) * len(names)} intervals, '
        'each at 95 %, so about one in twenty excludes 0 by chance; the '
        'verdicts are the claims table\'s.', '',
        '| claim | n | ' +
        ' | '.join(f'Δ HOTA {h} [95 % CI] (per seed)' for h in heads) + ' |',
        '|---|---|' + '---|' * len(names)
    ]

    def differences(pa, pb, seeds, q):
        return [pa[s]['per_sequence'][q]['HOTA'] -
                pb[s]['per_sequence'][q]['HOTA'] for s in seeds]

    def cell(pa, pb, seeds, q):
        diffs = differences(pa, pb, seeds, q)
        each = ', '.join(f'{d:+.1f}' for d in diffs)
        return f'{fmt_interval(diffs)} ({each})'

    # Count what the table prints, so the prose need not copy it by hand.
    looked, excluding = 0, []
    for claim, pa, pb, seeds in pairs:
        for q in names if seeds else []:
            _, lo, hi = paired_interval(differences(pa, pb, seeds, q))
            if math.isnan(lo):
                continue
            looked += 1
            if round(lo, 1) > 0 or round(hi, 1) < 0:
                excluding.append(f'{claim} on {q}')
    return lines + claim_rows(names, pairs, cell) + [
        '', f'{len(excluding)} of the {looked} intervals '
        f'exclude{"s" if len(excluding) == 1 else ""} 0' +
        (f': {"; ".join(excluding)}' if excluding else '') +
        f'. With no effect anywhere about {0.05 * looked:.1f} would by '
        'chance, but the intervals share runs and are not independent.'
    ]


def sequence_parts_table(args) -> List[str]:
    """Each claim's mean paired difference in DetA, AssA and MOTP per
    held-out sequence: what the by-sequence HOTA gaps are made of (over
    the seeds whose two runs both kept the parts)."""
    names, pairs = claim_sequences(args, PARTS)
    if not names:
        return ['No claim has per-sequence parts yet.']
    lines = [
        '| claim | n | ' + ' | '.join(
            f'{q}{" (pans)" if q == names[-1] else ""}: Δ DetA / Δ AssA / '
            'Δ MOTP' for q in names) + ' |',
        '|---|---|' + '---|' * len(names)
    ]

    def cell(pa, pb, seeds, q):
        diffs = [
            sum(pa[s]['per_sequence'][q][k] - pb[s]['per_sequence'][q][k]
                for s in seeds) / len(seeds) for k in PARTS
        ]
        return ' / '.join(f'{d:+.1f}' for d in diffs)

    return lines + claim_rows(names, pairs, cell)


def embeddings_table(args) -> List[str]:
    """Each claim's mean paired difference per held-out sequence in AssA
    at the lenient localisation thresholds (alpha <= 0.5), at the strict
    ones, and in the true accept rate of its embeddings at
    :data:`EMBED_FAR`, over the seeds whose two runs stored both: whether
    a gap in association is one of identity or of box precision."""
    key = f'TAR@FAR={EMBED_FAR:g}'
    names, pairs = claim_measures(args, ('embeddings', 'assa_by_alpha'))
    if not names:
        return ['No claim run has stored its embeddings\' separability '
                'and AssA by threshold yet.']
    low = sum(a <= 0.5 for a in HOTA_ALPHAS)

    def cell(pa, pb, seeds, q):
        def mean_diff(value):
            return sum(value(pa[s]) - value(pb[s]) for s in seeds) / len(
                seeds)
        parts = [
            mean_diff(lambda p: statistics.mean(
                p['assa_by_alpha'][q][:low])),
            mean_diff(lambda p: statistics.mean(
                p['assa_by_alpha'][q][low:])),
            mean_diff(lambda p: 100 * p['embeddings'][q][key])
        ]
        return ' / '.join(f'{d:+.1f}' for d in parts)

    return [
        '| claim | n | ' + ' | '.join(
            f'{q}{" (pans)" if q == names[-1] else ""}: Δ AssA α ≤ 0.5 / '
            'α > 0.5 / Δ TAR' for q in names) + ' |',
        '|---|---|' + '---|' * len(names)
    ] + claim_rows(names, pairs, cell, missing='not measured')


def oracle_table(args) -> List[str]:
    """Each claim's mean paired difference per held-out sequence in AssA
    at the strict localisation thresholds (alpha > 0.5) with the tracker's
    identities and with the people's (``oracle_assa_by_alpha``), over the
    seeds whose two runs stored both: how much of a gap in association at
    those thresholds association makes, and how much the boxes do."""
    names, pairs = claim_measures(
        args, ('assa_by_alpha', 'oracle_assa_by_alpha'))
    if not names:
        return ['No claim run has stored its AssA with the people\'s '
                'identities yet.']
    low = sum(a <= 0.5 for a in HOTA_ALPHAS)

    def cell(pa, pb, seeds, q):
        def gap(key):
            return statistics.mean(
                statistics.mean(pa[s][key][q][low:]) -
                statistics.mean(pb[s][key][q][low:]) for s in seeds)
        return (f'{gap("assa_by_alpha"):+.1f} / '
                f'{gap("oracle_assa_by_alpha"):+.1f}')

    return [
        '| claim | n | ' + ' | '.join(
            f'{q}{" (pans)" if q == names[-1] else ""}: Δ AssA α > 0.5, '
            'tracked / with the people\'s identities' for q in names) + ' |',
        '|---|---|' + '---|' * len(names)
    ] + claim_rows(names, pairs, cell, missing='not measured')


def row_table(args, table: str) -> List[str]:
    spec = TABLES[table]
    lines = [
        f'### {spec["title"]}', '',
        f'| row | config | MOTA | IDF1 | HOTA | IDS | {spec["paper"]} '
        '(paper) |', '|---|---|---|---|---|---|---|'
    ]
    for label, config, paper in spec['rows']:
        res = final_results(args, config, args.iters)
        cells = [
            fmt_mean_sd([res[s][k] for s in sorted(res)],
                        0 if k == 'IDS' else 1) for k in METRICS
        ]
        name = row_name(config)
        lines.append(f'| {label} | `{name}` | ' + ' | '.join(cells) +
                     f' | {paper} |')
    return lines + ['']


def sweep_table(args, table: str) -> List[str]:
    """A sweep's rows paired by seed with its ``reference`` row (the
    paper's choice): the row table's means are over each row's own seeds,
    and the seed-to-seed spread is larger than the sweeps' effects. Not
    among the claims, so not corrected for them: a description."""
    spec = TABLES[table]
    ref = final_results(args, spec['reference'], args.iters)
    label = next(lb for lb, c, _ in spec['rows'] if c == spec['reference'])
    lines = [
        f'Paired with {label}, the paper\'s choice, on the seeds both have '
        'run (95 % Student-t intervals; not among the claims, so not '
        'corrected for them):', '',
        '| row | n | seeds | Δ MOTA [95 % CI] | Δ IDF1 [95 % CI] | '
        'Δ HOTA [95 % CI] (per seed) |', '|---|---|---|---|---|---|'
    ]
    for row, config, _ in spec['rows']:
        if config == spec['reference']:
            continue
        res = final_results(args, config, args.iters)
        seeds = sorted(set(res) & set(ref))
        if not seeds:
            lines.append(f'| {row} | 0 | - | not run | not run | not run |')
            continue
        diffs = {k: [res[s][k] - ref[s][k] for s in seeds]
                 for k in ('MOTA', 'IDF1', 'HOTA')}
        each = ', '.join(f'{d:+.1f}' for d in diffs['HOTA'])
        lines.append(
            f'| {row} | {len(seeds)} | {", ".join(map(str, seeds))} | '
            f'{fmt_interval(diffs["MOTA"])} | {fmt_interval(diffs["IDF1"])}'
            f' | {fmt_interval(diffs["HOTA"])} ({each}) |')
    return lines + ['']


#: Iterations before the last whose logged weights are averaged into a
#: run's late weights: one logged value (a 25-iteration window mean) says
#: little of a balancer whose weights move every step (RLW, FAMO).
LATE_WINDOW = 400
# the largest seed count the power table searches
POWER_MOST = 100


def late_weights(point: dict, iters: int) -> Dict[str, float]:
    """Task -> mean of the weights logged at iterations ``iters -
    LATE_WINDOW`` to ``iters`` of a stored point ({} without weights)."""
    out = {}
    for task, pts in (point.get('weights') or {}).items():
        late = [v for it, v in pts if iters - LATE_WINDOW <= it <= iters]
        if late:
            out[task] = sum(late) / len(late)
    return out


def parts_table(args) -> List[str]:
    """HOTA's detection and association parts, the box precision and the
    late loss weights of every head and balancer row that has run: where
    two rows' HOTA differ."""
    lines = [
        '| row | config | n | DetA | AssA | MOTP | late weights '
        'cls / reg / reid |', '|---|---|---|---|---|---|---|'
    ]
    seen = set()
    for table in ('heads', 'balancers'):
        for label, config, _ in TABLES[table]['rows']:
            pts = final_points(args, config, args.iters)
            if config in seen or not pts:
                continue
            seen.add(config)
            seeds = sorted(pts)
            cells = [
                f'{sum(pts[s]["metrics"][k] for s in seeds) / len(seeds):.1f}'
                for k in ('DetA', 'AssA', 'MOTP')
            ]
            late = [late_weights(pts[s], args.iters) for s in seeds]
            if all(set(w) >= set(TASKS) for w in late):
                cells.append(' / '.join(
                    f'{sum(w[t] for w in late) / len(late):.2f}'
                    for t in TASKS))
            else:
                cells.append('-')
            name = row_name(config)
            lines.append(f'| {label} | `{name}` | {len(seeds)} | ' +
                         ' | '.join(cells) + ' |')
    return lines


def curve_table(args) -> List[str]:
    lines = ['| iteration | ' + ' | '.join(
        f'{label}: HOTA / IDF1 / MOTA' for label, _ in CURVE_ROWS) + ' |',
             '|---|' + '---|' * len(CURVE_ROWS)]
    recs = [pts for _, pts in curve_points(args)]
    for it in range(args.eval_every, args.curve_iters + 1, args.eval_every):
        cells = []
        for points in recs:
            m = points.get(it)
            cells.append('not run' if m is None else
                         f'{m["HOTA"]:.1f} / {m["IDF1"]:.1f} / '
                         f'{m["MOTA"]:.1f}')
        lines.append(f'| {it} | ' + ' | '.join(cells) + ' |')
    return lines


def plateau_iter(points: Dict[int, dict],
                 tol: float = 1.0) -> Optional[int]:
    """The shortest schedule after which HOTA moves less than ``tol``.

    The first evaluated iteration ``i`` whose HOTA differs by less than
    ``tol`` from that of every later point; at least one later point is
    needed, so a curve's last point is never chosen.

    Args:
        points (dict[int, dict]): Iteration -> metrics of one curve.
        tol (float): HOTA points. Defaults to 1.0.

    Returns:
        int, optional: The iteration, or None when no point qualifies.
    """
    its = sorted(points)
    for k, it in enumerate(its[:-1]):
        hota = points[it]['HOTA']
        if all(abs(points[j]['HOTA'] - hota) < tol for j in its[k + 1:]):
            return it
    return None


def schedule_lines(args) -> List[str]:
    """What the curves say about the schedule, stated for the report."""
    picks, parts = [], []
    for label, points in curve_points(args):
        done = len(points) == args.curve_iters // args.eval_every
        it = plateau_iter(points)
        picks.append(it if done else None)
        state = 'complete' if done else (
            f'{len(points)} of {args.curve_iters // args.eval_every} points'
            if points else 'not run')
        parts.append(f'{label}: {it if it is not None else "none yet"} '
                     f'({state})')
    text = ('Shortest schedule after which HOTA moves less than 1 point '
            '(every later point within 1 point of it): ' + '; '.join(parts)
            + '.')
    if all(p is not None for p in picks):
        text += (f' The study\'s schedule is the longer of the two, '
                 f'{max(picks)} iterations; the rows use {args.iters}.')
    else:
        text += (f' Until both curves are complete the rows use '
                 f'{args.iters} iterations, to be confirmed.')
    return [text]


CURVE_PNG = osp.join('images', 'replication_curve.png')
WEIGHTS_PNG = osp.join('images', 'replication_lwf_weights.png')
BOX_PNG = osp.join('images', 'replication_box_weight.png')
#: Rows whose loss weights are drawn (the LWF paper's Fig. 3).
WEIGHT_ROWS = (QUICKSTART, synth('ce-gm'), synth('ce-famo'), synth('ce-uw'),
               synth('ce-lwf-literal'))


def curve_seed(args) -> int:
    """The seed of the stored learning curve (the smallest, if several),
    from the store rather than ``--seeds``, so that the report a run writes
    is the one ``--report`` writes."""
    seeds = set()
    for _, config in CURVE_ROWS:
        folder = osp.join(args.store, config_name(config))
        names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
        for name in names:
            if name.endswith(f'_curve{args.eval_every}.json'):
                rec = load_json(osp.join(folder, name))
                if rec and rec['iters'] == args.curve_iters:
                    seeds.add(rec['seed'])
    return min(seeds, default=DEFAULT_SEEDS[0])


def curve_points(args) -> List[Tuple[str, Dict[int, dict]]]:
    out = []
    seed = curve_seed(args)
    for label, config in CURVE_ROWS:
        key = run_key(args, seed, args.curve_iters, args.eval_every)
        rec = load_json(store_path(args, config, key)) or dict(points=[])
        out.append((label, {p['iter']: p['metrics'] for p in rec['points']}))
    return out


def weight_runs(args) -> List[Tuple[str, int, dict]]:
    """(config name, seed, weights of the final point) of the rows drawn,
    each from the smallest stored seed that has them."""
    out = []
    for config in WEIGHT_ROWS:
        for seed in stored_seeds(args):
            key = run_key(args, seed, args.iters, None)
            rec = load_json(store_path(args, config, key))
            if rec and rec['points'] and rec['points'][-1].get('weights'):
                out.append((row_name(config), seed,
                            rec['points'][-1]['weights']))
                break
    return out


def box_weight_points(args) -> List[Tuple[str, int, float, float, float]]:
    """(config name, seed, late ``w_reg / w_cls``, MOTP, HOTA) of every
    finished run of the balancers table that logged its weights: whether
    box precision follows the weight a balancer leaves on the box loss."""
    out = []
    for _, config, _ in TABLES['balancers']['rows']:
        name = row_name(config)
        for seed, p in sorted(final_points(args, config, args.iters).items()):
            w = late_weights(p, args.iters)
            if not {'cls', 'reg'} <= set(w) or w['cls'] <= 0:
                continue
            out.append((name, seed, w['reg'] / w['cls'],
                        p['metrics']['MOTP'], p['metrics']['HOTA']))
    return out


def box_weight_ranks(args) -> Optional[Tuple[int, float, float]]:
    """How closely box precision follows the late box weight, relative to
    classification and to re-ID, over every balancer run that logged all
    three weights.

    Each run's MOTP is taken less the mean MOTP of that seed's runs here,
    so that a seed's easier or harder held-out set does not rank.

    Returns:
        tuple or None: (runs, Spearman rho of MOTP with ``w_reg / w_cls``,
        with ``w_reg / w_reid``); None under three runs.
    """
    runs = []
    for _, config, _ in TABLES['balancers']['rows']:
        for seed, p in final_points(args, config, args.iters).items():
            w = late_weights(p, args.iters)
            if {'cls', 'reg', 'reid'} <= set(w) and min(w.values()) > 0:
                runs.append((seed, w, p['metrics']['MOTP']))
    if len(runs) < 3:
        return None
    by_seed: Dict[int, List[float]] = {}
    for seed, _, motp in runs:
        by_seed.setdefault(seed, []).append(motp)
    from scipy.stats import spearmanr
    motp = [m - statistics.fmean(by_seed[s]) for s, _, m in runs]
    return (len(runs),
            float(spearmanr([w['reg'] / w['cls'] for _, w, _ in runs],
                            motp).statistic),
            float(spearmanr([w['reg'] / w['reid'] for _, w, _ in runs],
                            motp).statistic))


def box_weight_figure(box: List[Tuple[str, int, float, float, float]],
                      iters: int):
    """MOTP and HOTA against the late ``w_reg / w_cls`` of every balancer
    run (:func:`box_weight_points`), one marker and colour per row.

    Returns:
        matplotlib.figure.Figure: two panels, the legend outside both.
    """
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    names = list(dict.fromkeys(b[0] for b in box))
    # one marker and colour per row; the legend sits outside the
    # axes so that it hides no point
    markers = 'osD^v<>phX*Pd8H'
    colours = plt.get_cmap('tab20').colors
    for ax, k, metric in zip(axes, (3, 4), ('MOTP', 'HOTA')):
        for j, name in enumerate(names):
            pts = [b for b in box if b[0] == name]
            ax.scatter([b[2] for b in pts], [b[k] for b in pts],
                       marker=markers[j % len(markers)],
                       color=colours[(2 * j) % 20 + j // 10 % 2],
                       label=name)
        ax.set_xscale('log')
        ax.set_xlabel(f'w_reg / w_cls, mean of iterations '
                      f'{iters - LATE_WINDOW}-{iters}')
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=7,
               loc='center right')
    fig.suptitle('Balancers: the weight left on the box loss, '
                 'every run', fontsize=9)
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    return fig


def write_figures(args) -> None:
    """The learning curve, the loss-weight curves and the balancers' box
    weight against box precision as PNGs beside the doc (only what the
    stored JSON holds)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    base = osp.dirname(args.doc)
    os.makedirs(osp.join(base, 'images'), exist_ok=True)
    curves = [(label, pts) for label, pts in curve_points(args) if pts]
    if curves:
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
        for ax, name in zip(axes, ('HOTA', 'IDF1', 'MOTA')):
            for label, pts in curves:
                its = sorted(pts)
                ax.plot(its, [pts[i][name] for i in its], 'o-', label=label)
            ax.set_title(name)
            ax.set_xlabel('iteration')
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(osp.join(base, CURVE_PNG), dpi=100)
        plt.close(fig)
    runs = weight_runs(args)
    if runs:
        fig, axes = plt.subplots(len(runs), 1, figsize=(7, 2.4 * len(runs)),
                                 squeeze=False)
        for ax, (name, seed, weights) in zip(axes[:, 0], runs):
            for task, pts in sorted(weights.items()):
                ax.plot([p[0] for p in pts], [p[1] for p in pts], label=task)
            ax.set_title(f'{name} (seed {seed})', fontsize=8)
            ax.set_ylabel('weight')
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        axes[-1, 0].set_xlabel('iteration')
        fig.tight_layout()
        fig.savefig(osp.join(base, WEIGHTS_PNG), dpi=100)
        plt.close(fig)
    box = box_weight_points(args)
    if box:
        fig = box_weight_figure(box, args.iters)
        fig.savefig(osp.join(base, BOX_PNG), dpi=100)
        plt.close(fig)


def stored_seeds(args) -> List[int]:
    """Every seed with a finished run of some row, from the store (not
    ``--seeds``): later seeds may have run for some rows only."""
    return sorted({
        s for spec in TABLES.values() for _, config, _ in spec['rows']
        for s in final_points(args, config, args.iters)
    })


def report_text(args) -> str:
    """The generated part of docs/replication.md: a function of the store
    alone, whatever ``--seeds`` a run was given."""
    lines = [
        BEGIN, '',
        f'Schedule: {args.iters} iterations of {args.batch_size} images; '
        f'data: {args.train_seqs} training and {args.test_seqs} held-out '
        f'sequences of {args.frames} frames per seed (the last held-out '
        f'one pans); seeds {stored_seeds(args)} (a row\'s n is the '
        'number of them it has run). Differences are paired by seed; '
        'intervals are 95 % Student-t intervals over seeds. The last '
        'column judges each claim by its Student-t interval at '
        f'1 - 0.05 / {len(CLAIMS)}, so that the {len(CLAIMS)} claims '
        'together err with at most 5 % chance. A claim is judged at its '
        'planned n, on seeds 0 to n - 1, fixed before the seeds past 4 '
        'ran; a reading at fewer seeds is interim.', '',
        '## The claims', ''
    ] + claims_table(args) + [
        '', '### How many seeds would decide them', '',
        'Planning, not evidence: the seeds at which each claim\'s 95 % '
        'interval (and its corrected one) would exclude 0 with 80 % '
        'chance if its paired HOTA difference had, in truth, the mean and '
        'SD measured so far (the paired t-test\'s power). A few seeds '
        'estimate both roughly, so the counts are rough; a mean near 0 '
        'gives a large count: a difference too small for this study to '
        'resolve.', ''
    ] + power_table(args) + [
        '', '### How much of the spread is the held-out set', '',
        'Each claim run\'s final checkpoint tested on further held-out '
        'sets of its seed (`--extra-sets`: the same size and layout, '
        f'data seed + {EXTRA_SEED_STEP} k for set k), beside the '
        'study\'s own set. The spread between sets of one seed is the '
        'held-out data\'s share of the spread between seeds; the rest is '
        'training\'s.', ''
    ] + extra_sets_table(args) + [
        '', '### The claims by held-out sequence', ''
    ] + sequences_table(args) + [
        '', 'What those gaps are made of: the mean paired differences in '
        'HOTA\'s detection and association parts and in box precision, '
        'per sequence.', ''
    ] + sequence_parts_table(args) + [
        '', 'Identity or box precision: the mean paired differences, per '
        'held-out sequence, in AssA averaged over HOTA\'s lenient '
        'localisation thresholds (α 0.05-0.5, where a box matches its '
        'person at the usual IoU) and over the strict ones (α 0.55-0.95), '
        'and in the share of same-person pairs that the embeddings accept '
        f'at a false accept rate of {EMBED_FAR:g}, in points (cosine '
        'similarity of the detections scoring over '
        f'{EMBED_KWARGS["score_thr"]:g} matched to a person at IoU '
        f'{EMBED_KWARGS["iou_thr"]:g}, pairs 1 to '
        f'{EMBED_KWARGS["max_gap"]} frames apart: '
        '`tools/analysis_tools/eval_embeddings.py`), over the seeds whose '
        'runs measured both on their kept caches.', ''
    ] + embeddings_table(args) + [
        '', 'Association or the boxes: the mean paired differences, per '
        'held-out sequence, in AssA over the strict thresholds (α '
        '0.55-0.95) as tracked and with every track\'s boxes relabelled '
        'with the identities of the people they match at IoU 0.5 '
        '(`mmmtl.evaluation.oracle_identities`: association as good as '
        'the boxes allow). The second is the part of the gap that the '
        'boxes make (localisation and coverage), the first less the second '
        'the part that association makes; over the seeds whose runs '
        'measured both on their kept caches.', ''
    ] + oracle_table(args) + ['', '## The rows', '']
    for table in ('heads', 'balancers', 'E', 'C'):
        lines += row_table(args, table)
        if 'reference' in TABLES[table]:
            lines += sweep_table(args, table)
    lines += [
        '### What the HOTA is made of', '',
        'Means over the seeds that have run: HOTA\'s detection (DetA) and '
        'association (AssA) accuracies, the box precision (MOTP), and each '
        'loss\'s late weight: the mean of its logged weights from iteration '
        f'{args.iters - LATE_WINDOW} to {args.iters} (the factor on the raw '
        'loss; 1 / 1 / 1 is the plain sum).', ''
    ] + parts_table(args) + [''] + ([
        'Box precision and HOTA against the late weight each balancer run '
        'leaves on the box loss relative to classification (every run of '
        'the balancers table, one point per seed):', '',
        f'![box weight]({BOX_PNG})', ''
    ] if box_weight_points(args) else [])
    ranks = box_weight_ranks(args)
    if ranks:
        n, rho_cls, rho_reid = ranks
        lines += [
            'Rank correlation over the balancer runs that logged all three '
            'weights, each run\'s MOTP taken less the mean of its seed\'s '
            f'runs (n = {n}): with the late `w_reg / w_cls`, Spearman\'s '
            f'rho = {rho_cls:.2f}; with `w_reg / w_reid`, rho = '
            f'{rho_reid:.2f}. The runs share rows and seeds, so this '
            'describes; it does not test.', ''
        ]
    lines += [
        '## The learning curve', '',
        f'Seed {curve_seed(args)}, one run per config with a '
        f'{args.curve_iters}-iteration schedule, evaluated every '
        f'{args.eval_every} iterations (HOTA / IDF1 / MOTA on the held-out '
        'sequences):', ''
    ] + curve_table(args) + [''] + schedule_lines(args) + (
        ['', f'![learning curve]({CURVE_PNG})']
        if any(p for _, p in curve_points(args)) else []) + [
        '', '## The loss weights', '',
        'Weights every 100 iterations of each drawn row\'s first seed '
        'with a finished run (the LWF paper\'s Fig. 3): ' + ', '.join(
            f'`{n}` seed {s}' for n, s, _ in weight_runs(args)) + '.'
        if weight_runs(args) else 'No run with logged weights yet.'] + (
        ['', f'![loss weights]({WEIGHTS_PNG})'] if weight_runs(args)
        else []) + [
        '', 'Regenerate from the stored results:', '', '```shell',
        'python tools/analysis_tools/run_ablation.py --report', '```', '',
        # Every row at every stored seed would be a few hundred runs: the
        # design is every row at the default seeds and each claim's plan.
        'Complete every row at seeds '
        f'{", ".join(map(str, DEFAULT_SEEDS))} and the claims\' planned '
        'seeds (finished points are skipped; `--seeds` adds a row\'s '
        'further seeds):', '',
        '```shell',
        f'nice -n 19 python tools/analysis_tools/run_ablation.py curve '
        f'heads balancers E C --seeds {" ".join(map(str, DEFAULT_SEEDS))}',
        'nice -n 19 python tools/analysis_tools/run_ablation.py --plan',
        '```', '', END
    ]
    return '\n'.join(lines) + '\n'


def write_report(args) -> str:
    """Replace the generated part of ``args.doc`` (between the report
    markers) with :func:`report_text`."""
    text = open(args.doc).read() if osp.isfile(args.doc) else ''
    new = report_text(args)
    write_figures(args)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        # the generated part ends with a newline of its own
        text = head + new + (tail[1:] if tail.startswith('\n') else tail)
    else:
        text = text + ('\n' if text else '') + new
    tmp = args.doc + '.partial'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, args.doc)
    return args.doc


def extra_set_root(args, seed: int, k: int) -> str:
    """The data folder of seed ``seed``'s ``k``-th further held-out set
    (generated on first use); its split is ``synthmot-test``."""
    from mmmtl.datasets import make_synthmot_data
    root = osp.join(args.out, 'data', 'extra',
                    f'{data_of(args).folder_name(seed)}_set{k}')
    make_synthmot_data(root, data_of(args), seed + EXTRA_SEED_STEP * k,
                       verbose=False, splits=['synthmot-test'])
    return root


def evaluate_on_set(args, config: str, seed: int, ckpt: str,
                    held_out: str) -> dict:
    """Metrics and per-sequence results of a run's checkpoint on the
    held-out split folder ``held_out``, with the study's tracker."""
    from mmengine.config import Config

    from mmmtl.datasets import configure_synthmot
    data_root = osp.join(args.out, 'data', data_of(args).folder_name(seed))
    cfg = configure_synthmot(
        Config.fromfile(osp.join(ROOT, config)), data_root,
        osp.join(osp.dirname(osp.dirname(ckpt)), 'extra_sets'), seed=seed,
        iters=args.iters, held_out=held_out)
    cfg.model.tracker = dict(STUDY_TRACKER)
    return tested(cfg, ckpt)


def extra_sets(args, config: str, seed: int) -> int:
    """Test a finished run's final checkpoint on the further held-out sets
    1..``args.extra_sets`` it lacks and store each in its record's last
    point (``extra_sets``); the number stored. A run without a record or
    a kept checkpoint is skipped with a message."""
    path = store_path(args, config, run_key(args, seed, args.iters, None))
    rec = load_json(path)
    last = [p for p in (rec or {}).get('points', [])
            if p['iter'] == args.iters]
    if not last:
        return 0
    have = last[0].get('extra_sets') or {}
    todo = [k for k in range(1, args.extra_sets + 1) if str(k) not in have]
    if not todo:
        return 0
    ckpt = osp.join(args.out, 'runs', config_name(config),
                    run_key(args, seed, args.iters, None), 'work_dir',
                    f'iter_{args.iters}.pth')
    if not osp.isfile(ckpt):
        print(f'[study] {path}: no kept checkpoint ({ckpt}); further '
              'held-out sets not tested', flush=True)
        return 0
    for k in todo:
        root = extra_set_root(args, seed, k)
        result = evaluate_on_set(args, config, seed, ckpt,
                                 osp.join(root, 'synthmot-test'))
        rec = load_json(path)
        last = [p for p in rec['points'] if p['iter'] == args.iters][0]
        last.setdefault('extra_sets', {})[str(k)] = result
        save_json(path, rec)
        print(f'[study] {config_name(config)} seed {seed}: held-out set '
              f'{k}: HOTA {result["metrics"].get("HOTA", float("nan")):.1f}',
              flush=True)
    return len(todo)


def cache_dir(args, config: str, seed: int) -> str:
    """Where one run keeps its detection cache of the held-out set."""
    return osp.join(args.out, 'runs', config_name(config),
                    run_key(args, seed, args.iters, None), 'det_cache')


def kept_cache(args, config: str, seed: int):
    """(config, cache folder, checked sequences) of one run's kept
    detection cache, or None when the run has no cache here."""
    from mmengine.config import Config

    import mmmtl  # noqa: F401  (registers mmmtl's components)
    from mmmtl.apis import load_checked_cache
    cache = cache_dir(args, config, seed)
    if not osp.isdir(cache):
        return None
    cfg = Config.fromfile(osp.join(ROOT, config))
    return cfg, cache, load_checked_cache(cfg, cache)


def backfill_parts(args) -> int:
    """Add PARTS per sequence to the stored runs that predate them, from
    each run's kept cache replayed with the study's tracker, and the
    embeddings' separability (:func:`run_embeddings`) and AssA by
    threshold, as tracked and with the people's identities
    (:func:`run_assa_by_alpha`, :func:`run_oracle_assa_by_alpha`), to
    those that lack them; the number of runs changed. A replay that does
    not reproduce a run's stored per-sequence metrics is refused, naming
    the file."""
    from mmmtl.apis import replay_tracker
    configs = dict.fromkeys(c for spec in TABLES.values()
                            for _, c, _ in spec['rows'])
    changed = 0
    for config in configs:
        for seed, point in final_points(args, config, args.iters).items():
            stored = point.get('per_sequence') or {}
            if stored and all(set(PARTS) <= set(v) for v in stored.values()):
                continue
            path = store_path(args, config,
                              run_key(args, seed, args.iters, None))
            kept = kept_cache(args, config, seed)
            if kept is None:
                print(f'[study] {path}: no kept cache; not backfilled',
                      flush=True)
                continue
            cfg, cache, seqs = kept
            cfg.model.tracker = dict(STUDY_TRACKER)
            rows = sequence_rows(replay_tracker(
                cfg, cache, sequences=seqs).per_sequence['trackeval'])
            if set(rows) != set(stored):
                raise ValueError(f'{path}: sequences {sorted(stored)}, but '
                                 f'{cache} holds {sorted(rows)}')
            for seq, values in stored.items():
                for k, v in values.items():
                    if abs(rows[seq][k] - v) > 1e-6:
                        raise ValueError(
                            f'{path}: {seq} {k} is {v}, but the replay of '
                            f'{cache} gives {rows[seq][k]}; not backfilled')
            rec = load_json(path)
            last = [p for p in rec['points'] if p['iter'] == args.iters][0]
            for seq, values in last['per_sequence'].items():
                values.update({k: rows[seq][k] for k in PARTS})
            save_json(path, rec)
            changed += 1
            print(f'[study] {path}: parts added', flush=True)
    for config in configs:
        for seed, point in final_points(args, config, args.iters).items():
            added = [key for key, measure in (
                ('embeddings', run_embeddings),
                ('assa_by_alpha', run_assa_by_alpha),
                ('oracle_assa_by_alpha', run_oracle_assa_by_alpha))
                if key not in point and measure(args, config, seed)]
            if added:
                changed += 1
                print(f'[study] {config_name(config)} seed {seed}: '
                      f'{" and ".join(added)} measured', flush=True)
    return changed


def cache_hota(args, config: str, seed: int
               ) -> Optional[Dict[Tuple[float, float], float]]:
    """HOTA of one run's kept detection cache at each point of
    :data:`THRESHOLD_GRID`, or None when the run has no cache here."""
    import copy

    from mmmtl.apis import replay_tracker
    kept = kept_cache(args, config, seed)
    if kept is None:
        return None
    cfg, cache, seqs = kept
    out = {}
    for obj, init in THRESHOLD_GRID:
        run_cfg = copy.deepcopy(cfg)
        run_cfg.model.tracker = dict(STUDY_TRACKER, obj_score_thr=obj,
                                     init_track_thr=init)
        res = replay_tracker(run_cfg, cache, sequences=seqs)
        out[(obj, init)] = res.metrics['motchallenge-metric/HOTA']
    return out


def stored_or_cached(args, config: str, seed: int, key: str, from_cache):
    """One run's ``key`` of its final point: stored in its record, else
    ``from_cache(args, config, seed)`` from its kept cache, then stored
    there, since the caches stay under ``--out`` and are not committed;
    None when neither is here."""
    path = store_path(args, config, run_key(args, seed, args.iters, None))
    rec = load_json(path)
    last = ([p for p in rec['points'] if p['iter'] == args.iters]
            if rec else [])
    if last and key in last[0]:
        return last[0][key]
    value = from_cache(args, config, seed)
    if value is not None and last:
        last[0][key] = value
        save_json(path, rec)
    return value


def run_grid(args, config: str, seed: int
             ) -> Optional[Dict[Tuple[float, float], float]]:
    """HOTA of one run at each point of :data:`THRESHOLD_GRID`
    (:func:`stored_or_cached`; stored as ``thresholds``: ``[obj, init,
    HOTA]`` triples)."""
    def from_cache(*run):
        grid = cache_hota(*run)
        return (None if grid is None else
                [[o, i, h] for (o, i), h in grid.items()])

    triples = stored_or_cached(args, config, seed, 'thresholds', from_cache)
    return None if triples is None else {(o, i): h for o, i, h in triples}


def cache_embeddings(args, config: str, seed: int
                     ) -> Optional[Dict[str, Dict[str, float]]]:
    """How well one run's kept embeddings separate people, per held-out
    sequence and ``OVERALL`` (:meth:`EmbeddingQuality.summary`), or None
    when the run has no cache here."""
    from mmmtl.evaluation import cache_embedding_quality
    cache = cache_dir(args, config, seed)
    if not osp.isdir(cache):
        return None
    return {name: q.summary((EMBED_FAR, ))
            for name, q in cache_embedding_quality(
                cache, **EMBED_KWARGS).items()}


def cache_assa_by_alpha(args, config: str, seed: int, oracle: bool = False
                        ) -> Optional[Dict[str, List[float]]]:
    """One run's AssA per held-out sequence at each of
    :data:`HOTA_ALPHAS`, TrackEval's, from its kept cache replayed with the
    study's tracker (with ``oracle``, its tracks relabelled with the
    people's identities by :func:`~mmmtl.evaluation.oracle_identities`),
    or None when the run has no cache here."""
    import tempfile

    from mmmtl.apis import replay_tracker
    from mmmtl.evaluation import (
        analyse_errors,
        load_sequences,
        oracle_identities,
    )
    kept = kept_cache(args, config, seed)
    if kept is None:
        return None
    cfg, cache, seqs = kept
    cfg.model.tracker = dict(STUDY_TRACKER)
    with tempfile.TemporaryDirectory() as tmp:
        # the replay writes the TrackEval layout: gt/ and the tracks
        replay_tracker(cfg, cache, outfile_prefix=tmp, sequences=seqs)
        sequences = load_sequences(osp.join(tmp, 'gt'),
                                   osp.join(tmp, 'default-tracker'))
        if oracle:
            sequences = [oracle_identities(s) for s in sequences]
        errors, _ = analyse_errors(sequences)
    out = {e.name: [100 * float(a) for a in e.hota['AssA']]
           for e in errors}
    # the replay must be the run: its AssA, the mean over the thresholds,
    # is the stored one
    path = store_path(args, config, run_key(args, seed, args.iters, None))
    stored = final_points(args, config, args.iters)[seed]['per_sequence']
    for e in errors:
        if len(e.alphas) != len(HOTA_ALPHAS) or any(
                abs(a - b) > 1e-6 for a, b in zip(e.alphas, HOTA_ALPHAS)):
            raise ValueError(f'TrackEval\'s alphas {e.alphas} are not '
                             f'{HOTA_ALPHAS}')
        want = stored.get(e.name, {}).get('AssA')
        if oracle:
            continue
        if want is None or abs(statistics.mean(out[e.name]) - want) > 1e-6:
            raise ValueError(
                f'{path}: {e.name} AssA is {want}, but the replay of {cache} '
                f'gives {statistics.mean(out[e.name])}; not stored')
    return out


def run_assa_by_alpha(args, config: str, seed: int
                      ) -> Optional[Dict[str, List[float]]]:
    """:func:`cache_assa_by_alpha` of one run, stored as
    ``assa_by_alpha`` (:func:`stored_or_cached`)."""
    return stored_or_cached(args, config, seed, 'assa_by_alpha',
                            cache_assa_by_alpha)


def run_oracle_assa_by_alpha(args, config: str, seed: int
                             ) -> Optional[Dict[str, List[float]]]:
    """:func:`cache_assa_by_alpha` of one run with the people's
    identities, stored as ``oracle_assa_by_alpha``."""
    return stored_or_cached(
        args, config, seed, 'oracle_assa_by_alpha',
        lambda *run: cache_assa_by_alpha(*run, oracle=True))


def run_embeddings(args, config: str, seed: int
                   ) -> Optional[Dict[str, Dict[str, float]]]:
    """:func:`cache_embeddings` of one run, stored as ``embeddings``
    (:func:`stored_or_cached`)."""
    return stored_or_cached(args, config, seed, 'embeddings',
                            cache_embeddings)


def threshold_sweep(args) -> str:
    """Each claim's paired HOTA difference at every point of
    :data:`THRESHOLD_GRID` and with each row at its own best point per
    seed (an oracle that favours neither row), over the seeds whose two
    runs have a grid (:func:`run_grid`); written to :data:`THRESHOLDS`.
    A seed whose runs have none here keeps its differences from the
    sweep already written (listed as ``carried``), so that a sweep run
    where the caches are gone loses nothing."""
    from mmmtl.utils import paired_interval
    path = osp.join(ROOT, THRESHOLDS)
    points = list(THRESHOLD_GRID) + ['own best']
    before = load_json(path) or {}
    same_grid = (before.get('grid') == [list(p) for p in THRESHOLD_GRID]
                 and before.get('tracker') == STUDY_TRACKER)
    previous = {c['claim']: c for c in before.get('claims', [])
                if same_grid and len(c['rows']) == len(points)}
    grids: Dict[Tuple[str, int], Optional[dict]] = {}
    claims = []
    for claim, _, a, b in CLAIMS:
        diffs: Dict[int, List[float]] = {}
        carried = []
        for s in args.seeds:
            for key in ((a, s), (b, s)):
                if key not in grids:
                    grids[key] = run_grid(args, *key)
            ga, gb = grids[(a, s)], grids[(b, s)]
            old = previous.get(claim, {})
            if ga and gb:
                diffs[s] = [ga[p] - gb[p] for p in THRESHOLD_GRID] + [
                    max(ga.values()) - max(gb.values())]
            elif s in old.get('seeds', []):
                k = old['seeds'].index(s)
                diffs[s] = [row['diffs'][k] for row in old['rows']]
                carried.append(s)
        seeds = sorted(diffs)
        rows = []
        for j, point in enumerate(points if len(seeds) >= 2 else []):
            d = [diffs[s][j] for s in seeds]
            m, lo, hi = paired_interval(d)
            rows.append(dict(point=point if point == 'own best' else
                             list(point), diffs=d, mean=m, ci=[lo, hi],
                             verdict=verdict(lo, hi, len(seeds))))
            print(f'[study] {claim}: {point}: {m:+.1f} [{lo:+.1f}, '
                  f'{hi:+.1f}] {rows[-1]["verdict"]}', flush=True)
        claims.append(dict(claim=claim, seeds=seeds, carried=carried,
                           rows=rows))
    save_json(path, dict(tracker=STUDY_TRACKER,
                         grid=[list(p) for p in THRESHOLD_GRID],
                         claims=claims))
    return path


def main(argv=None) -> int:
    from mmmtl.utils import quiet_third_party_warnings
    quiet_third_party_warnings()
    args = parse_args(argv)
    rc = 0
    if args.thresholds:
        print(f'[study] wrote {threshold_sweep(args)}', flush=True)
        return rc
    if args.backfill_parts:
        print(f'[study] parts, embeddings or AssA by threshold (as '
              f'tracked or with the people\'s identities) added to '
              f'{backfill_parts(args)} run(s)', flush=True)
        return rc
    if args.extra_sets and not args.tables:
        done = sum(extra_sets(args, c, s) for c in CLAIM_CONFIGS
                   for s in args.seeds)
        print(f'[study] {done} further held-out test(s) stored', flush=True)
        return rc
    if args.tables:
        rc = run_tables(args)
    if args.plan:
        rc = run_plan(args)
    print(f'[study] wrote {write_report(args)}', flush=True)
    return rc


if __name__ == '__main__':
    sys.exit(main())
