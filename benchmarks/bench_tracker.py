"""Per-frame time of JDETracker against mmdet's ByteTracker on this CPU.

A synthetic scene of K live targets in a 1920x1080 frame (constant
velocity plus jitter, about 2% of the targets replaced by new ones each
frame, 128-d embeddings with noise, scores in [0.75, 1]) is fed to
``JDETracker`` (presets ``'fairmot'``, ``'robust'`` and ``'adaptive'``)
and to mmdet's
``ByteTracker`` (the config of mmdet's ByteTrack MOT17 model) frame by
frame, taking turns so that all see the same load. The median update time
per frame after a warm-up is reported for K = 10, 50, 200 and 500, with
the ratios JDETracker / ByteTracker, both as CPU time of the (single)
thread, which other jobs on a shared machine do not inflate, and as wall
time.

Second, the association is put beside the detector: the median time of
``predict`` on one 608x1088 image of the R50-FPN detector of
``configs/_base_/models/retinanet-reid_r50_fpn.py`` (random weights), or
of mmdet's RetinaNet R50-FPN with a RetinaHead when that file is absent,
and the share of the tracker in ``detector + tracker`` CPU time.

Results go to ``benchmarks/results/tracker_cpu.json``.

Run::

    .venv/bin/python benchmarks/bench_tracker.py [--frames 60]
"""
# ruff: noqa: E402  (the imports follow the thread settings on purpose)
import os

# One BLAS thread, set before NumPy loads: with other jobs on the cores,
# OpenBLAS threads that spin-wait for each other dominate the small matrix
# products of a tracker. Override by exporting the variables.
for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse
import json
import os.path as osp
import platform
import statistics
import time

import mmdet
import numpy as np
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from peer_trackers import MMDET_BYTE

import mmmtl  # noqa: F401  (registers the components)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DETECTOR_CONFIG = osp.join(ROOT, 'configs', '_base_', 'models',
                           'retinanet-reid_r50_fpn.py')
JDE_TRACKER = dict(type='JDETracker')  # preset 'fairmot'
JDE_ROBUST = dict(type='JDETracker', preset='robust')
JDE_ADAPTIVE = dict(type='JDETracker', preset='adaptive')  # the default


def make_scene(num_targets: int, num_frames: int, emb_dim: int = 128,
               seed: int = 0) -> list:
    """Frames of a synthetic scene as DetDataSamples (see module doc)."""
    rng = np.random.default_rng(seed)
    width, height = 1920., 1080.

    def spawn(n):
        h = rng.uniform(60, 200, n)
        return dict(
            c=np.c_[rng.uniform(0, width, n), rng.uniform(0, height, n)],
            v=rng.normal(0, 4, (n, 2)),
            wh=np.c_[0.4 * h, h],
            e=rng.normal(size=(n, emb_dim)))

    state = spawn(num_targets)
    frames = []
    for f in range(num_frames):
        replace = rng.random(num_targets) < 0.02
        if replace.any():
            new = spawn(int(replace.sum()))
            for k in state:
                state[k][replace] = new[k]
        state['c'] = state['c'] + state['v']
        c = state['c'] + rng.normal(0, 1.5, (num_targets, 2))
        boxes = np.c_[c - state['wh'] / 2, c + state['wh'] / 2]
        sample = DetDataSample(metainfo=dict(frame_id=f))
        sample.pred_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            scores=torch.tensor(
                rng.uniform(0.75, 1., num_targets), dtype=torch.float32),
            labels=torch.zeros(num_targets, dtype=torch.long),
            embeds=torch.tensor(
                state['e'] + rng.normal(0, 0.3, state['e'].shape),
                dtype=torch.float32))
        frames.append(sample)
    return frames


def _clocks() -> tuple:
    """(wall, CPU time of this thread) in seconds."""
    return time.perf_counter(), time.thread_time()


