r"""Frames per second of MOT configs and inference backends, side by side.

Measures, for each variant (a config run on a backend), the detector alone
(pre-processing, network, box decoding and NMS, Re-ID embeddings included;
:func:`mmmtl.apis.detect_frame`) and the whole model with the tracker
(:func:`mmmtl.apis.track_frame`), on the frames of one synthetic video,
with warm-up and the variants interleaved (A B C, then C B A, ...) so that
load changes on the machine hit all alike. Ratios are against the first
variant (the first config on the first backend), from the mean FPS and as
the median of the per-frame ratios. With several ``--threads`` values the
whole measurement is repeated for each.

Backends (``--backend``, one or more), all built by
:func:`mmmtl.apis.init_mot_model` from the same weights:

- ``pytorch``: eager PyTorch;
- ``compile``: backbone, FPN and head compiled by ``torch.compile``
  (inductor); the first (warm-up) frame pays for the compilation;
- ``onnxruntime``: the network exported to ONNX
  (:func:`mmmtl.deploy.export_detector_onnx`) and run by onnxruntime with
  ``--threads`` intra-op threads;
- ``onnxruntime-int8``: that graph quantised to INT8
  (:func:`mmmtl.deploy.quantize_detector_onnx`, the settings of
  ``tools/deployment/export_onnx.py --quantize int8``), calibrated on
  ``--calib`` frames (default: the benchmark's own synthetic frames),
  run by the same ``ORTDetector``. A speed ratio of a quantised graph
  means little without its accuracy: this backend needs the record of
  ``tools/deployment/check_int8_accuracy.py`` (``--int8-accuracy FILE``,
  or ``int8_accuracy.json`` beside ``--out``), made with the same
  ``--calib-method``, ``--calib-percentile``, ``--calib-moving-average``,
  ``--keep-float`` and ``--keep-float-nodes``, and prints its verdict
  beside the ratio.

Pre-processing, post-processing (``predict_by_feat``) and the tracker are
the same PyTorch code for every backend.

The weights are randomly initialised: speed does not depend on them once
the number of boxes is fixed. Every detector ``test_cfg`` gets
``score_thr=0`` and the same ``nms_pre``, NMS IoU and ``max_per_img``, and
the tracker's score thresholds are set to 0, so all models pass the same
number of boxes to NMS and to the tracker, which then has real work
(predicting, matching, starting and ending tracks) on every frame.

Examples::

    H=configs/heads
    S=retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py
    # heads (a) and (f) of the CE paper, eager PyTorch
    python tools/analysis_tools/benchmark_fps.py \
        $H/triple-branch-head_$S $H/ce-head_$S \
        --shape 608 1088 --warmup 5 --iters 20 --device cpu \
        --out benchmarks/results/fps_cpu.json
    # head (f) on three backends, 1 and 2 threads
    python tools/analysis_tools/benchmark_fps.py $H/ce-head_$S \
        --backend pytorch compile onnxruntime --threads 1 2 \
        --shape 608 1088 --warmup 3 --iters 10 \
        --out benchmarks/results/fps_backends_cpu.json
    # eager, FP32 and INT8 onnxruntime, 1 thread
    python tools/analysis_tools/benchmark_fps.py $H/ce-head_$S \
        --backend pytorch onnxruntime onnxruntime-int8 --threads 1 \
        --int8-accuracy benchmarks/results/int8_accuracy.json \
        --out benchmarks/results/fps_int8_cpu.json
"""
import argparse
import copy
import inspect
import json
import os.path as osp
import platform
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmcv.cnn import fuse_conv_bn
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.apis import (
    MODEL_BACKENDS,
    add_int8_calibration_args,
    add_model_args,
    calibration_inputs,
    check_int8_calibration_args,
    detect_frame,
    init_mot_model,
    int8_calibration_kwargs,
    network_input,
    prepare_frame,
    track_frame,
)
from mmmtl.datasets import generate_sequence
from mmmtl.deploy import CALIB_METHODS, quantization_settings
from mmmtl.testing import random_init_model, save_checkpoint
from mmmtl.utils import (
    OutputClashError,
    add_cfg_options,
    add_shape_arg,
    atomic_open,
    bounded_int,
    check_outputs,
    nonnegative_int,
    quiet_third_party_warnings,
)

