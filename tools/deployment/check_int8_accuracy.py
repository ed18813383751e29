r"""Tracking accuracy of an INT8 graph against its FP32 graph (and eager).

Runs the config's test set and metrics (the loop of ``tools/test.py
CONFIG --backend onnxruntime --onnx FILE``) once on the FP32 graph, once on
the INT8 graph and, with ``--checkpoint``, once in eager PyTorch, and
writes a JSON record: each run's metrics, the graphs' SHA-256 and
quantisation metadata, and the verdict against the tolerances (HOTA and
IDF1 within 1 point of FP32, identity switches within 5 %).
``tools/analysis_tools/benchmark_fps.py --backend onnxruntime-int8`` reads
this record and reports an INT8 speed ratio only beside it.

Example::

    python tools/deployment/check_int8_accuracy.py CONFIG \
        --fp32 model.onnx --int8 model_int8.onnx --checkpoint CKPT \
        --out benchmarks/results/int8_accuracy.json

Exit status: 0 when the INT8 graph is within the tolerances, 3 when it is
not, 2 for a bad argument, 1 for any other error.
"""
import argparse
import hashlib
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

from mmdet.utils import register_all_modules
from mmengine.config import Config

from mmmtl.apis import add_model_args, build_test_runner
from mmmtl.deploy import (
    INT8_TOLERANCES,
    ONNXModelError,
    int8_accuracy_verdict,
    read_onnx_metadata,
)
from mmmtl.utils import (
    OutputClashError,
    add_cfg_options,
    atomic_open,
    check_outputs,
    load_config,
    nonnegative_float,
    quiet_third_party_warnings,
    tool_parser,
)

PROG = 'check_int8_accuracy.py'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse and check the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        argparse.Namespace: The arguments.
    """
    parser = tool_parser(
        __doc__, 'HOTA, IDF1 and identity switches of an INT8 graph against '
        'its FP32 graph on the config\'s test set', prog=PROG)
    parser.add_argument('config', help='test config file')
    parser.add_argument('--fp32', required=True, help='FP32 .onnx graph')
    parser.add_argument('--int8', required=True, help='INT8 .onnx graph')
    # --checkpoint: also test the eager PyTorch model (reference row)
    add_model_args(parser, backends=None, relax=False)
    parser.add_argument('--out', required=True, help='JSON record to write')
    parser.add_argument(
        '--work-dir', help='runner work dir (default: beside --out)')
    parser.add_argument(
        '--hota-tol', type=nonnegative_float,
        default=INT8_TOLERANCES['HOTA'], help='HOTA points (default 1)')
    parser.add_argument(
        '--idf1-tol', type=nonnegative_float,
        default=INT8_TOLERANCES['IDF1'], help='IDF1 points (default 1)')
    parser.add_argument(
        '--idsw-tol', type=nonnegative_float,
        default=INT8_TOLERANCES['IDSW_rel'],
        help='relative change of identity switches (default 0.05)')
    add_cfg_options(parser, 'override config keys')
    args = parser.parse_args(argv)
    inputs = [args.config, args.fp32, args.int8] + (
        [args.checkpoint] if args.checkpoint else [])
    for path in inputs:
        if not osp.isfile(path):
            parser.error(f'no such file: {path}')
    try:  # by any path, link or hard link
        check_outputs([args.out], inputs)
    except OutputClashError as err:
        parser.error(f'--out: {err}')
    return args


def sha256(path: str) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _short(metrics: Dict) -> Dict[str, float]:
    """Metric names without the evaluator prefix; ``IDS`` as ``IDSW``."""
    out = {}
    for key, value in metrics.items():
        name = key.rsplit('/', 1)[-1]
        out['IDSW' if name == 'IDS' else name] = float(value)
    return out


def run_test(cfg: Config, work_dir: str, **kwargs) -> Dict[str, float]:
    """The config's test loop and metrics on one backend."""
    cfg = cfg.copy()
    cfg.work_dir = work_dir
    return _short(build_test_runner(cfg, **kwargs).test())


def main(argv: Optional[List[str]] = None) -> int:
    """Run the check.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        int: 0 within tolerance, 3 outside, 1 on an error.
    """
    quiet_third_party_warnings()
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options)
    work_dir = args.work_dir or osp.join(
        osp.dirname(osp.abspath(args.out)), 'int8_accuracy_work')
    try:
        quant = read_onnx_metadata(args.int8).get('quantization')
        if not quant:
            raise ValueError(f'{args.int8}: not a quantised graph (its '
                             'metadata has no quantization entry)')
        if read_onnx_metadata(args.fp32).get('quantization'):
            raise ValueError(f'{args.fp32}: a quantised graph, expected the '
                             'FP32 one')
        runs = dict(
            fp32=run_test(cfg, osp.join(work_dir, 'fp32'),
                          onnx_file=args.fp32),
            int8=run_test(cfg, osp.join(work_dir, 'int8'),
                          onnx_file=args.int8))
        if args.checkpoint:
            runs['eager'] = run_test(cfg, osp.join(work_dir, 'eager'),
                                     checkpoint=args.checkpoint)
    except (ONNXModelError, FileNotFoundError, KeyError, ValueError) as err:
        print(f'{PROG}: error: {err}', file=sys.stderr)
        return 1
    verdict = int8_accuracy_verdict(
        runs['fp32'], runs['int8'],
        dict(HOTA=args.hota_tol, IDF1=args.idf1_tol,
             IDSW_rel=args.idsw_tol))
    record = dict(
        config=args.config,
        command=' '.join(['python', 'tools/deployment/' + PROG] +
                         (argv if argv is not None else sys.argv[1:])),
        fp32=dict(file=args.fp32, sha256=sha256(args.fp32)),
        int8=dict(file=args.int8, sha256=sha256(args.int8),
                  quantization=quant),
        metrics=runs,
        verdict=verdict)
    with atomic_open(args.out) as f:  # renamed into place when complete
        json.dump(record, f, indent=2)
    print(f"{'run':6s}{'HOTA':>8s}{'IDF1':>8s}{'MOTA':>8s}{'IDSW':>7s}")
    for name, m in runs.items():
        print(f"{name:6s}{m['HOTA']:8.2f}{m['IDF1']:8.2f}"
              f"{m.get('MOTA', float('nan')):8.2f}{m['IDSW']:7.0f}")
    d = verdict['deltas']
    print(f"INT8 - FP32: HOTA {d['HOTA']:+.2f}, IDF1 {d['IDF1']:+.2f}, "
          f"IDSW {d['IDSW_rel']:+.1%}: "
          + ('within tolerance' if verdict['passed'] else
             f"OUTSIDE tolerance ({', '.join(verdict['failed'])})"))
    print(f'written {args.out}')
    return 0 if verdict['passed'] else 3


if __name__ == '__main__':
    sys.exit(main())
