"""Frames per second of two MOT configs, measured side by side.

Measures, for each config, the detector alone (pre-processing, network,
box decoding and NMS, Re-ID embeddings included) and the whole model with
the tracker (``test_step``), on the frames of one synthetic video, with
warm-up and the two configs interleaved (A B B A ...) so that load changes
on the machine hit both alike. Reports the ratio B / A (the CE paper's
Table VI compares the speed of its head with the baseline head).

The weights are randomly initialised: speed does not depend on them once
the number of boxes is fixed. Every detector ``test_cfg`` gets
``score_thr=0`` and the same ``nms_pre``, NMS IoU and ``max_per_img``, and
the tracker's score thresholds are set to 0, so both models pass the same
number of boxes to NMS and to the tracker, which then has real work
(predicting, matching, starting and ending tracks) on every frame.

Example (heads (a) and (f) of the CE paper)::

    H=configs/heads
    S=retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py
    python tools/analysis_tools/benchmark_fps.py \
        $H/triple-branch-head_$S $H/ce-head_$S \
        --shape 608 1088 --warmup 5 --iters 20 --device cpu \
        --out benchmarks/results/fps_cpu.json
"""
import argparse
import inspect
import json
import logging
import os
import os.path as osp
import platform
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmcv.cnn import fuse_conv_bn
from mmdet.apis.inference import build_test_pipeline
from mmdet.registry import MODELS
from mmengine.config import Config, DictAction
from mmengine.dataset import default_collate
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmmtl.datasets import generate_sequence


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Detector-only and end-to-end FPS of two MOT configs')
    parser.add_argument('config_a', help='baseline config (A)')
    parser.add_argument('config_b', help='compared config (B)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=(608, 1088),
        metavar=('HEIGHT', 'WIDTH'),
        help='network input size')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--max-boxes',
        type=int,
        default=100,
        help='boxes kept per frame after NMS (both configs)')
    parser.add_argument(
        '--nms-pre', type=int, default=1000, help='boxes before NMS')
    parser.add_argument('--num-targets', type=int, default=12,
                        help='people in view of the synthetic video')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch CPU threads (default: torch default)')
    parser.add_argument(
        '--fuse-conv-bn',
        action='store_true',
        help='fold BatchNorm into the preceding convs of both models '
        '(as mmdet\'s benchmark.py; same outputs, faster inference)')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='overrides applied to both configs')
    return parser.parse_args(argv)


def _fix_test_cfgs(node: Any, max_boxes: int, nms_pre: int) -> int:
    """Pin every detector ``test_cfg`` (a dict with ``nms``) in place.

    Returns:
        int: Number of ``test_cfg`` dicts changed.
    """
    changed = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'test_cfg' and isinstance(value, dict) and \
                    'nms' in value:
                value.update(
                    score_thr=0.0, nms_pre=nms_pre, max_per_img=max_boxes)
                value['nms'] = dict(type='nms', iou_threshold=0.5)
                changed += 1
            else:
                changed += _fix_test_cfgs(value, max_boxes, nms_pre)
    elif isinstance(node, (list, tuple)):
        for value in node:
            changed += _fix_test_cfgs(value, max_boxes, nms_pre)
    return changed


def _drop_pretrained(node: Any) -> int:
    """Remove ``Pretrained`` init configs in place (no downloads).

    Returns:
        int: Number of init configs removed.
    """
    dropped = 0
    if isinstance(node, dict):
        init = node.get('init_cfg')
        inits = init if isinstance(init, list) else [init]
        if any(isinstance(c, dict) and c.get('type') == 'Pretrained'
               for c in inits):
            kept = [
                c for c in inits
                if not (isinstance(c, dict) and c.get('type') == 'Pretrained')
            ]
            node['init_cfg'] = kept or None
            dropped += 1
        for key, value in node.items():
            if key != 'init_cfg':
                dropped += _drop_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            dropped += _drop_pretrained(value)
    return dropped


