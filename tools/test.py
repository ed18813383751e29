"""Test a MOT model: ``python tools/test.py CONFIG CHECKPOINT [options]``.

The tracking test loop of MMDetection's ``tools/test_tracking.py`` (runner,
metrics and visualisation hooks from the config) with mmmtl imported first
and the checkpoint loaded strictly: a checkpoint whose weights do not fit
the model is an error naming the first mismatched keys, and so is running
without a checkpoint. The checkpoint may be given positionally, as ``mim
test mmmtl CONFIG --checkpoint CKPT`` passes it, or with ``--checkpoint``;
it may be a local path, a URL or a model-zoo name, all loaded with
``weights_only=True`` (docs/get_started.md, "Security").
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

from mmdet.utils import register_all_modules
from mmengine.config import Config

import mmmtl  # noqa: F401  (registers mmmtl's components and loaders)
from mmmtl.apis import add_model_args, build_test_runner, parse_model_args
from mmmtl.deploy import ONNXModelError
from mmmtl.engine.hooks.nonfinite_check_hook import NonFiniteOutputError
from mmmtl.utils import (
    NonFiniteWeightsError,
    OutputClashError,
    add_cfg_options,
    init_cpu_dist_if_needed,
    nonnegative_int,
    quiet_third_party_warnings,
    tool_parser,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'Test (and evaluate) a MOT model')
    parser.add_argument('config', help='test config file path')
    add_model_args(parser, checkpoint='either')
    parser.add_argument(
        '--verbose', action='store_true',
        help='log the whole config at start (it is saved in the work dir '
        'in any case)')
    parser.add_argument(
        '--save-detections', metavar='DIR',
        help='also write what the network gave each frame (boxes, scores, '
        'labels, embeddings) as one DIR/<SEQ>.npz per sequence, for '
        'tools/analysis_tools/replay_tracker.py and tune_tracker.py')
    parser.add_argument(
        '--cache-embed-dtype', choices=('float32', 'float16'),
        default='float32',
        help='embedding precision in the detection cache (float32: a '
        'replay gives exactly this run\'s numbers)')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    add_cfg_options(parser)
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument(
        '--local-rank', '--local_rank', type=nonnegative_int, default=0)
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config {args.config} not found')
    args.model_source = parse_model_args(parser, args)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv: Optional[List[str]] = None) -> None:
    quiet_third_party_warnings()
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if init_cpu_dist_if_needed(['--launcher', args.launcher]):
        # DDP over CPU modules takes no device_ids
        cfg.merge_from_dict({
            'model_wrapper_cfg.device_ids': None,
            'model_wrapper_cfg.type': 'MMDistributedDataParallel'
        })
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    runner = build_test_runner(
        cfg,
        **args.model_source,
        verbose=args.verbose,
        save_detections=args.save_detections,
        cache_embed_dtype=args.cache_embed_dtype)
    try:
        runner.test()
    except (OutputClashError, NonFiniteWeightsError,
            NonFiniteOutputError, ONNXModelError) as e:
        # an output onto an input, NaN weights or outputs: one line
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    sys.exit(main())
