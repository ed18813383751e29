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
from int8_measures import (
    fp32_reference,
    int8_parser,
    measure_int8,
    test_metrics,
)

from mmmtl.apis import (
    calibration_inputs,
    parse_model_args,
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
    parser = int8_parser(__doc__)
    parser.add_argument('--calib-frames', type=bounded_int(1, 10000),
                        default=32)
    parser.add_argument('--choices', nargs='+', choices=list(CHOICES),
                        default=list(CHOICES))
    parser.add_argument(
        '--metrics-for', nargs='*', choices=list(CHOICES), default=None,
        help='choices whose test metrics are measured (default: all; the '
        'output errors are measured for every choice)')
    args = parser.parse_args(argv)
    parse_model_args(parser, args)
    return args


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='mmmtl_int8_') as tmp:
        base = fp32_reference(args, tmp)
        cfg, model, fp32 = base['cfg'], base['model'], base['fp32']
        results = dict(base['record'], choices={})
        arrays, source = calibration_inputs(model, args.calib,
                                            args.calib_frames)
        results['calib_source'] = source
        metrics_for = (args.choices
                       if args.metrics_for is None else args.metrics_for)
        if metrics_for:
            tic = time.perf_counter()
            results['fp32'] = test_metrics(cfg, fp32, osp.join(tmp, 'fp32'))
            results['fp32']['test_s'] = time.perf_counter() - tic
            print('fp32', results['fp32'], flush=True)
        for name in args.choices:
            row = measure_int8(
                base, osp.join(tmp, f'{name}.onnx'), arrays, source,
                results['fp32'] if name in metrics_for else None,
                osp.join(tmp, name), keep_float=CHOICES[name])
            row.pop('quantize_s')
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
