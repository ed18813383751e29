"""How an INT8 graph's activation ranges are calibrated, by measurement.

For a trained model: export the FP32 graph once, then quantise it
(:func:`mmmtl.deploy.quantize_detector_onnx`, the settings of
``tools/deployment/export_onnx.py --quantize int8``) once per candidate
setting (calibration method, percentile, moving average, nodes kept in
float) and per number of calibration frames (each count draws another set
of frames of ``--calib``, evenly spaced), and measure for each

- the network's error against FP32 onnxruntime on ``--frames`` frames of
  the test split (relative L2 error per output kind; the lowest cosine
  similarity of the embedding maps), and
- with ``--metrics``, the config's test metrics (HOTA, IDF1, MOTA,
  identity switches) on its test set and the verdict of
  :func:`mmmtl.deploy.int8_accuracy_verdict` against the FP32 graph's
  metrics of the same run.

Several frame counts show how much a verdict depends on the calibration
frames drawn rather than on the setting. The candidates:
:data:`CANDIDATES`.

Example (the quickstart model)::

    python benchmarks/bench_int8_calibration.py \\
        outputs/quickstart/quickstart_config.py \\
        outputs/quickstart/work_dir/iter_2400.pth \\
        --calib outputs/quickstart/data/synthmot-train/train \\
        --calib-frames 24 32 48 64 --metrics \\
        --out benchmarks/results/int8_calibration.json
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional

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

NECK = '/detector/neck/*'
OUT_CONVS = ['cls_score', 'bbox_pred', 'reid_feat']
#: Candidate settings: keyword arguments of ``quantize_detector_onnx``.
CANDIDATES = {
    'minmax': dict(calib_method='minmax'),
    'minmax-ma': dict(calib_method='minmax', calib_moving_average=True),
    'entropy': dict(calib_method='entropy'),
    'pct99.99': dict(calib_method='percentile', calib_percentile=99.99),
    'pct99.999': dict(calib_method='percentile', calib_percentile=99.999),
    'pct99.9999': dict(calib_method='percentile', calib_percentile=99.9999),
    'pct99.999+neck': dict(calib_method='percentile',
                           calib_percentile=99.999, keep_float_nodes=[NECK]),
    'pct99.999+out': dict(calib_method='percentile',
                          calib_percentile=99.999, keep_float=OUT_CONVS),
    'minmax-ma+neck': dict(calib_method='minmax', calib_moving_average=True,
                           keep_float_nodes=[NECK]),
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
                        nargs='+', default=[32],
                        help='calibration frame counts, one draw each')
    parser.add_argument('--frames', type=bounded_int(1, 10000), default=30,
                        help='test-split frames for the output errors')
    parser.add_argument('--candidates', nargs='+', choices=list(CANDIDATES),
                        default=list(CANDIDATES))
    parser.add_argument('--metrics', action='store_true',
                        help='also the test metrics and the verdict of '
                        'every graph')
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    parse_model_args(parser, args)
    return args


def summary(rows: Dict[str, Dict]) -> Dict:
    """Per candidate: mean output errors, and with metrics the passes and
    the range of each delta over the calibration draws."""
    out = {}
    for name in dict.fromkeys(k.rsplit('@', 1)[0] for k in rows):
        mine = [r for k, r in rows.items() if k.rsplit('@', 1)[0] == name]
        row = {
            k: statistics.fmean(r[k] for r in mine)
            for k in mine[0] if k.endswith('_rel_l2')
        }
        row['reid_feat_cos_min'] = min(r['reid_feat_cos_min'] for r in mine)
        verdicts = [r['verdict'] for r in mine if 'verdict' in r]
        if verdicts:
            row['passed'] = f'{sum(v["passed"] for v in verdicts)}/' \
                            f'{len(verdicts)}'
            for key in ('HOTA', 'IDF1', 'IDSW_rel'):
                values = [v['deltas'][key] for v in verdicts]
                row[f'{key}_delta'] = dict(
                    mean=statistics.fmean(values), min=min(values),
                    max=max(values))
        out[name] = row
    return out


def _write(results: Dict, path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(results, f, indent=2)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    model = init_mot_model(cfg, args.checkpoint, device='cpu')
    results = dict(config=args.config, checkpoint=args.checkpoint,
                   calib=args.calib, calib_frames=args.calib_frames,
                   error_frames=args.frames, test_split=test_split(cfg),
                   torch_threads=torch.get_num_threads(),
                   candidates={k: CANDIDATES[k] for k in args.candidates},
                   rows={})
    with tempfile.TemporaryDirectory(prefix='mmmtl_int8_') as tmp:
        fp32 = osp.join(tmp, 'fp32.onnx')
        # a dynamic graph: the traced size does not bind the test size
        export_detector_onnx(model.detector, fp32, shape=(192, 320))
        inputs = test_inputs(model, cfg, args.frames)
        ref = ort_detector(cfg, fp32)
        if args.metrics:
            results['fp32'] = test_metrics(cfg, fp32, osp.join(tmp, 'fp32'))
            print('fp32', results['fp32'], flush=True)
        for frames in args.calib_frames:
            arrays, source = calibration_inputs(model, args.calib, frames)
            results.setdefault('calib_sources', {})[frames] = source
            for name in args.candidates:
                int8 = osp.join(tmp, f'{name}_{frames}.onnx')
                tic = time.perf_counter()
                quantize_detector_onnx(fp32, int8, arrays,
                                       calib_source=source,
                                       **CANDIDATES[name])
                row = dict(quantize_s=time.perf_counter() - tic)
                row.update(output_errors(ref, ort_detector(cfg, int8),
                                         inputs))
                if args.metrics:
                    row['metrics'] = test_metrics(cfg, int8,
                                                  osp.join(tmp, 'int8'))
                    row['verdict'] = int8_accuracy_verdict(
                        results['fp32'], row['metrics'])
                results['rows'][f'{name}@{frames}'] = row
                print(f'{name}@{frames}', row, flush=True)
                results['summary'] = summary(results['rows'])
                _write(results, args.out)
    print_table(results)
    return results


def print_table(results: Dict) -> None:
    """One line per candidate: mean errors, passes, delta ranges."""
    print(f"{'candidate':16s}{'cls':>7s}{'reg':>7s}{'reid':>7s}"
          f"{'cos min':>8s}{'passed':>8s}  HOTA, IDF1 deltas (min..max), "
          'IDSW (min..max)')
    for name, r in results['summary'].items():
        line = (f"{name:16s}{r['cls_score_rel_l2']:7.2%}"
                f"{r['bbox_pred_rel_l2']:7.2%}{r['reid_feat_rel_l2']:7.2%}"
                f"{r['reid_feat_cos_min']:8.4f}")
        if 'passed' in r:
            h, i, s = (r['HOTA_delta'], r['IDF1_delta'],
                       r['IDSW_rel_delta'])
            line += (f"{r['passed']:>8s}  {h['min']:+.2f}..{h['max']:+.2f}, "
                     f"{i['min']:+.2f}..{i['max']:+.2f}, "
                     f"{s['min']:+.1%}..{s['max']:+.1%}")
        print(line)


if __name__ == '__main__':
    sys.exit(main() and 0)