#: Backends of this benchmark: mmmtl's, and the INT8 graph on onnxruntime.
BENCH_BACKENDS = MODEL_BACKENDS + ('onnxruntime-int8', )
#: CPU flags that decide the speed of int8 and bfloat16 kernels.
ISA_FLAGS = ('avx2', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni',
             'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Detector-only and end-to-end FPS of MOT configs on '
        'inference backends')
    parser.add_argument(
        'configs',
        nargs='+',
        metavar='CONFIG',
        help='configs; the first one is the baseline')
    # random weights of its own (saved, then loaded by every backend)
    add_model_args(parser, checkpoint='none', backends=BENCH_BACKENDS,
                   multiple_backends=True)
    add_shape_arg(parser, (608, 1088), 'network input size (32-8192)')
    parser.add_argument('--warmup', type=bounded_int(0, 10000), default=5,
                        help='untimed frames first (0-10000)')
    parser.add_argument('--iters', type=bounded_int(1, 100000), default=20,
                        help='timed frames (1-100000)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--max-boxes',
        type=bounded_int(1, 100000),
        default=100,
        help='boxes kept per frame after NMS (every variant)')
    parser.add_argument(
        '--nms-pre', type=bounded_int(1, 1000000), default=1000,
        help='boxes before NMS')
    parser.add_argument('--num-targets', type=bounded_int(1, 10000),
                        default=12,
                        help='people in view of the synthetic video')
    parser.add_argument('--seed', type=nonnegative_int, default=0)
    parser.add_argument(
        '--threads',
        type=bounded_int(1, 1024),
        nargs='+',
        default=None,
        help='CPU threads of torch and onnxruntime (1-1024); several '
        'values repeat the measurement for each (default: torch default)')
    parser.add_argument(
        '--int8-accuracy',
        metavar='FILE',
        help='accuracy record of tools/deployment/check_int8_accuracy.py '
        '(onnxruntime-int8; default: int8_accuracy.json beside --out)')
    add_int8_calibration_args(
        parser,
        'MOTChallenge folder whose frames calibrate the INT8 graph '
        '(default: the benchmark\'s synthetic frames)',
        'output kinds kept in float in the INT8 graph', 8)
    parser.add_argument(
        '--fuse-conv-bn',
        action='store_true',
        help='fold BatchNorm into the preceding convs of the PyTorch '
        'models (as mmdet\'s benchmark.py; same outputs, faster '
        'inference; the ONNX export folds them in any case)')
    parser.add_argument('--out', help='write the results as JSON here')
    add_cfg_options(parser, 'overrides applied to every config')
    args = parser.parse_args(argv)
    if len(set(args.backend)) != len(args.backend):
        parser.error(f'--backend {args.backend}: a backend twice')
    try:  # a config or the INT8 accuracy record, by any path or link
        check_outputs([args.out], list(args.configs) + (
            [int8_record_path(args)] if int8_record_path(args) else []))
    except OutputClashError as err:
        parser.error(f'--out: {err}')
    check_int8_calibration_args(parser, args)
    args.int8_record = None
    if 'onnxruntime-int8' in args.backend:
        path = int8_record_path(args)
        if path is None:
            parser.error(
                'no INT8 ratio without its accuracy: --backend '
                'onnxruntime-int8 needs the record of '
                'tools/deployment/check_int8_accuracy.py (--int8-accuracy '
                'FILE, or int8_accuracy.json beside --out)')
        if osp.isfile(path):  # else read when the ratios are reported
            try:
                args.int8_record = read_int8_accuracy(args)
            except ValueError as err:
                parser.error(str(err))
    elif args.int8_accuracy or args.calib:
        parser.error('--int8-accuracy and --calib are read with --backend '
                     'onnxruntime-int8')
    elif quantization_settings(_settings_of_args(args)) != \
            quantization_settings({}):
        parser.error('--calib-method, --calib-percentile, '
                     '--calib-moving-average, --keep-float and '
                     '--keep-float-nodes are read with --backend '
                     'onnxruntime-int8')
    if args.calib and not osp.isdir(args.calib):
        parser.error(f'--calib {args.calib}: not a folder')
    return args


