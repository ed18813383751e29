"""Training-step overhead of LWF against fixed weights on the full detector.

One training step = detector forward + loss, the loss balancer, backward
and an Adam step, for the R50-FPN CE detector of
``configs/lwf/ce-lwf_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py``
(random initialisation, no pretrained weights) at a batch of 2x3x320x576.
Two copies of the same detector are timed in the same process, one with
``LWFLoss`` (C=32, N=1) and one with ``FixedWeightLoss`` (1, 1, 1), in
interleaved repeats after a warm-up; the median step times, their ratio
and the median of the per-repeat ratios are reported. On a shared CPU the
step times vary far more than the balancer costs, so the balancer's own
forward + backward is also timed alone (200 repeats) and its extra cost
over fixed weights is given as a share of the fastest fixed-weight step (an
upper bound). Results go to ``benchmarks/results/lwf_overhead_cpu.json``.

Run::

    .venv/bin/python benchmarks/bench_lwf_overhead.py [--repeats 15]
"""
import argparse
import copy
import json
import os
import os.path as osp
import platform
import statistics
import time

import torch
from mmdet.registry import MODELS
from mmengine.config import Config

import mmmtl  # noqa: F401  (registers the components)
from mmmtl.testing import demo_det_inputs

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(
    ROOT, 'configs', 'lwf', 'ce-lwf_retinanet_r50_fpn_2xb4-100e_'
    'mot17halftrain_test-mot17halfval.py')


class Arm:
    """A detector, its balancer and its optimiser."""

    def __init__(self, detector_cfg, balancer_cfg, seed):
        torch.manual_seed(seed)
        self.detector = MODELS.build(copy.deepcopy(detector_cfg))
        self.balancer = MODELS.build(balancer_cfg)
        self.detector.train()
        self.balancer.train()
        params = list(self.detector.parameters()) + list(
            self.balancer.parameters())
        self.optim = torch.optim.Adam(params, lr=5e-5)

    def step(self, inputs, samples) -> float:
        start = time.perf_counter()
        losses = self.detector.loss(inputs, samples)
        losses = self.balancer(losses)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        self.optim.zero_grad(set_to_none=True)
        total.backward()
        self.optim.step()
        return time.perf_counter() - start


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--shape', type=int, nargs=2, default=[320, 576])
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=15)
    parser.add_argument(
        '--threads', type=int, default=2, help='torch intra-op threads')
    parser.add_argument(
        '--out',
        default=osp.join(ROOT, 'benchmarks', 'results',
                         'lwf_overhead_cpu.json'))
    return parser.parse_args()


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    detector_cfg = cfg.model.detector.to_dict()
    detector_cfg.pop('data_preprocessor', None)
    head = detector_cfg['bbox_head']
    lwf_cfg = cfg.model.loss_balancer.to_dict()
    arms = {
        'lwf': Arm(detector_cfg, lwf_cfg, seed=0),
        'fixed': Arm(detector_cfg, dict(type='FixedWeightLoss'), seed=0),
    }
    num_ids = int(head['num_identities'])
    inputs, samples = demo_det_inputs(
        batch=args.batch, size=tuple(args.shape), num_ids=min(num_ids, 8),
        seed=0)

    times = {name: [] for name in arms}
    for _ in range(args.warmup):
        for arm in arms.values():
            arm.step(inputs, samples)
    for rep in range(args.repeats):
        # Alternate the order so drift in machine load hits both arms.
        order = list(arms) if rep % 2 == 0 else list(reversed(arms))
        for name in order:
            times[name].append(arms[name].step(inputs, samples))

    med = {name: statistics.median(ts) for name, ts in times.items()}
    fastest = {name: min(ts) for name, ts in times.items()}
    ratio = med['lwf'] / med['fixed']
    # Steps of the two arms run back to back see similar machine load, so
    # the median of the per-repeat ratios is less noisy than the ratio of
    # medians on a shared machine.
    paired = statistics.median(
        a / b for a, b in zip(times['lwf'], times['fixed']))
    # The step-time ratio is limited by run-to-run noise of the detector;
    # the balancer's own cost (forward + backward on the detector's loss
    # dict) is timed alone, many times, for a precise estimate.
    losses = arms['lwf'].detector.loss(inputs, samples)
    bal_time = {}
    for name, arm in arms.items():
        ts = []
        for _ in range(200):
            detached = {
                k: ([t.detach().requires_grad_() for t in v] if isinstance(
                    v, list) else v.detach().requires_grad_())
                for k, v in losses.items()
            }
            start = time.perf_counter()
            out = arm.balancer(detached)
            total = sum(v for k, v in out.items() if 'loss' in k)
            total.backward()
            ts.append(time.perf_counter() - start)
        bal_time[name] = statistics.median(ts)
    # Relative to the fastest fixed-weight step: an upper bound.
    bal_overhead = (bal_time['lwf'] - bal_time['fixed']) / fastest['fixed']
    result = dict(
        config=osp.relpath(args.config, ROOT),
        input_shape=[args.batch, 3, *args.shape],
        step='detector.loss + balancer + backward + Adam step',
        warmup=args.warmup,
        repeats=args.repeats,
        threads=args.threads,
        torch=torch.__version__,
        cpu=platform.processor() or platform.machine(),
        median_step_s=med,
        fastest_step_s=fastest,
        all_step_s=times,
        lwf_params=sum(p.numel() for p in arms['lwf'].balancer.parameters()),
        detector_params=sum(
            p.numel() for p in arms['lwf'].detector.parameters()),
        ratio_lwf_over_fixed=ratio,
        overhead_percent=100.0 * (ratio - 1.0),
        median_paired_ratio=paired,
        balancer_only_median_s=bal_time,
        balancer_overhead_percent_of_fastest_step=100.0 * bal_overhead)
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f"{'arm':<8}{'median step (s)':>18}{'fastest step (s)':>18}")
    for name in arms:
        print(f'{name:<8}{med[name]:>18.4f}{fastest[name]:>18.4f}')
    print(f'ratio of medians lwf/fixed = {ratio:.4f}, median of paired '
          f'ratios = {paired:.4f}')
    print(f"balancer alone: lwf {1e6 * bal_time['lwf']:.0f} us, fixed "
          f"{1e6 * bal_time['fixed']:.0f} us: "
          f'{100 * bal_overhead:.4f}% of the fastest step; wrote {args.out}')


if __name__ == '__main__':
    main()
