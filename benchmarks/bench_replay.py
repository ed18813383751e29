"""Replay of the tracker over a detection cache against the full test.

    python benchmarks/bench_replay.py CONFIG CHECKPOINT [--rounds 2]

In one process, alternately: ``build_test_runner(CONFIG, CHECKPOINT,
save_detections=...)``'s ``test()`` (network, tracker and metric over the
test split, what ``tools/test.py`` runs) and ``replay_tracker`` over the
cache it wrote (tracker and metric only), each timed as wall time after
the imports. The metrics of the two must be equal; the ratio of the
medians is written to ``benchmarks/results/replay_cpu.json``.

With the quickstart::

    python benchmarks/bench_replay.py \\
        outputs/quickstart/quickstart_config.py \\
        outputs/quickstart/work_dir/iter_2400.pth
"""
import argparse
import json
import os
import os.path as osp
import statistics
import tempfile
import time

from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmmtl  # noqa: F401  (registers the components)
from mmmtl.apis import (
    add_model_args,
    build_test_runner,
    parse_model_args,
    replay_tracker,
)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    add_model_args(parser, checkpoint='positional', backends=None,
                   relax=False)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument(
        '--out', default=osp.join(ROOT, 'benchmarks', 'results',
                                  'replay_cpu.json'))
    args = parser.parse_args()
    parse_model_args(parser, args)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmdet')
    test_s, replay_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            cache = osp.join(tmp, f'cache{r}')
            work = osp.join(tmp, f'work{r}')
            run_cfg = cfg.copy()
            run_cfg.work_dir = work
            t0 = time.perf_counter()
            live = build_test_runner(run_cfg, args.checkpoint,
                                     save_detections=cache).test()
            test_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            replayed = replay_tracker(cfg, cache).metrics
            replay_s.append(time.perf_counter() - t0)
            if replayed != {k: float(v) for k, v in live.items()}:
                raise SystemExit(f'replay differs from the test: {live} vs '
                                 f'{replayed}')
            print(f'round {r}: test {test_s[-1]:.1f} s, replay '
                  f'{replay_s[-1]:.2f} s', flush=True)
    result = dict(
        config=args.config,
        rounds=args.rounds,
        test_seconds=test_s,
        replay_seconds=replay_s,
        ratio=statistics.median(replay_s) / statistics.median(test_s),
        load_average=os.getloadavg(),
        nproc=os.cpu_count())
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'replay / test = {result["ratio"]:.4f} (medians); load average '
          f'{result["load_average"][0]:.1f} on {result["nproc"]} CPUs')


if __name__ == '__main__':
    main()
