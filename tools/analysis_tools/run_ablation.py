"""Run the papers' ablation tables on SynthMOT, resumably.

    python tools/analysis_tools/run_ablation.py TABLE [TABLE ...]
        [--seeds 0 1] [--iters 300] [--out outputs/ablation]

TABLE is one of ``balancers`` (LWF Tables I and VI: HWF rows, peers,
closed form, LWF safeguarded and literal), ``heads`` (CE Table I),
``E`` (CE Table III) and ``C`` (LWF Table IV), or ``all``. Every row is a
config of ``configs/synthmot/`` (the quickstart's CPU-sized model, changed
in one component), trained from scratch on synthetic sequences of the
quickstart's generator and tested on held-out synthetic sequences, once
per seed.

Resumable: each finished run writes ``OUT/runs/<config>/i<iters>_s<seed>/
result.json``; a rerun skips every run whose result exists and reruns an
interrupted one from the start. After every run (and at the end) the
table is rewritten as ``OUT/<TABLE>.md``: mean and sample standard
deviation over the seeds of MOTA, IDF1 and HOTA, the per-seed values, the
final loss weights, and the command that reproduces it. Rows without a
result yet are listed as not run. ``--report`` only rewrites the tables.

Each run is a fresh (spawned) process, so a crash
or a registry clash in one run cannot affect the others; a failed run
writes ``error.txt`` and is retried on the next invocation.
"""
import argparse
import json
import math
import multiprocessing
import os
import os.path as osp
import shutil
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join('configs', 'synthmot')
SUFFIX = '_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py'
QUICKSTART = osp.join(
    'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


def synth(name: str) -> str:
    """Path of a SynthMOT ablation config from its method field."""
    return osp.join(CFG_DIR, name + SUFFIX)


# Each row: (label, config, the paper's numbers as printed). The papers'
# numbers are on MOT17 half-val (CE paper) / MOT16 val (LWF paper) with
# ResNet-50 at 100 epochs, never on SynthMOT.
TABLES: Dict[str, dict] = {
    'balancers': dict(
        title='Loss balancers (LWF paper, Tables I and VI)',
        paper='LWF paper, MOT16 val: MOTA / IDF1',
        rows=[
            ('LWF, safeguarded (default)', QUICKSTART, '76.2 / 67.0'),
            ('closed form GM/L_i (GeometricLossBalance)', synth('ce-gm'),
             '-'),
            ('LWF literal, printed reading', synth('ce-lwf-literal'), '-'),
            ('GradNorm, alpha 1.5', synth('ce-gradnorm'), '-'),
            ('HWF 1.0 / 1.0 / 1.0 (plain sum, = ce-head)', synth('ce-head'),
             '73.1 / 63.3'),
            ('uncertainty (Kendall, JDE form)', synth('ce-uw'), '-'),
            ('FAMO', synth('ce-famo'), '-'),
            ('DWA', synth('ce-dwa'), '-'),
            ('RLW', synth('ce-rlw'), '-'),
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
    'heads': dict(
        title='Head structures (CE paper, Table I), losses summed',
        paper='CE paper, MOT17 half-val: MOTA / IDF1',
        rows=[
            ('(a) triple branches', synth('triple-branch-head'),
             '74.9 / 66.6'),
            ('(b) joint branches, JAM after CTracker',
             synth('joint-branch-head'),
             '75.5 / 66.6'),
            ('(c) shared branches', synth('shared-branch-head'),
             '75.4 / 67.5'),
            ('(d) double branch-cls', synth('double-branch-cls-head'),
             '75.2 / 67.8'),
            ('(e) double branch-reg', synth('double-branch-reg-head'),
             '75.6 / 66.2'),
            ('(f) double branch-reg + CE', synth('ce-head'), '76.1 / 67.3'),
        ]),
    'E': dict(
        title='CE hidden channels E (CE paper, Table III)',
        paper='CE paper, MOT17 half-val: MOTA / IDF1',
        rows=[
            ('E = 16', synth('ce-head-e16'), '74.3 / 65.8'),
            ('E = 64', synth('ce-head-e64'), '75.7 / 66.3'),
            ('E = 128', synth('ce-head'), '76.1 / 67.3'),
            ('E = 256', synth('ce-head-e256'), '74.8 / 66.2'),
        ]),
    'C': dict(
        title='LWF hidden channels C (LWF paper, Table IV)',
        paper='LWF paper, MOT16 val: MOTA / IDF1',
        rows=[
            ('C = 4', synth('ce-lwf-c4'), '74.9 / 66.0'),
            ('C = 32', QUICKSTART, '76.2 / 67.0'),
            ('C = 128', synth('ce-lwf-c128'), '75.5 / 67.0'),
        ]),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('tables', nargs='*', help=f'{sorted(TABLES)} or all')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--iters', type=int, default=300,
                   help='training iterations per run (the configs say '
                   '2400, the quickstart length)')
    p.add_argument('--batch-size', type=int, default=4,
                   help='training images per step (the configs say 8)')
    p.add_argument('--train-seqs', type=int, default=4)
    p.add_argument('--test-seqs', type=int, default=2)
    p.add_argument('--frames', type=int, default=150,
                   help='frames per training sequence')
    p.add_argument('--test-frames', type=int, default=100,
                   help='frames per held-out sequence')
    p.add_argument('--out', default=osp.join('outputs', 'ablation'))
    p.add_argument('--rows', type=int, default=None,
                   help='run only the first ROWS rows of each table (the '
                   'table lists every row)')
    p.add_argument('--report', action='store_true',
                   help='only rewrite the tables from stored results')
    args = p.parse_args(argv)
    args.out = osp.abspath(args.out)
    if not args.tables:
        p.error('give at least one TABLE')
    if args.tables == ['all']:
        args.tables = list(TABLES)
    bad = [t for t in args.tables if t not in TABLES]
    if bad:
        p.error(f'unknown table(s) {bad}; choose from {sorted(TABLES)}')
    return args


# ----------------------------------------------------------------------
# data and one run (child process)
def make_data(args, data_root: str) -> None:
    """Synthetic train and held-out splits, as the quickstart makes them."""
    from mmmtl.datasets import convert_mot_to_coco, write_mot_split
    for name, n_seqs, frames, seed in (
            ('synthmot-train', args.train_seqs, args.frames, 0),
            ('synthmot-test', args.test_seqs, args.test_frames, 1000)):
        root = osp.join(data_root, name)
        ann = osp.join(root, 'annotations', 'train_cocoformat.json')
        if osp.isfile(ann):
            continue
        write_mot_split(
            root,
            num_seqs=n_seqs,
            num_frames=frames,
            size=(320, 192),
            seed=seed,
            split='train',
            name_prefix=name.split('-')[1].upper())
        convert_mot_to_coco(
            root, osp.join(root, 'annotations'), split_train=False)


def shorten_schedule(cfg, iters: int) -> None:
    """Set the quickstart schedule (warm-up + cosine) to ``iters``."""
    cfg.train_cfg.max_iters = iters
    cfg.default_hooks.checkpoint.interval = iters
    cfg.default_hooks.logger.interval = max(1, min(25, iters // 20))
    warm = min(100, max(1, iters // 10))
    sched = cfg.param_scheduler
    sched[0].end = warm
    sched[1].begin = warm
    sched[1].T_max = max(1, iters - warm)
    sched[1].end = iters


def run_one(config: str, seed: int, run_dir: str, data_root: str,
            iters: int, batch_size: int) -> dict:
    """Train and test one config; returns the result stored on disk."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmmtl.visualization import find_scalar_json, load_weight_series
    t0 = time.time()
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.work_dir = osp.join(run_dir, 'work_dir')
    cfg.train_dataloader.dataset.data_root = osp.join(
        data_root, 'synthmot-train') + os.sep
    cfg.test_dataloader.dataset.data_root = osp.join(
        data_root, 'synthmot-test') + os.sep
    # the metric reads the held-out ground truth from the converter's files
    cfg.test_evaluator.gt_root = osp.join(data_root, 'synthmot-test',
                                          'train')
    ann = osp.join(data_root, 'synthmot-train', 'annotations',
                   'train_cocoformat.json')
    with open(ann) as f:
        cfg.model.detector.bbox_head.num_identities = int(
            json.load(f)['num_identities'])
    shorten_schedule(cfg, iters)
    cfg.train_dataloader.batch_size = batch_size
    cfg.randomness = dict(seed=seed)
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = osp.join(cfg.work_dir, f'iter_{iters}.pth')
    train_s = time.time() - t0
    # the training log (before testing adds a newer one) for the curves
    train_log = osp.join(run_dir, 'train_log.json')
    shutil.copyfile(find_scalar_json(cfg.work_dir), train_log)
    try:
        weights, _ = load_weight_series(train_log)
        final_w = {k: v[1][-1] for k, v in weights.items() if v[1]}
    except ValueError:  # no balancer: no weights logged
        final_w = {}
    test_cfg = cfg.copy()
    test_cfg.load_from = ckpt
    metrics = Runner.from_cfg(test_cfg).test()
    os.remove(ckpt)  # keep disk use small; the result is what is kept
    return dict(
        config=config,
        seed=seed,
        iters=iters,
        metrics={k: float(v) for k, v in metrics.items()},
        final_weights=final_w,
        train_seconds=round(train_s, 1),
        total_seconds=round(time.time() - t0, 1))


# ----------------------------------------------------------------------
# tables
def data_root_of(args) -> str:
    """The data folder of one data size (kept between invocations)."""
    return osp.join(
        args.out, 'data', f'train{args.train_seqs}x{args.frames}_'
        f'test{args.test_seqs}x{args.test_frames}')


def run_dir_of(args, config: str, seed: int) -> str:
    """Folder of one run; its name holds everything that sets it."""
    name = osp.splitext(osp.basename(config))[0]
    return osp.join(
        data_root_of(args).replace(osp.join(args.out, 'data'),
                                   osp.join(args.out, 'runs')), name,
        f'i{args.iters}_b{args.batch_size}_s{seed}')


def load_result(run_dir: str) -> Optional[dict]:
    path = osp.join(run_dir, 'result.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def metric(result: dict, name: str) -> Optional[float]:
    """A metric from the evaluator's keys (``.../MOTA``).

    The SynthMOT configs evaluate with ``MMMTLMOTMetric``, which reports
    HOTA, MOTA and IDF1 in percent (a fraction would be ambiguous: a MOTA
    of 0.5 % and of 50 % could not be told apart), so values are taken as
    they are.
    """
    for k, v in result['metrics'].items():
        if k.split('/')[-1] == name:
            return float(v)
    return None


def mean_sd(values: List[float]) -> str:
    if not values:
        return 'not run'
    m = sum(values) / len(values)
    if len(values) == 1:
        return f'{m:.1f} (1 seed)'
    sd = math.sqrt(sum((v - m)**2 for v in values) / (len(values) - 1))
    return f'{m:.1f} ± {sd:.1f}'


def command_of(args, table: str) -> str:
    seeds = ' '.join(str(s) for s in args.seeds)
    return (f'python tools/analysis_tools/run_ablation.py {table} --seeds '
            f'{seeds} --iters {args.iters} --batch-size {args.batch_size} '
            f'--train-seqs {args.train_seqs} --test-seqs {args.test_seqs} '
            f'--frames {args.frames} --test-frames {args.test_frames}')


def write_table(args, table: str) -> str:
    spec = TABLES[table]
    lines = [
        f'### {spec["title"]}', '',
        f'Measured on SynthMOT (synthetic data, 320x192: {args.train_seqs} '
        f'training sequences of {args.frames} frames, {args.test_seqs} '
        f'held-out sequences of {args.test_frames} frames), '
        f'{args.iters} training iterations of {args.batch_size} images '
        'per run (the configs\' 2400 x 8 shortened), seeds '
        f'{args.seeds}; mean ± sample standard deviation over seeds, '
        'per-seed values in brackets. The last column is the paper\'s, on '
        'real data at full length; it is not comparable in absolute terms.',
        '', '| row | config | MOTA | IDF1 | HOTA | final weights (cls, reg, '
        f'reid) | {spec["paper"]} (paper) |', '|---|---|---|---|---|---|---|'
    ]
    for label, config, paper in spec['rows']:
        results = [
            r for s in args.seeds
            if (r := load_result(run_dir_of(args, config, s))) is not None
        ]
        cells = []
        for name in ('MOTA', 'IDF1', 'HOTA'):
            vals = [v for r in results if (v := metric(r, name)) is not None]
            each = ', '.join(f'{v:.1f}' for v in vals)
            cells.append(mean_sd(vals) + (f' [{each}]' if vals else ''))
        ws = []
        for r in results:
            w = r.get('final_weights') or {}
            if w:
                ws.append('/'.join(f'{w[k]:.2f}' for k in sorted(w)))
        name = osp.splitext(osp.basename(config))[0].split('_')[0]
        lines.append(f'| {label} | `{name}` | ' + ' | '.join(cells) +
                     f' | {"; ".join(ws) or "-"} | {paper} |')
    lines += ['', 'Reproduce (resumable; finished runs are skipped):', '',
              '```', command_of(args, table), '```', '']
    text = '\n'.join(lines)
    os.makedirs(args.out, exist_ok=True)
    path = osp.join(args.out, f'{table}.md')
    with open(path, 'w') as f:
        f.write(text)
    return path


# rows whose weight curves are drawn (Fig. 3 of the LWF paper)
CURVE_CONFIGS = (QUICKSTART, synth('ce-lwf-literal'),
                 synth('ce-lwf-literal-senet'), synth('ce-gm'),
                 synth('ce-gradnorm'))


def write_curves(args, seed: int) -> Optional[str]:
    """One panel of ``w_<task>`` per LWF variant that has a result.

    Each panel's title is the config that was trained (and the seed).

    Returns:
        str, optional: The PNG path, or None when no such run finished.
    """
    from mmmtl.visualization import GREEK, load_weight_series
    logs = []
    for config in CURVE_CONFIGS:
        log = osp.join(run_dir_of(args, config, seed), 'train_log.json')
        if load_result(run_dir_of(args, config, seed)) and osp.isfile(log):
            logs.append((config, log))
    if not logs:
        return None
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(
        len(logs), 1, figsize=(7, 2.6 * len(logs)), squeeze=False)
    for ax, (config, log) in zip(axes[:, 0], logs):
        weights, _ = load_weight_series(log)
        for task, (xs, ys) in weights.items():
            ax.plot(xs, ys, label=GREEK.get(task, task))
        name = osp.splitext(osp.basename(config))[0]
        ax.set_title(f'{name} (seed {seed})', fontsize=8)
        ax.set_ylabel('weight')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[-1, 0].set_xlabel('iteration')
    fig.tight_layout()
    path = osp.join(args.out, f'lwf_curves_s{seed}.png')
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _child(config: str, seed: int, run_dir: str, data_root: str,
           iters: int, batch_size: int) -> None:
    """Body of a run's process: output to log.txt, result atomically."""
    log = open(osp.join(run_dir, 'log.txt'), 'w')
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    result = run_one(config, seed, run_dir, data_root, iters, batch_size)
    tmp = osp.join(run_dir, 'result.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, osp.join(run_dir, 'result.json'))  # atomic


def run_child(config: str, seed: int, run_dir: str, data_root: str,
              args) -> int:
    """Run one config in a fresh (spawned) process; its exit code.

    A fresh interpreter per run keeps registries, the default scope and
    memory of one run from reaching the next, and a crash from stopping
    the table.
    """
    proc = multiprocessing.get_context('spawn').Process(
        target=_child,
        args=(config, seed, run_dir, data_root, args.iters,
              args.batch_size))
    proc.start()
    proc.join()
    return proc.exitcode


def run_tables(args) -> int:
    data_root = data_root_of(args)
    if not args.report:
        make_data(args, data_root)
    failed = 0
    for table in args.tables:
        for _, config, _ in TABLES[table]['rows'][:args.rows]:
            for seed in args.seeds:
                run_dir = run_dir_of(args, config, seed)
                if args.report or load_result(run_dir) is not None:
                    continue
                os.makedirs(run_dir, exist_ok=True)
                print(f'[ablation] {table}: {config} seed {seed}',
                      flush=True)
                t0 = time.time()
                rc = run_child(config, seed, run_dir, data_root, args)
                status = 'ok' if rc == 0 else f'FAILED (rc {rc})'
                print(f'[ablation]   {status} in {time.time() - t0:.0f} s',
                      flush=True)
                if rc != 0:
                    failed += 1
                    with open(osp.join(run_dir, 'error.txt'), 'w') as f:
                        f.write(f'exit code {rc}; see log.txt\n')
                write_table(args, table)
        print(f'[ablation] wrote {write_table(args, table)}', flush=True)
    for seed in args.seeds:
        path = write_curves(args, seed)
        if path:
            print(f'[ablation] wrote {path}', flush=True)
    return 1 if failed else 0


def main(argv=None) -> int:
    return run_tables(parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
