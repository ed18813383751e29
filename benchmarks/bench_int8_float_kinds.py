"""Which convolutions of an INT8 graph to keep in float, by measurement.

For a trained model: export the FP32 graph once, then quantise it
(:func:`mmmtl.deploy.quantize_detector_onnx`, the settings of
``tools/deployment/export_onnx.py --quantize int8``) once per choice of
output kinds kept in float (none; the Re-ID embedding conv; the
classification convs; the box convs; all three), and measure for each

- the network's error against FP32 onnxruntime on ``--frames`` frames of
  the test split (relative L2 error per output kind; the lowest cosine
  similarity of the embedding maps), and
- the config's test metrics (HOTA, IDF1, MOTA, identity switches) on its
  test set, the loop of ``tools/test.py --backend onnxruntime``,

with the FP32 graph's metrics as the reference.

Example (the quickstart model)::

    python benchmarks/bench_int8_float_kinds.py \\
        outputs/quickstart/quickstart_config.py \\
        outputs/quickstart/work_dir/iter_2400.pth \\
        --calib outputs/quickstart/data/synthmot-train/train \\
        --out benchmarks/results/int8_float_kinds.json
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from int8_measures import (
    ort_detector,
    output_errors,
    test_inputs,
    test_metrics,
    test_split,
)
from mmdet.utils import register_all_modules
from mmengine.config import Config

from mmmtl.apis import (
    add_model_args,
    calibration_inputs,
    init_mot_model,
    parse_model_args,
)
from mmmtl.deploy import (
    export_detector_onnx,
    int8_accuracy_verdict,
    quantize_detector_onnx,
)
from mmmtl.utils import bounded_int

CHOICES = {
    'none': [],
    'reid': ['reid_feat'],
    'cls': ['cls_score'],
    'reg': ['bbox_pred'],
    'all-outputs': ['cls_score', 'bbox_pred', 'reid_feat'],
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        argparse.Namespace: The arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    add_model_args(parser, checkpoint='positional', backends=None,
                   relax=False)
    parser.add_argument('--calib', required=True, metavar='DATA_ROOT',
                        help='MOTChallenge folder of calibration frames')
    parser.add_argument('--calib-frames', type=bounded_int(1, 10000),
                        default=32)
    parser.add_argument('--frames', type=bounded_int(1, 10000), default=30,
                        help='test-split frames for the output errors')
    parser.add_argument('--choices', nargs='+', choices=list(CHOICES),
                        default=list(CHOICES))
    parser.add_argument(
        '--metrics-for', nargs='*', choices=list(CHOICES), default=None,
        help='choices whose test metrics are measured (default: all; the '
        'output errors are measured for every choice)')
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    parse_model_args(parser, args)
    return args


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    model = init_mot_model(cfg, args.checkpoint, device="cpu")
    results = dict(config=args.config, checkpoint=args.checkpoint,
                   calib=args.calib, calib_frames=args.calib_frames,
                   error_frames=args.frames, test_split=test_split(cfg),
                   torch_threads=torch.get_num_threads(), choices={})
    with tempfile.TemporaryDirectory(prefix='mmmtl_int8_') as tmp:
        fp32 = osp.join(tmp, 'fp32.onnx')
        # a dynamic graph: the traced size does not bind the test size
        export_detector_onnx(model.detector, fp32, shape=(192, 320))
        arrays, source = calibration_inputs(model, args.calib,
                                            args.calib_frames)
        results['calib_source'] = source
        inputs = test_inputs(model, cfg, args.frames)
        ref = ort_detector(cfg, fp32)
        metrics_for = (args.choices
                       if args.metrics_for is None else args.metrics_for)
        if metrics_for:
            tic = time.perf_counter()
            results['fp32'] = test_metrics(cfg, fp32, osp.join(tmp, 'fp32'))
            results['fp32']['test_s'] = time.perf_counter() - tic
            print('fp32', results['fp32'], flush=True)
        for name in args.choices:
            int8 = osp.join(tmp, f'{name}.onnx')
            meta = quantize_detector_onnx(fp32, int8, arrays,
                                          keep_float=CHOICES[name],
                                          calib_source=source)
            row = output_errors(ref, ort_detector(cfg, int8), inputs)
            row['float_nodes'] = meta['quantization']['float_nodes']
            if name in metrics_for:
                row['metrics'] = test_metrics(cfg, int8,
                                              osp.join(tmp, name))
                row['verdict'] = int8_accuracy_verdict(
                    results['fp32'], row['metrics'])
            results['choices'][name] = row
            print(name, {k: v for k, v in row.items()
                         if k != 'float_nodes'}, flush=True)
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
            with open(args.out, 'w') as f:
                json.dump(results, f, indent=2)
    print(f"{'kept in float':14s}{'cls relL2':>10s}{'reg relL2':>10s}"
          f"{'reid relL2':>11s}{'reid cos':>9s}{'HOTA':>7s}{'IDF1':>7s}"
          f"{'IDSW':>6s}  verdict")
    if 'fp32' in results:
        f32 = results['fp32']
        print(f"{'(FP32)':14s}{'':40s}{f32['HOTA']:7.2f}"
              f"{f32['IDF1']:7.2f}{f32['IDSW']:6.0f}")
    for name, r in results['choices'].items():
        line = (f"{name:14s}{r['cls_score_rel_l2']:10.4f}"
                f"{r['bbox_pred_rel_l2']:10.4f}{r['reid_feat_rel_l2']:11.4f}"
                f"{r['reid_feat_cos_min']:9.4f}")
        if 'metrics' in r:
            m = r['metrics']
            line += (f"{m['HOTA']:7.2f}{m['IDF1']:7.2f}{m['IDSW']:6.0f}  "
                     + ('pass' if r['verdict']['passed'] else
                        'FAIL ' + ','.join(r['verdict']['failed'])))
        print(line)
    return results


if __name__ == '__main__':
    np.set_printoptions(precision=4)
    sys.exit(main() and 0)