def _settings_of_args(args: argparse.Namespace) -> Dict[str, Any]:
    """The ``quantization`` metadata entry that this run's INT8 flags give
    (the parts that :func:`mmmtl.deploy.quantization_settings` reads)."""
    kwargs = int8_calibration_kwargs(args)
    calibration = dict(method=CALIB_METHODS[kwargs['calib_method']])
    if kwargs['calib_percentile'] is not None:
        calibration['percentile'] = kwargs['calib_percentile']
    calibration['moving_average'] = kwargs['calib_moving_average']
    return dict(calibration=calibration, float_kinds=kwargs['keep_float'],
                float_node_patterns=kwargs['keep_float_nodes'])


def int8_record_path(args: argparse.Namespace) -> Optional[str]:
    """``--int8-accuracy``, else ``int8_accuracy.json`` beside ``--out``."""
    if args.int8_accuracy:
        return args.int8_accuracy
    if args.out:
        return osp.join(osp.dirname(osp.abspath(args.out)),
                        'int8_accuracy.json')
    return None


def read_int8_accuracy(args: argparse.Namespace) -> Dict[str, Any]:
    """The INT8 accuracy record that must accompany an INT8 ratio.

    ``--int8-accuracy FILE``, else ``int8_accuracy.json`` in the folder of
    ``--out``. It is read before the measurement if it exists, else when
    the ratios are reported (the accuracy check may run meanwhile).

    Returns:
        dict: ``file``, ``passed``, ``failed``, ``deltas``, ``metrics``,
        ``float_kinds``, ``settings`` (calibration method, percentile,
        moving average, float kinds and node patterns) and ``config`` of
        the record.

    Raises:
        ValueError: No record, an unreadable one, or one whose INT8 graph
            was made with other settings than this run's ``--calib-method``,
            ``--calib-percentile``, ``--calib-moving-average``,
            ``--keep-float`` and ``--keep-float-nodes`` (the message names
            the difference).
    """
    path = int8_record_path(args)
    if path is None or not osp.isfile(path):
        raise ValueError(
            'no INT8 ratio without its accuracy: --backend onnxruntime-int8 '
            'needs the record of tools/deployment/check_int8_accuracy.py '
            f'(--int8-accuracy FILE, or int8_accuracy.json beside --out); '
            f'{path or "no --out"} not found')
    try:
        with open(path) as f:
            record = json.load(f)
        verdict = record['verdict']
        quant = record['int8']['quantization']
        kinds = quant['float_kinds']
        settings = quantization_settings(quant)
        out = dict(
            file=path, config=record['config'], passed=verdict['passed'],
            failed=verdict['failed'], deltas=verdict['deltas'],
            metrics=record['metrics'], float_kinds=kinds,
            settings=settings)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f'{path}: not an INT8 accuracy record of '
                         f'check_int8_accuracy.py ({err!r})') from err
    if sorted(kinds) != sorted(args.keep_float):
        raise ValueError(
            f'{path}: its INT8 graph kept {kinds or "nothing"} in float, '
            f'this run keeps {args.keep_float or "nothing"} (--keep-float): '
            'the accuracy would not be that of the graph timed')
    mine = quantization_settings(_settings_of_args(args))
    differ = [k for k in mine if mine[k] != settings[k]]
    if differ:
        raise ValueError(
            f'{path}: its INT8 graph was made with '
            + ', '.join(f'{k}={settings[k]!r}' for k in differ)
            + ', this run with '
            + ', '.join(f'{k}={mine[k]!r}' for k in differ)
            + ' (--calib-method, --calib-percentile, --calib-moving-average,'
            ' --keep-float-nodes): the accuracy would not be that of the '
            'graph timed')
    return out