def time_trackers(num_targets: int, num_frames: int, warmup: int) -> dict:
    """Median per-frame update time of both trackers on one scene."""
    frames = make_scene(num_targets, num_frames)
    trackers = dict(
        jde=MODELS.build(JDE_TRACKER),
        jde_robust=MODELS.build(JDE_ROBUST),
        jde_adaptive=MODELS.build(JDE_ADAPTIVE),
        byte=MODELS.build(MMDET_BYTE))
    wall = {k: [] for k in trackers}
    cpu = {k: [] for k in trackers}
    outputs = {k: [] for k in trackers}
    for i, frame in enumerate(frames):
        for name, tracker in trackers.items():
            wall0, cpu0 = _clocks()
            res = tracker.track(data_sample=frame)
            wall1, cpu1 = _clocks()
            if i >= warmup:
                wall[name].append(wall1 - wall0)
                cpu[name].append(cpu1 - cpu0)
                outputs[name].append(len(res))

    def ms(values):
        return round(statistics.median(values) * 1e3, 3)

    row = dict(live_targets=num_targets)
    for clock, values in (('cpu', cpu), ('wall', wall)):
        row[f'jde_{clock}_ms'] = ms(values['jde'])
        row[f'jde_robust_{clock}_ms'] = ms(values['jde_robust'])
        row[f'bytetrack_{clock}_ms'] = ms(values['byte'])
        row[f'ratio_{clock}'] = round(
            statistics.median(values['jde']) /
            statistics.median(values['byte']), 3)
        row[f'ratio_robust_{clock}'] = round(
            statistics.median(values['jde_robust']) /
            statistics.median(values['byte']), 3)
        row[f'jde_adaptive_{clock}_ms'] = ms(values['jde_adaptive'])
        row[f'ratio_adaptive_{clock}'] = round(
            statistics.median(values['jde_adaptive']) /
            statistics.median(values['byte']), 3)
    row['mean_output_tracks_jde'] = round(float(np.mean(outputs['jde'])), 1)
    row['mean_output_tracks_jde_robust'] = round(
        float(np.mean(outputs['jde_robust'])), 1)
    row['mean_output_tracks_jde_adaptive'] = round(
        float(np.mean(outputs['jde_adaptive'])), 1)
    row['mean_output_tracks_bytetrack'] = round(
        float(np.mean(outputs['byte'])), 1)
    return row


def build_detector() -> tuple:
    """The full R50-FPN detector and a description of where it came from."""
    rel = osp.relpath(DETECTOR_CONFIG, ROOT)
    if osp.exists(DETECTOR_CONFIG):
        cfg = Config.fromfile(DETECTOR_CONFIG)
        # the base defines ``detector``; a full model config ``model``
        model = cfg.get('detector', None)
        if model is None:
            model = cfg.model
            if model.get('type') == 'OneShotMOT':
                model = model.detector
        source = f'{rel} ({model.type} + {model.bbox_head.type})'
    else:
        cfg = Config.fromfile(
            osp.join(
                osp.dirname(mmdet.__file__), '.mim', 'configs', '_base_',
                'models', 'retinanet_r50_fpn.py'))
        model = cfg.model
        model.bbox_head.num_classes = 1
        source = ('mmdet::_base_/models/retinanet_r50_fpn.py (RetinaNet '
                  f'R50-FPN + RetinaHead, num_classes=1); {rel} does not '
                  'exist')
    # random weights: the timing does not depend on them
    model.pop('init_cfg', None)
    model.backbone.pop('init_cfg', None)
    model.pop('data_preprocessor', None)
    return MODELS.build(model).eval(), source


def time_detector(repeats: int) -> tuple:
    """Median predict time (CPU, wall; ms) on one 608x1088 image."""
    detector, source = build_detector()
    inputs = torch.randn(1, 3, 608, 1088)
    sample = DetDataSample(
        metainfo=dict(
            img_shape=(608, 1088),
            ori_shape=(608, 1088),
            pad_shape=(608, 1088),
            batch_input_shape=(608, 1088),
            scale_factor=(1., 1.)))
    wall, cpu = [], []
    with torch.no_grad():
        for i in range(repeats + 1):
            wall0, cpu0 = _clocks()
            detector.predict(inputs, [sample.clone()], rescale=True)
            wall1, cpu1 = _clocks()
            if i:  # the first call warms up
                wall.append(wall1 - wall0)
                cpu.append(cpu1 - cpu0)
    return (statistics.median(cpu) * 1e3, statistics.median(wall) * 1e3,
            source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=60)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--detector-repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument(
        '--out',
        default=osp.join(ROOT, 'benchmarks', 'results', 'tracker_cpu.json'))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmdet')
    # other jobs on the machine slow both trackers alike (they alternate),
    # but shift the absolute times; the load is recorded with them
    load_before = os.getloadavg()

    rows = []
    for k in (10, 50, 200, 500):
        rows.append(time_trackers(k, args.frames, args.warmup))
        print(rows[-1], flush=True)
    det_cpu, det_wall, source = time_detector(args.detector_repeats)
    print(f'detector predict: {det_cpu:.1f} ms CPU, {det_wall:.1f} ms wall '
          f'({source})', flush=True)
    share = {
        str(r['live_targets']):
        round(r['jde_cpu_ms'] / (r['jde_cpu_ms'] + det_cpu), 5)
        for r in rows
    }
    result = dict(
        description=__doc__.split('\n\n')[0],
        cpu=platform.processor() or platform.machine(),
        cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        load_average_1min_before_after=[
            round(load_before[0], 2),
            round(os.getloadavg()[0], 2)
        ],
        numpy=np.__version__,
        torch=torch.__version__,
        frames=args.frames,
        warmup=args.warmup,
        trackers=rows,
        detector=dict(
            source=source,
            input='1x3x608x1088',
            predict_cpu_ms=round(det_cpu, 1),
            predict_wall_ms=round(det_wall, 1),
            repeats=args.detector_repeats),
        association_share_of_frame_cpu_time=share)
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
