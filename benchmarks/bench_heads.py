"""Inference time of head (a) against head (f) of the CE paper on this CPU.

Both detectors are the shipped R50-FPN model
(``configs/_base_/models/retinanet-reid_r50_fpn.py``) with the head type
swapped: (a) ``TripleBranchHead`` (three 4-conv towers, as JDE/FairMOT) and
(f) ``CEHead`` (two towers + Correlation Estimation). Weights are random
(speed does not depend on them once the number of boxes is fixed): both get
``score_thr=0`` so NMS sees the same number of candidates. For one
608x1088 image the script times

* ``network``: backbone, FPN and head outputs (``mode='tensor'``);
* ``predict``: the same plus box decoding, NMS and embedding gathering,

after a warm-up, the two heads interleaved (a f f a ...) so that load
changes on the machine hit both alike, and reports the median CPU time of
the process (``time.process_time``; with one thread it is the time the
work took, little disturbed by other jobs on the cores, unlike wall time,
which is saved as well) and the ratio (a) / (f). Multiply-adds of both
(mmengine's counter, as ``tools/analysis_tools/get_flops.py``) are measured
at the same size for the ratio the FLOPs predict (the paper's Table I:
64.73 / 51.85 = 1.25 at 512x512).

Results go to ``benchmarks/results/heads_cpu.json``.

Run::

    .venv/bin/python benchmarks/bench_heads.py [--repeats 5] [--threads 1]
"""
# ruff: noqa: E402  (the imports follow the thread settings on purpose)
import os

# One thread by default: with other jobs on the cores, OpenMP threads that
# wait for each other make the timings noisy. --threads overrides.
for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse
import importlib.util
import json
import logging
import os.path as osp
import platform
import statistics
import time

import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmmtl  # noqa: F401  (registers the components)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DETECTOR_CONFIG = osp.join(ROOT, 'configs', '_base_', 'models',
                           'retinanet-reid_r50_fpn.py')
GET_FLOPS = osp.join(ROOT, 'tools', 'analysis_tools', 'get_flops.py')
HEADS = dict(a='TripleBranchHead', f='CEHead')
PAPER_GFLOPS = dict(a=64.73, f=51.85)  # Table I, 512x512


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shape', type=int, nargs=2, default=(608, 1088))
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument(
        '--out',
        default=osp.join(ROOT, 'benchmarks', 'results', 'heads_cpu.json'))
    return parser.parse_args()


def build_detector(head: str) -> torch.nn.Module:
    """The shipped R50-FPN detector with ``head`` as its head type."""
    cfg = Config.fromfile(DETECTOR_CONFIG).detector
    cfg.bbox_head.type = head
    cfg.backbone.init_cfg = None  # no download; weights do not matter
    cfg.test_cfg.score_thr = 0.0
    detector = MODELS.build(cfg)
    detector.init_weights()
    return detector.eval()


def load_get_flops():
    spec = importlib.util.spec_from_file_location('get_flops', GET_FLOPS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmdet')
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.manual_seed(0)
    h, w = args.shape
    image = torch.randn(1, 3, h, w)
    meta = dict(
        img_shape=(h, w),
        ori_shape=(h, w),
        pad_shape=(h, w),
        batch_input_shape=(h, w),
        scale_factor=(1.0, 1.0))
    detectors = {k: build_detector(v) for k, v in HEADS.items()}
    get_flops = load_get_flops()
    macs = {
        k: get_flops.detector_complexity(d, (h, w))['flops']
        for k, d in detectors.items()
    }

    def run(key: str, mode: str) -> tuple:
        det = detectors[key]
        wall, cpu = time.perf_counter(), time.process_time()
        with torch.no_grad():
            if mode == 'network':
                det(image, mode='tensor')
            else:
                out = det.predict(image, [DetDataSample(metainfo=meta)])
                assert len(out[0].pred_instances.embeds) > 0
        return time.perf_counter() - wall, time.process_time() - cpu

    times = {(k, m): [] for k in HEADS for m in ('network', 'predict')}
    for mode in ('network', 'predict'):
        for _ in range(args.warmup):
            for key in HEADS:
                run(key, mode)
        for i in range(args.repeats):
            order = list(HEADS) if i % 2 == 0 else list(HEADS)[::-1]
            for key in order:
                times[(key, mode)].append(run(key, mode))

    med = {
        k: statistics.median(t[1] for t in v) * 1e3
        for k, v in times.items()
    }
    wall = {
        k: statistics.median(t[0] for t in v) * 1e3
        for k, v in times.items()
    }
    result = dict(
        description=__doc__.splitlines()[0],
        cpu=platform.processor() or platform.machine(),
        cpu_count=os.cpu_count(),
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        shape=[h, w],
        warmup=args.warmup,
        repeats=args.repeats,
        heads=HEADS,
        gmacs={k: round(v / 1e9, 2)
               for k, v in macs.items()},
        gmacs_ratio_a_over_f=round(macs['a'] / macs['f'], 3),
        paper_gflops_ratio_a_over_f_512=round(
            PAPER_GFLOPS['a'] / PAPER_GFLOPS['f'], 3),
        median_cpu_ms={
            f'{k}_{m}': round(v, 1)
            for (k, m), v in med.items()
        },
        median_wall_ms={
            f'{k}_{m}': round(v, 1)
            for (k, m), v in wall.items()
        },
        ratio_a_over_f=dict(
            network=round(med[('a', 'network')] / med[('f', 'network')], 3),
            predict=round(med[('a', 'predict')] / med[('f', 'predict')],
                          3)))
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)

    print(f'R50-FPN detector, {h}x{w}, {result["torch_threads"]} thread(s),'
          f' median CPU time of {args.repeats} after {args.warmup} warm-up')
    print(f'{"head":<22}{"GMACs":>8}{"network ms":>12}{"predict ms":>12}')
    for key, head in HEADS.items():
        print(f'({key}) {head:<18}{macs[key] / 1e9:>8.2f}'
              f'{med[(key, "network")]:>12.1f}'
              f'{med[(key, "predict")]:>12.1f}')
    print(f'(a) / (f): MACs {result["gmacs_ratio_a_over_f"]:.3f}, '
          f'network {result["ratio_a_over_f"]["network"]:.3f}, '
          f'predict {result["ratio_a_over_f"]["predict"]:.3f} '
          f'(paper\'s FLOPs at 512x512: '
          f'{result["paper_gflops_ratio_a_over_f_512"]:.3f})')
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
