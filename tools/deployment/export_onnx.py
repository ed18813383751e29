"""Export the detector of an mmmtl config to ONNX for onnxruntime.

The graph holds backbone, FPN and head (raw per-level outputs); decoding,
NMS and the embedding gather run in the head's own post-processing on
the onnxruntime outputs (``ORTDetector``), so the tracks come from the same
code as in PyTorch. The tool checks the graph with ``onnx.checker``, runs
it once in onnxruntime on a synthetic frame and prints the largest
absolute difference from PyTorch, per output kind and for the final boxes,
scores and embeddings.

Example::

    python tools/deployment/export_onnx.py CONFIG CKPT \
        --out work_dirs/ce-head.onnx --shape 608 1088 --opset 17
    python tools/demo/mot_demo.py demo.mp4 CONFIG --backend onnxruntime \
        --onnx work_dirs/ce-head.onnx --out outputs/tracked.mp4
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional

import torch
from mmdet.registry import MODELS
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmmtl.apis import init_track_model, onnxruntime_cfg, prepare_frame
from mmmtl.datasets import generate_sequence
from mmmtl.deploy import OUTPUT_KINDS, export_detector_onnx


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the detector of an mmmtl config to ONNX')
    parser.add_argument('config', help='model config file')
    parser.add_argument(
        'checkpoint', help='checkpoint of that config (file, URL or zoo name)')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=(608, 1088),
        metavar=('HEIGHT', 'WIDTH'),
        help='input size traced and checked (multiples of 32; the graph '
        'accepts any size unless --static)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument(
        '--static',
        action='store_true',
        help='fixed batch size 1 and input size --shape')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        metavar='KEY=VALUE',
        help='override config keys')
    args = parser.parse_args(argv)
    if any(s <= 0 or s % 32 for s in args.shape):
        parser.error(f'--shape {args.shape[0]} {args.shape[1]}: both must '
                     'be positive multiples of 32')
    if not osp.isfile(args.config):
        parser.error(f'no such file: {args.config}')
    if osp.abspath(args.out) in (osp.abspath(args.config),
                                 osp.abspath(args.checkpoint)):
        parser.error(f'--out {args.out} would overwrite an input')
    return args


def build_model(cfg: Config, checkpoint: str) -> torch.nn.Module:
    """The config's model with the checkpoint loaded strictly.

    :func:`mmmtl.apis.init_track_model`: mmmtl's safe loaders
    (``weights_only=True``); a key missing from or unexpected in the
    checkpoint is an error naming it, not a model left half random.
    """
    return init_track_model(cfg, checkpoint, device='cpu')


@torch.no_grad()
def compare(model: torch.nn.Module, ort_detector: torch.nn.Module,
            shape) -> Dict[str, float]:
    """Max abs differences of ONNX from PyTorch on one synthetic frame."""
    height, width = shape
    frames, _ = generate_sequence(1, (width, height), seed=0)
    data = model.data_preprocessor(prepare_frame(model, frames[0], 0), False)
    inputs = data['inputs'][:, 0].contiguous()
    sample = data['data_samples'][0][0]
    detector = model.detector
    ref = detector(inputs, None, mode='tensor')
    got = ort_detector(inputs, None, mode='tensor')
    diffs = {
        kind: max(float((a - b).abs().max()) for a, b in zip(r, g))
        for kind, r, g in zip(OUTPUT_KINDS, ref, got)
    }
    ref_det = detector.predict(inputs, [sample.clone()])[0].pred_instances
    got_det = ort_detector.predict(inputs, [sample.clone()])[0].pred_instances
    diffs['num_boxes'] = (len(ref_det), len(got_det))
    if len(ref_det) == len(got_det) and len(ref_det):
        for key in ('bboxes', 'scores', 'embeds'):
            diffs[key] = float((ref_det[key] - got_det[key]).abs().max())
    return diffs


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'detector' not in cfg.model:
        raise KeyError(f'{args.config}: model has no `detector`')
    # Pretrained inits would download weights that the checkpoint replaces
    cfg.model.detector.backbone.pop('init_cfg', None)
    model = build_model(cfg, args.checkpoint)
    classes = model.dataset_meta.get('classes')
    info = export_detector_onnx(
        model.detector,
        args.out,
        shape=args.shape,
        opset=args.opset,
        dynamic=not args.static,
        metadata=dict(
            config=osp.basename(args.config),
            classes=list(classes) if classes else None))
    print(f'written {args.out} ({info["head"]}, {info["num_levels"]} '
          f'levels, opset {args.opset}, '
          f'{"static" if args.static else "dynamic"} batch and size); '
          'onnx.checker: passed')
    ort_cfg = onnxruntime_cfg(cfg, args.out)
    ort_detector = MODELS.build(ort_cfg.model.detector)
    diffs = compare(model, ort_detector, args.shape)
    print(f'onnxruntime vs PyTorch on a {args.shape[0]}x{args.shape[1]} '
          'synthetic frame, max abs difference:')
    for key, value in diffs.items():
        if key == 'num_boxes':
            print(f'  boxes kept: PyTorch {value[0]}, onnxruntime {value[1]}')
        else:
            print(f'  {key}: {value:.3g}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
