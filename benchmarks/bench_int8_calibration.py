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
from typing import Dict, List, Optional

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
    parser = int8_parser(__doc__)
    parser.add_argument('--calib-frames', type=bounded_int(1, 10000),
                        nargs='+', default=[32],
                        help='calibration frame counts, one draw each')
    parser.add_argument('--candidates', nargs='+', choices=list(CANDIDATES),
                        default=list(CANDIDATES))
    parser.add_argument('--metrics', action='store_true',
                        help='also the test metrics and the verdict of '
                        'every graph')
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
    with tempfile.TemporaryDirectory(prefix='mmmtl_int8_') as tmp:
        base = fp32_reference(args, tmp)
        cfg, model, fp32 = base['cfg'], base['model'], base['fp32']
        results = dict(
            base['record'],
            candidates={k: CANDIDATES[k] for k in args.candidates},
            rows={})
        if args.metrics:
            results['fp32'] = test_metrics(cfg, fp32, osp.join(tmp, 'fp32'))
            print('fp32', results['fp32'], flush=True)
        for frames in args.calib_frames:
            arrays, source = calibration_inputs(model, args.calib, frames)
            results.setdefault('calib_sources', {})[frames] = source
            for name in args.candidates:
                row = measure_int8(
                    base, osp.join(tmp, f'{name}_{frames}.onnx'), arrays,
                    source, results.get('fp32'), osp.join(tmp, 'int8'),
                    **CANDIDATES[name])
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
