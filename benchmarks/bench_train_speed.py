"""Training speed of the quickstart config: old and new settings, A/B.

Each run is a fresh (spawned) process that trains the quickstart config
(``configs/quickstart/ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py``,
its model, batch of 8, pipeline and optimiser unchanged) on a small
synthetic training split of the quickstart's generator, and times
iterations ``warmup+1 .. warmup+iters`` with a hook (the wall time between
the ends of those iterations, data loading included). The variants are
run in interleaved rounds (the order alternates every round), so a change
in the machine's load hits all of them alike; the result is the median of
the per-round ratios against ``old``, with the 1-minute load average and
each run's CPU time beside it.

Variants (each a set of config overrides; ``old`` restores the values the
config had before the speed work):

- ``old``: the config before the speed work: torch's default intra-op
  threads (one per core).
- ``new``: the config as shipped: ``CPUThreadsHook(num_threads='auto')``,
  as many threads as the other work leaves cores idle when training
  starts (torch's default on an idle machine). It is the only change, so
  ``new/old`` is its gain. Tried and left out: channels-last memory
  format (slower here, see the hook's notes in docs).
- ``new+amp``: the shipped config with ``tools/train.py --amp``'s options
  on a CPU (``CPUAmpOptimWrapper``, bfloat16); ``new+amp/new`` is the
  gain (or loss) of bfloat16.

Run::

    .venv/bin/python benchmarks/bench_train_speed.py [--rounds 3]
        [--iters 20] [--warmup 5]
        [--out benchmarks/results/train_speed_cpu.json]
"""
import argparse
import json
import multiprocessing
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from typing import Dict, List

from mmmtl.engine import CPU_AMP_OPTIONS
from mmmtl.utils import positive_int

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
QUICKSTART = osp.join(
    'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')
# what tools/train.py --amp and tools/quickstart.py --amp set on a CPU
AMP_OPTIONS = CPU_AMP_OPTIONS
# The settings the speed work changed, at their values before it.
OLD = {'custom_hooks': [dict(type='IdentityCountCheckHook')]}
VARIANTS: Dict[str, dict] = {
    'old': OLD,
    'new': {},
    'new+amp': AMP_OPTIONS,
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rounds', type=positive_int, default=3,
                   help='interleaved rounds of all variants')
    p.add_argument('--iters', type=positive_int, default=20,
                   help='timed iterations per run')
    p.add_argument('--warmup', type=positive_int, default=5,
                   help='untimed iterations first')
    p.add_argument('--variants', nargs='+', default=None,
                   help=f'subset of {list(VARIANTS)} (old always runs)')
    p.add_argument('--data', default=None,
                   help='folder for the generated training split '
                   '(default: a temporary folder)')
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results',
                                             'train_speed_cpu.json'))
    return p.parse_args(argv)


def make_data(folder: str) -> str:
    """Two training sequences of 60 frames (the quickstart's generator)."""
    from mmmtl.datasets import convert_mot_to_coco, write_mot_split
    root = osp.join(folder, 'synthmot-train') + '/'
    ann = osp.join(root, 'annotations', 'train_cocoformat.json')
    if not osp.isfile(ann):
        write_mot_split(root, num_seqs=2, num_frames=60, size=(320, 192),
                        seed=0, split='train', workers=1,
                        name_prefix='TRAIN')
        convert_mot_to_coco(root, osp.join(root, 'annotations'),
                            split_train=False)
    return root


