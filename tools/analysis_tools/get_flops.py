r"""Parameters and GFLOPs of the detector of MOT configs (CE paper, Table I).

For each config (a file, or every ``*.py`` in a folder) the model is built
from the config without loading weights; for a MOT model (e.g.
``OneShotMOT``) its ``detector`` is measured, the part the papers count.
FLOPs come from mmengine's ``FlopAnalyzer`` (the counter behind
``get_model_complexity_info``, without its second, activation-counting
trace): multiply-adds of convolutions and linear layers of one forward pass
(backbone, neck, head outputs; no NMS) on a zero image of ``--shape``.
Element-wise operations (sigmoid, softmax, top-k, products) are not
counted, as in mmdet's ``get_flops.py``. Parameters are given with and
without the Re-ID identity classifier, which is used in training only and
whose size depends on the training set (``num_identities``).

Example (Table I of the CE paper)::

    python tools/analysis_tools/get_flops.py configs/heads --shape 512 512 \
        --out work_dirs/heads_flops.json
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmmtl.utils import (
    add_cfg_options,
    add_shape_arg,
    atomic_open,
    check_outputs,
    quiet_third_party_warnings,
    tool_parser,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        __doc__, 'Params and GFLOPs of the detectors of configs')
    parser.add_argument('path', help='a config file or a folder of configs')
    add_shape_arg(
        parser, (512, 512), 'input size, each side in [32, 8192] (default: '
        '512 512, as in the CE paper)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the rows to this JSON file')
    add_cfg_options(parser, 'override settings of every config')
    return parser.parse_args(argv)


def collect_configs(path: str) -> List[str]:
    """The config at ``path``, or the sorted ``*.py`` files of a folder.

    Args:
        path (str): A config file or a folder.

    Returns:
        list[str]: Config paths.
    """
    if osp.isdir(path):
        files = sorted(glob.glob(osp.join(path, '*.py')))
        if not files:
            raise FileNotFoundError(f'no *.py config in folder {path}')
        return files
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path} does not exist')
    return [path]


def build_detector(cfg: Config) -> nn.Module:
    """Build ``cfg.model`` and return the detector it holds.

    Args:
        cfg (Config): A detector or MOT config.

    Returns:
        nn.Module: ``model.detector`` for MOT models, else the model, in
        eval mode, without pretrained weights.
    """
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'model' not in cfg:
        raise KeyError(f'{cfg.filename}: no `model` key')
    model = MODELS.build(cfg.model)
    detector = getattr(model, 'detector', model)
    return revert_sync_batchnorm(detector).eval()


def detector_complexity(detector: nn.Module,
                        shape: Sequence[int] = (512, 512),
                        device: str = 'cpu') -> Dict[str, float]:
    """Count the parameters and FLOPs of a detector.

    Args:
        detector (nn.Module): An mmdet detector; ``detector(x)`` with ``x``
            of shape (1, 3, H, W) runs its ``'tensor'`` mode.
        shape (Sequence[int]): (H, W) of the input. Defaults to (512, 512).
        device (str): Device of the forward pass. Defaults to 'cpu'.

    Returns:
        dict: ``params`` (all parameters), ``params_no_reid_cls`` (without
        ``bbox_head.reid_classifier``, if any) and ``flops``
        (multiply-adds), as plain numbers.
    """
    detector = detector.to(device).eval()
    params = parameter_count(detector)['']
    head = getattr(detector, 'bbox_head', None)
    cls = getattr(head, 'reid_classifier', None)
    cls_params = 0 if cls is None else sum(p.numel()
                                           for p in cls.parameters())
    inputs = torch.zeros(1, 3, *shape, device=device)
    with torch.no_grad():
        analyzer = FlopAnalyzer(detector, (inputs, ))
        # elementwise ops are not counted, on purpose (see module doc)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        flops = analyzer.total()
    return dict(
        params=params,
        params_no_reid_cls=params - cls_params,
        flops=flops)


def format_table(rows: List[dict], shape: Sequence[int]) -> str:
    """A text table of :func:`main`'s rows.

    Args:
        rows (list[dict]): ``config``, ``head``, ``params``,
            ``params_no_reid_cls`` and ``flops`` per config.
        shape (Sequence[int]): (H, W) of the input, for the header.

    Returns:
        str: The table.
    """
    name_w = max([len('config')] + [len(r['config']) for r in rows])
    head_w = max([len('head')] + [len(r['head']) for r in rows])
    header = (f'{"config":<{name_w}}  {"head":<{head_w}}  '
              f'{"params (M)":>10}  {"w/o id-cls":>10}  '
              f'{"GFLOPs":>8}')
    lines = [f'input {shape[0]}x{shape[1]}, FLOPs = multiply-adds', header,
             '-' * len(header)]
    for r in rows:
        lines.append(f'{r["config"]:<{name_w}}  {r["head"]:<{head_w}}  '
                     f'{r["params"] / 1e6:>10.2f}  '
                     f'{r["params_no_reid_cls"] / 1e6:>10.2f}  '
                     f'{r["flops"] / 1e9:>8.2f}')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> List[dict]:
    """Measure every config of ``path``, print a table, optionally save.

    Args:
        argv (list[str], optional): Command-line arguments. Defaults to
            ``sys.argv[1:]``.

    Returns:
        list[dict]: One row per config (see :func:`format_table`).
    """
    quiet_third_party_warnings()
    args = parse_args(argv)
    configs = collect_configs(args.path)
    if args.out:
        # before the (slow) analysis: the table never replaces a config
        try:
            check_outputs([args.out], configs)
        except ValueError as e:
            raise SystemExit(f'error: {e}')
    rows = []
    for path in configs:
        cfg = Config.fromfile(path)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        detector = build_detector(cfg)
        head = getattr(detector, 'bbox_head', None)
        row = dict(
            config=osp.splitext(osp.basename(path))[0],
            head=type(head).__name__ if head is not None else '-')
        row.update(detector_complexity(detector, args.shape, args.device))
        rows.append(row)
    print(format_table(rows, args.shape))
    if args.out:
        with atomic_open(args.out) as f:
            json.dump(dict(shape=list(args.shape), rows=rows), f, indent=2)
    return rows


if __name__ == '__main__':
    main()