def _open_tracker_gates(tracker_cfg: dict) -> List[str]:
    """Set the tracker's score thresholds to 0 so every box is tracked."""
    cls = MODELS.get(tracker_cfg['type'])
    params = inspect.signature(cls.__init__).parameters if cls else {}
    keys = [k for k in ('obj_score_thr', 'init_track_thr') if k in params]
    for key in keys:
        tracker_cfg[key] = 0.0
    if 'obj_score_thrs' in params:  # ByteTrack-style trackers
        tracker_cfg['obj_score_thrs'] = dict(high=0.0, low=0.0)
        keys.append('obj_score_thrs')
    return keys


def build_model(config: str, args: argparse.Namespace) -> torch.nn.Module:
    """Build a randomly initialised MOT model with pinned box counts."""
    cfg = Config.fromfile(config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model_cfg = cfg.model
    if _fix_test_cfgs(model_cfg, args.max_boxes, args.nms_pre) == 0:
        raise KeyError(f'{config}: no detector test_cfg with an `nms` key '
                       'to pin the number of boxes')
    if 'tracker' not in model_cfg:
        raise KeyError(f'{config}: model has no `tracker`')
    _open_tracker_gates(model_cfg['tracker'])
    _drop_pretrained(model_cfg)  # random weights: nothing to download
    height, width = args.shape
    # Frames are generated at the input size; keep_ratio resizing to the
    # same size is then exact.
    for transform in cfg.test_dataloader.dataset.pipeline[0]['transforms']:
        if transform['type'] == 'Resize':
            transform.update(scale=(width, height), keep_ratio=True)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = MODELS.build(model_cfg)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    model.cfg = cfg
    model = model.to(args.device).eval()
    if args.fuse_conv_bn:
        model = fuse_conv_bn(model)
    return model


def prepare_frames(model: torch.nn.Module,
                   frames: np.ndarray) -> List[Dict[str, Any]]:
    """Run the test pipeline of ``model`` on every frame beforehand."""
    pipeline = build_test_pipeline(model.cfg)
    batches = []
    for i, frame in enumerate(frames):
        data = pipeline(
            dict(
                img=[frame.astype(np.float32)],
                frame_id=[i],
                ori_shape=[frame.shape[:2]],
                img_id=[i + 1],
                ori_video_length=[len(frames)]))
        batches.append(default_collate([data]))
    return batches


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


@torch.no_grad()
def time_detector(model: torch.nn.Module, batch: Dict[str, Any],
                  device: str) -> tuple:
    """Seconds and box count of the detector alone on one frame."""
    _sync(device)
    tic = time.perf_counter()
    data = model.data_preprocessor(batch, False)
    frame = data['data_samples'][0][0]
    result = model.detector.predict(
        data['inputs'][:, 0].contiguous(), [frame], rescale=True)[0]
    _sync(device)
    return time.perf_counter() - tic, len(result.pred_instances)


@torch.no_grad()
def time_end_to_end(model: torch.nn.Module, batch: Dict[str, Any],
                    device: str) -> tuple:
    """Seconds and track count of detection + tracking on one frame."""
    _sync(device)
    tic = time.perf_counter()
    result = model.test_step(batch)[0]
    _sync(device)
    return time.perf_counter() - tic, len(result[0].pred_track_instances)


def _summary(seconds: List[float], counts: List[int]) -> Dict[str, float]:
    seconds = np.asarray(seconds)
    return dict(
        fps=float(len(seconds) / seconds.sum()),
        fps_median=float(1.0 / np.median(seconds)),
        ms_mean=float(seconds.mean() * 1e3),
        ms_std=float(seconds.std() * 1e3),
        boxes_mean=float(np.mean(counts)))


def run(args: argparse.Namespace) -> Dict[str, Any]:
    if args.threads:
        torch.set_num_threads(args.threads)
    height, width = args.shape
    n = args.warmup + args.iters
    frames, _ = generate_sequence(
        n, (width, height), seed=args.seed, num_targets=args.num_targets)
    names = ('A', 'B')
    models, batches = {}, {}
    for name, config in zip(names, (args.config_a, args.config_b)):
        models[name] = build_model(config, args)
        batches[name] = prepare_frames(models[name], frames)
    timings = {
        name: dict(det=([], []), e2e=([], []))
        for name in names
    }
    for i in range(n):
        # A B, then B A: alternating order cancels order effects.
        order = names if i % 2 == 0 else names[::-1]
        for kind, fn in (('det', time_detector), ('e2e', time_end_to_end)):
            for name in order:
                sec, count = fn(models[name], batches[name][i], args.device)
                if i >= args.warmup:
                    timings[name][kind][0].append(sec)
                    timings[name][kind][1].append(count)

    results: Dict[str, Any] = dict(
        device=args.device,
        device_name=(torch.cuda.get_device_name() if
                     args.device.startswith('cuda') else platform.processor()
                     or platform.machine()),
        torch_threads=torch.get_num_threads(),
        torch_version=torch.__version__,
        shape=[height, width],
        warmup=args.warmup,
        iters=args.iters,
        max_boxes=args.max_boxes,
        nms_pre=args.nms_pre,
        weights='random initialisation (init_weights)',
        fuse_conv_bn=bool(args.fuse_conv_bn),
        input='synthetic video, mmmtl.datasets.generate_sequence('
        f'seed={args.seed}, num_targets={args.num_targets})',
    )
    for name, config in zip(names, (args.config_a, args.config_b)):
        params = sum(p.numel() for p in models[name].parameters())
        results[name] = dict(
            config=config,
            params_m=params / 1e6,
            detector=_summary(*timings[name]['det']),
            end_to_end=_summary(*timings[name]['e2e']))
    results['ratio_b_over_a'] = dict(
        detector=results['B']['detector']['fps'] /
        results['A']['detector']['fps'],
        end_to_end=results['B']['end_to_end']['fps'] /
        results['A']['end_to_end']['fps'])
    # A and B of one frame ran back to back: the median of the per-frame
    # ratios is robust to load that changes during the run.
    results['ratio_b_over_a_paired_median'] = {
        key: float(
            np.median(
                np.asarray(timings['A'][kind][0]) /
                np.asarray(timings['B'][kind][0])))
        for key, kind in (('detector', 'det'), ('end_to_end', 'e2e'))
    }
    return results


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    results = run(args)
    print(f"input {args.shape[0]}x{args.shape[1]} on {results['device']} "
          f"({results['torch_threads']} threads), random weights, "
          f'{args.warmup} warm-up + {args.iters} frames, interleaved'
          + (', BatchNorm fused into convs' if args.fuse_conv_bn else ''))
    header = (f"{'':4s}{'params(M)':>10s}{'det FPS':>10s}{'e2e FPS':>10s}"
              f"{'boxes':>8s}{'tracks':>8s}  config")
    print(header)
    for name in ('A', 'B'):
        r = results[name]
        print(f"{name:4s}{r['params_m']:10.2f}{r['detector']['fps']:10.2f}"
              f"{r['end_to_end']['fps']:10.2f}"
              f"{r['detector']['boxes_mean']:8.1f}"
              f"{r['end_to_end']['boxes_mean']:8.1f}  {r['config']}")
    ratio = results['ratio_b_over_a']
    paired = results['ratio_b_over_a_paired_median']
    print(f"B / A: detector {ratio['detector']:.3f}x, "
          f"end-to-end {ratio['end_to_end']:.3f}x (median of per-frame "
          f"ratios: {paired['detector']:.3f}x, "
          f"{paired['end_to_end']:.3f}x)")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'written {args.out}')
    return results


if __name__ == '__main__':
    main()