def _run(variant: str, overrides: dict, data_root: str, work_dir: str,
         warmup: int, iters: int) -> dict:
    """One training run in this (fresh) process; its timing."""
    import torch
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    import mmmtl  # noqa: F401

    class IterClock(Hook):
        """Wall time at the end of every training iteration."""

        priority = 'LOWEST'

        def __init__(self):
            self.stamps: List[float] = []

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            self.stamps.append(time.perf_counter())

    cfg = Config.fromfile(osp.join(ROOT, QUICKSTART))
    cfg.merge_from_dict(overrides)
    cfg.train_dataloader.dataset.data_root = data_root
    with open(osp.join(data_root, 'annotations',
                       'train_cocoformat.json')) as f:
        num_ids = json.load(f)['num_identities']
    cfg.model.detector.bbox_head.num_identities = num_ids
    cfg.train_cfg.max_iters = warmup + iters
    cfg.param_scheduler = [
        dict(type='ConstantLR', factor=1.0, by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=10**9, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**9)
    cfg.work_dir = work_dir
    cfg.experiment_name = variant
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    clock = IterClock()
    runner.register_hook(clock)
    load = os.getloadavg()[0]
    cpu0 = os.times()
    runner.train()
    cpu1 = os.times()
    span = clock.stamps[-1] - clock.stamps[warmup - 1]
    # same seed, data and iterations in every variant: equal losses mean
    # the settings did not change what is computed
    losses = list(runner.message_hub.get_scalar('train/loss').data[0])
    return dict(
        losses=[float(v) for v in losses],
        its_per_s=iters / span,
        s_per_iter=span / iters,
        cpu_s=(cpu1.user + cpu1.system) - (cpu0.user + cpu0.system),
        loadavg_1min=[load, os.getloadavg()[0]],
        threads=torch.get_num_threads())


def run_variant(queue, args: tuple) -> None:
    """Entry point of the spawned (non-daemonic: the data loader starts
    workers) process: its result, or the error, into ``queue``."""
    try:
        queue.put(_run(*args))
    except BaseException as e:  # reported by the parent
        queue.put(dict(error=f'{type(e).__name__}: {e}'))
        raise


def cpu_flags() -> List[str]:
    """The CPU's bfloat16/VNNI/AVX-512 flags (Linux)."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = next(line for line in f if line.startswith('flags'))
    except (OSError, StopIteration):
        return []
    wanted = ('avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_bf16')
    return [f for f in flags.split(':', 1)[1].split() if f in wanted]


def main(argv=None) -> dict:
    args = parse_args(argv)
    names = ['old'] + [v for v in (args.variants or VARIANTS) if v != 'old']
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        sys.exit(f'--variants: unknown {unknown}; choose from '
                 f'{list(VARIANTS)}')
    tmp = tempfile.mkdtemp(prefix='bench_train_speed_')
    data_root = make_data(args.data or tmp)
    ctx = multiprocessing.get_context('spawn')
    runs: Dict[str, List[dict]] = {n: [] for n in names}
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            queue = ctx.Queue()
            proc = ctx.Process(
                target=run_variant,
                args=(queue, (name, VARIANTS[name], data_root,
                              osp.join(tmp, f'{name}_{r}'), args.warmup,
                              args.iters)))
            proc.start()
            res = queue.get()
            proc.join()
            if 'error' in res:
                sys.exit(f'{name}, round {r}: {res["error"]}')
            res['round'] = r
            runs[name].append(res)
            print(f'round {r} {name:>10}: {res["its_per_s"]:.3f} it/s '
                  f'(load {res["loadavg_1min"][0]:.1f})', flush=True)
            # written after every run: an interrupted benchmark keeps
            # its complete rounds
            result = summarise(args, argv, names, runs)
    print(json.dumps(result['ratios'], indent=2))
    return result


def summarise(args, argv, names: List[str],
              runs: Dict[str, List[dict]]) -> dict:
    """Ratios over the complete rounds; writes ``args.out``."""
    ratios = {}
    for name in names[1:]:
        per_round = [
            a['its_per_s'] / b['its_per_s']
            for a, b in zip(runs[name], runs['old'])
        ]
        ratios[f'{name}/old'] = dict(
            per_round=per_round,
            median=statistics.median(per_round) if per_round else None)
    if 'new' in runs and 'new+amp' in runs:
        per_round = [
            a['its_per_s'] / b['its_per_s']
            for a, b in zip(runs['new+amp'], runs['new'])
        ]
        ratios['new+amp/new'] = dict(
            per_round=per_round,
            median=statistics.median(per_round) if per_round else None)
    result = dict(
        command=' '.join(['benchmarks/bench_train_speed.py'] +
                         (argv if argv is not None else sys.argv[1:])),
        config=QUICKSTART,
        data='2 synthetic training sequences x 60 frames, 320x192',
        timed='iterations warmup+1..warmup+iters, wall time between '
        'iteration ends (data loading included)',
        warmup=args.warmup,
        iters=args.iters,
        rounds=args.rounds,
        variants={n: VARIANTS[n] for n in names},
        runs=runs,
        median_its_per_s={
            n: statistics.median(r['its_per_s'] for r in runs[n])
            for n in names if runs[n]
        },
        ratios=ratios,
        machine=dict(
            cpus=os.cpu_count(), cpu_flags=cpu_flags(),
            python=platform.python_version()),
    )
    import torch
    result['machine']['torch'] = torch.__version__
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