def cpu_flags() -> List[str]:
    """The CPU's instruction-set flags of :data:`ISA_FLAGS` it has."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    have = set(line.split(':', 1)[1].split())
                    return [f for f in ISA_FLAGS if f in have]
    except OSError:
        pass
    return []


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
    """Set the tracker's score thresholds to 0 (and stop scores weighting
    the IoU) so every box is tracked."""
    cls = MODELS.get(tracker_cfg['type'])
    params = inspect.signature(cls.__init__).parameters if cls else {}
    keys = [k for k in ('obj_score_thr', 'init_track_thr') if k in params]
    for key in keys:
        tracker_cfg[key] = 0.0
    if 'obj_score_thrs' in params:  # ByteTrack-style trackers
        tracker_cfg['obj_score_thrs'] = dict(high=0.0, low=0.0)
        keys.append('obj_score_thrs')
    if 'fuse_score' in params:
        # IoU times a random-weight score (~0.01) would veto every match
        tracker_cfg['fuse_score'] = False
        keys.append('fuse_score')
    return keys


def benchmark_cfg(config: str, args: argparse.Namespace) -> Config:
    """The config with pinned box counts, open tracker gates, no downloads.

    Raises:
        KeyError: The config has no detector ``test_cfg`` with ``nms`` or
            no tracker; the message names the file.
    """
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
    return cfg


def random_checkpoint(cfg: Config, path: str, seed: int) -> torch.nn.Module:
    """Initialise the config's model randomly and save it as a checkpoint.

    Every backend then loads the same weights through the public API.

    Returns:
        nn.Module: The saved model (eval mode, CPU).
    """
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = random_init_model(cfg, seed)
    save_checkpoint(model, path)
    return model.eval()


def build_variant(cfg: Config, backend: str, checkpoint: str,
                  onnx_file: Optional[str], args: argparse.Namespace,
                  threads: Optional[int]) -> torch.nn.Module:
    """One model through :func:`mmmtl.apis.init_mot_model`."""
    if backend.startswith('onnxruntime'):
        # onnxruntime-int8 is the same detector on the quantised graph
        model = init_mot_model(
            cfg,
            backend='onnxruntime',
            onnx_file=onnx_file,
            device=args.device,
            num_threads=threads)
    else:
        model = init_mot_model(
            cfg, checkpoint, backend=backend, device=args.device)
        if args.fuse_conv_bn:
            # compilation is lazy: the first call traces the fused model
            fuse_conv_bn(model)
    return model.eval()


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_call(fn, model: torch.nn.Module, data: Dict[str, Any],
              device: str) -> Tuple[float, int]:
    """Seconds and output count of one per-frame API call."""
    _sync(device)
    tic = time.perf_counter()
    result = fn(model, data)
    _sync(device)
    sec = time.perf_counter() - tic
    if hasattr(result, 'pred_instances'):  # detect_frame
        return sec, len(result.pred_instances)
    return sec, len(result[0].pred_track_instances)


def _summary(seconds: List[float], counts: List[int]) -> Dict[str, float]:
    seconds = np.asarray(seconds)
    return dict(
        fps=float(len(seconds) / seconds.sum()),
        fps_median=float(1.0 / np.median(seconds)),
        ms_mean=float(seconds.mean() * 1e3),
        ms_std=float(seconds.std() * 1e3),
        boxes_mean=float(np.mean(counts)))


def measure(variants: Dict[str, torch.nn.Module],
            batches: Dict[str, List[Dict[str, Any]]],
            args: argparse.Namespace) -> Dict[str, Any]:
    """Interleaved timing of the variants at the current thread count."""
    names = list(variants)
    n = args.warmup + args.iters
    timings = {name: dict(det=([], []), e2e=([], [])) for name in names}
    first_frame = {}
    for i in range(n):
        # forward, then backward order: alternation cancels order effects
        order = names if i % 2 == 0 else names[::-1]
        for kind, fn in (('det', detect_frame), ('e2e', track_frame)):
            for name in order:
                sec, count = time_call(fn, variants[name],
                                       batches[name][i], args.device)
                if i == 0 and kind == 'det':
                    first_frame[name] = sec
                if i >= args.warmup:
                    timings[name][kind][0].append(sec)
                    timings[name][kind][1].append(count)
        print(f'  frame {i + 1}/{n} done', file=sys.stderr, flush=True)
    out: Dict[str, Any] = dict(variants={}, ratio_over_baseline={})
    for name in names:
        out['variants'][name] = dict(
            first_frame_s=first_frame[name],
            detector=_summary(*timings[name]['det']),
            end_to_end=_summary(*timings[name]['e2e']))
    base = names[0]
    for name in names:
        ratio = {}
        for key, kind in (('detector', 'det'), ('end_to_end', 'e2e')):
            ratio[key] = (out['variants'][name][key]['fps'] /
                          out['variants'][base][key]['fps'])
            # the variants of one frame ran back to back: the median of
            # the per-frame ratios is robust to load changing in the run
            ratio[f'{key}_paired_median'] = float(
                np.median(
                    np.asarray(timings[base][kind][0]) /
                    np.asarray(timings[name][kind][0])))
        out['ratio_over_baseline'][name] = ratio
    return out


def _variant_names(args: argparse.Namespace) -> List[Tuple[str, int, str]]:
    """(name, config index, backend) of every variant, baseline first."""
    labels = [chr(ord('A') + i) for i in range(len(args.configs))]
    out = []
    for i, label in enumerate(labels):
        for backend in args.backend:
            name = label if len(args.backend) == 1 else \
                f'{label}:{backend}'
            out.append((name, i, backend))
    return out


def _write(results: Dict[str, Any], path: Optional[str]) -> None:
    """Write the results so far (atomically: temp file, then rename)."""
    if not path:
        return
    with atomic_open(path) as f:
        json.dump(results, f, indent=2)


def export_graphs(model: torch.nn.Module, cfg: Config,
                  frames: List[np.ndarray], prefix: str,
                  args: argparse.Namespace,
                  record: Dict[str, Any]) -> Dict[str, str]:
    """The FP32 graph of a random model and, if asked, its INT8 graph.

    Returns:
        dict: ``{'onnxruntime': FP32 file, 'onnxruntime-int8': INT8 file}``
        (the second only with that backend); times and the calibration
        source are added to ``record``.
    """
    from mmmtl.deploy import export_detector_onnx, quantize_detector_onnx
    files = dict(onnxruntime=f'{prefix}.onnx')
    tic = time.perf_counter()
    export_detector_onnx(model.detector, files['onnxruntime'], args.shape)
    record['export_s'] = time.perf_counter() - tic
    if 'onnxruntime-int8' not in args.backend:
        return files
    model.cfg = cfg  # the test pipeline prepares the calibration frames
    if args.calib:
        arrays, source = calibration_inputs(model, args.calib,
                                            args.calib_frames)
    else:
        step = max(len(frames) // args.calib_frames, 1)
        arrays = [
            network_input(model, f).numpy()
            for f in frames[::step][:args.calib_frames]
        ]
        source = (f'{len(arrays)} frames of the benchmark\'s synthetic video '
                  '(speed does not depend on the calibration)')
    files['onnxruntime-int8'] = f'{prefix}_int8.onnx'
    tic = time.perf_counter()
    meta = quantize_detector_onnx(
        files['onnxruntime'], files['onnxruntime-int8'], arrays,
        calib_source=source, **int8_calibration_kwargs(args))
    record['quantize_s'] = time.perf_counter() - tic
    record['quantization'] = meta['quantization']
    return files


def run(args: argparse.Namespace) -> Dict[str, Any]:
    """Measure every variant at every thread count.

    With ``--out``, the file is rewritten after each thread count, so a
    long run that is stopped keeps the counts it finished.
    """
    height, width = args.shape
    n = args.warmup + args.iters
    frames, _ = generate_sequence(
        n, (width, height), seed=args.seed, num_targets=args.num_targets)
    results: Dict[str, Any] = dict(
        device=args.device,
        device_name=(torch.cuda.get_device_name() if
                     args.device.startswith('cuda') else platform.processor()
                     or platform.machine()),
        torch_version=torch.__version__,
        shape=[height, width],
        warmup=args.warmup,
        iters=args.iters,
        max_boxes=args.max_boxes,
        nms_pre=args.nms_pre,
        weights='random initialisation (init_weights), the same for '
        'every backend of a config',
        fuse_conv_bn=bool(args.fuse_conv_bn),
        input='synthetic video, mmmtl.datasets.generate_sequence('
        f'seed={args.seed}, num_targets={args.num_targets})',
        configs={},
        runs=[])
    onnx_backends = [b for b in args.backend if b.startswith('onnxruntime')]
    if onnx_backends:
        try:
            import onnxruntime
        except ImportError as err:
            raise ImportError(
                '--backend onnxruntime needs onnxruntime: pip install '
                '"mmmtl[deploy]"') from err
        results['onnxruntime_version'] = onnxruntime.__version__
    results['cpu_flags'] = cpu_flags()
    specs = _variant_names(args)
    with tempfile.TemporaryDirectory(prefix='mmmtl_fps_') as tmp:
        cfgs, ckpts, onnx_files = [], [], []
        for i, config in enumerate(args.configs):
            cfg = benchmark_cfg(config, args)
            ckpt = osp.join(tmp, f'{i}.pth')
            model = random_checkpoint(cfg, ckpt, args.seed)
            files = {}
            if onnx_backends:
                files = export_graphs(model, cfg, frames, osp.join(
                    tmp, str(i)), args, results['configs'].setdefault(
                        config, {}))
            params = sum(p.numel() for p in model.detector.parameters())
            results['configs'].setdefault(config, {})['params_m'] = \
                params / 1e6
            del model
            cfgs.append(cfg)
            ckpts.append(ckpt)
            onnx_files.append(files)
        for threads in (args.threads or [None]):
            if threads:
                torch.set_num_threads(threads)
            variants, batches = {}, {}
            for name, i, backend in specs:
                variants[name] = build_variant(
                    cfgs[i], backend, ckpts[i], onnx_files[i].get(backend),
                    args, threads)
                # the pipeline is the config's, whatever the backend
                batches[name] = [
                    prepare_frame(variants[name], f, j, len(frames))
                    for j, f in enumerate(frames)
                ]
            run_result = measure(variants, batches, args)
            run_result['threads'] = torch.get_num_threads()
            for name, i, backend in specs:
                run_result['variants'][name].update(
                    config=args.configs[i], backend=backend)
            results['runs'].append(run_result)
            # what is written so far follows the same INT8 rule
            snapshot = copy.deepcopy(results)
            attach_int8_accuracy(snapshot, args)
            _write(snapshot, args.out)
            del variants, batches
    return results


def attach_int8_accuracy(results: Dict[str, Any],
                         args: argparse.Namespace) -> None:
    """Put the INT8 accuracy record beside the INT8 ratios, or withhold
    the ratios (removed from ``results``) when there is no valid record."""
    if 'onnxruntime-int8' not in args.backend:
        return
    try:
        record = args.int8_record or read_int8_accuracy(args)
    except ValueError as err:
        results['int8_withheld'] = str(err)
        for run_result in results['runs']:
            for name in [n for n, r in run_result['variants'].items()
                         if r['backend'] == 'onnxruntime-int8']:
                del run_result['variants'][name]
                del run_result['ratio_over_baseline'][name]
        return
    results['int8_accuracy'] = record


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    quiet_third_party_warnings()
    args = parse_args(argv)
    results = run(args)
    attach_int8_accuracy(results, args)
    print(f"input {args.shape[0]}x{args.shape[1]} on {results['device']}, "
          f'random weights, {args.warmup} warm-up + {args.iters} frames, '
          'interleaved'
          + (', BatchNorm fused into convs' if args.fuse_conv_bn else ''))
    flags = ' '.join(results['cpu_flags']) or 'none of ' + ' '.join(
        ISA_FLAGS)
    print(f'CPU {results["device_name"]}; instruction sets: {flags}')
    acc = results.get('int8_accuracy')
    if 'int8_withheld' in results:
        print(f"INT8 ratios withheld: {results['int8_withheld']}")
    if acc:
        d = acc['deltas']
        print(f"INT8 accuracy ({acc['file']}, {acc['config']}): HOTA "
              f"{d['HOTA']:+.2f}, IDF1 {d['IDF1']:+.2f}, IDSW "
              f"{d['IDSW_rel']:+.1%} against FP32 onnxruntime: "
              + ('within tolerance' if acc['passed'] else
                 f"OUTSIDE tolerance ({', '.join(acc['failed'])})"))
    for run_result in results['runs']:
        print(f"{run_result['threads']} thread(s)")
        print(f"  {'variant':22s}{'det FPS':>9s}{'e2e FPS':>9s}"
              f"{'det x':>8s}{'e2e x':>8s}{'boxes':>7s}{'tracks':>7s}"
              f"{'1st(s)':>8s}  config")
        for name, r in run_result['variants'].items():
            ratio = run_result['ratio_over_baseline'][name]
            print(f"  {name:22s}{r['detector']['fps']:9.3f}"
                  f"{r['end_to_end']['fps']:9.3f}"
                  f"{ratio['detector']:8.3f}{ratio['end_to_end']:8.3f}"
                  f"{r['detector']['boxes_mean']:7.1f}"
                  f"{r['end_to_end']['boxes_mean']:7.1f}"
                  f"{r['first_frame_s']:8.1f}  {r['config']}"
                  + (f"  [{' '.join(results['cpu_flags'])}]"
                     if r['backend'] == 'onnxruntime-int8' else ''))
    if args.out:
        _write(results, args.out)
        print(f'written {args.out}')
    return results


if __name__ == '__main__':
    main()
