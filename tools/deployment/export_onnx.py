r"""Export the detector of an mmmtl config to ONNX for onnxruntime.

The graph holds backbone, FPN and head (raw per-level outputs); decoding,
NMS and the embedding gather run in the head's own post-processing on
the onnxruntime outputs (``ORTDetector``), so the tracks come from the same
code as in PyTorch. The tool checks the graph with ``onnx.checker``, runs
it once in onnxruntime on a synthetic frame of ``--shape`` and prints the
largest absolute difference from PyTorch, per output kind and for the
final boxes, scores and embeddings; a non-finite difference fails the
export and nothing is written.

``--quantize int8`` writes an INT8 graph instead (onnxruntime static
quantisation, QDQ, per-channel int8 weights, uint8 activations),
calibrated on ``--calib-frames`` real frames of the MOTChallenge folder
``--calib``, preprocessed by the config's test pipeline;
``--calib-method`` (with ``--calib-percentile`` or
``--calib-moving-average``) chooses how the activation ranges come from
them; ``--keep-float`` names the output kinds whose last convolutions stay
in float and ``--keep-float-nodes`` graph nodes by name.

Example::

    python tools/deployment/export_onnx.py CONFIG CKPT \
        --out work_dirs/ce-head.onnx --shape 608 1088 --opset 17
    python tools/deployment/export_onnx.py CONFIG CKPT \
        --out work_dirs/ce-head_int8.onnx --quantize int8 \
        --calib data/MOT17/train --calib-frames 32 \
        --calib-method percentile --calib-percentile 99.999
    python tools/demo/mot_demo.py demo.mp4 CONFIG --backend onnxruntime \
        --onnx work_dirs/ce-head.onnx --out outputs/tracked.mp4

Exit status: 0 on success, 2 for a bad argument, 1 for any other error
(one line naming the file and the problem on stderr).
"""
import argparse
import math
import os
import os.path as osp
import re
import shutil
import sys
import tempfile
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmdet.apis.inference import build_test_pipeline
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope

from mmmtl.apis import (
    add_int8_calibration_args,
    add_model_args,
    calibration_inputs,
    check_int8_calibration_args,
    init_mot_model,
    int8_calibration_kwargs,
    onnxruntime_cfg,
    parse_model_args,
    pipeline_at_shape,
    prepare_frame,
)
from mmmtl.datasets import generate_sequence
from mmmtl.deploy import (
    OUTPUT_KINDS,
    ONNXModelError,
    export_detector_onnx,
    quantize_detector_onnx,
)
from mmmtl.formats import MOTFormatError
from mmmtl.utils import (
    OutputClashError,
    add_cfg_options,
    add_shape_arg,
    bounded_int,
    check_outputs,
    load_config,
    quiet_third_party_warnings,
    tool_parser,
)

PROG = 'export_onnx.py'
#: Opsets of torch's TorchScript exporter (torch.onnx.export, dynamo=False).
try:
    from torch.onnx._constants import (
        ONNX_MIN_OPSET,
        ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET,
    )
except ImportError:  # older torch
    ONNX_MIN_OPSET, ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET = 7, 17
#: QDQ with per-channel weight scales needs the opset-13 QuantizeLinear.
MIN_QUANT_OPSET = 13


class ExportCheckError(RuntimeError):
    """The exported graph failed its comparison with PyTorch."""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse and check the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        argparse.Namespace: The arguments.
    """
    parser = tool_parser(__doc__, prog=PROG)
    parser.add_argument('config', help='model config file')
    # PyTorch weights only: the exporter reads a checkpoint, strictly
    add_model_args(parser, checkpoint='positional', backends=None,
                   relax=False)
    parser.add_argument('--out', required=True, help='output .onnx file')
    add_shape_arg(
        parser, (608, 1088),
        'input size traced and checked (multiples of 32 in [32, 8192]; the '
        'graph accepts any size unless --static)')
    parser.add_argument(
        '--opset',
        type=bounded_int(ONNX_MIN_OPSET, ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET),
        default=17,
        help=f'ONNX opset, {ONNX_MIN_OPSET}-'
        f'{ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET} (torch\'s TorchScript '
        f'exporter; >= {MIN_QUANT_OPSET} with --quantize)')
    parser.add_argument(
        '--static',
        action='store_true',
        help='fixed batch size 1 and input size --shape')
    parser.add_argument(
        '--quantize',
        choices=('int8', ),
        help='write an INT8 graph (onnxruntime static quantisation, QDQ) '
        'calibrated on --calib')
    add_int8_calibration_args(
        parser,
        'MOTChallenge folder of sequences (SEQ/seqinfo.ini, SEQ/img1/) '
        'whose frames calibrate --quantize',
        'output kinds whose last convs stay in float with --quantize', 32)
    add_cfg_options(parser, 'override config keys')
    args = parser.parse_args(argv)
    if any(s % 32 for s in args.shape):
        parser.error(f'--shape {args.shape[0]} {args.shape[1]}: both must '
                     'be multiples of 32')
    if not osp.isfile(args.config):
        parser.error(f'no such file: {args.config}')
    parse_model_args(parser, args)
    try:  # by any path, link or hard link
        check_outputs([args.out], [args.config, args.checkpoint])
    except OutputClashError as err:
        parser.error(f'--out: {err}')
    if args.quantize:
        if not args.calib:
            parser.error('--quantize int8 needs --calib DATA_ROOT (frames of '
                         'the dataset to calibrate the activation ranges)')
        if not osp.isdir(args.calib):
            parser.error(f'--calib {args.calib}: not a folder')
        if args.opset < MIN_QUANT_OPSET:
            parser.error(f'--opset {args.opset}: --quantize needs opset >= '
                         f'{MIN_QUANT_OPSET} (per-channel QuantizeLinear)')
    elif args.calib or args.keep_float is not None or \
            args.calib_method != 'minmax' or args.keep_float_nodes or \
            args.calib_percentile is not None or args.calib_moving_average:
        parser.error('--calib, --calib-method, --calib-percentile, '
                     '--calib-moving-average, --keep-float and '
                     '--keep-float-nodes are read with --quantize')
    check_int8_calibration_args(parser, args)
    return args


@torch.no_grad()
def compare(model: torch.nn.Module, ort_detector: torch.nn.Module,
            shape: Sequence[int]) -> Dict:
    """Max abs differences of onnxruntime from PyTorch on one frame.

    The frame is synthetic, generated at ``shape`` and run through the
    config's test pipeline with its ``Resize`` set to ``shape``, so the
    network sees exactly (1, 3, H, W).

    Args:
        model (nn.Module): The PyTorch MOT model.
        ort_detector (nn.Module): The :class:`ORTDetector` of the graph.
        shape (Sequence[int]): (H, W).

    Returns:
        dict: Per output kind and for ``bboxes``, ``scores``, ``embeds``
        the largest absolute difference; ``num_boxes`` (PyTorch,
        onnxruntime); ``embeds_cos_min``.

    Raises:
        ExportCheckError: An output of either side or a difference is not
            finite (naming the output).
    """
    height, width = shape
    frames, _ = generate_sequence(1, (width, height), seed=0)
    pipeline = build_test_pipeline(pipeline_at_shape(model.cfg, shape))
    data = model.data_preprocessor(
        prepare_frame(model, frames[0], 0, pipeline=pipeline), False)
    inputs = data['inputs'][:, 0].contiguous()
    sample = data['data_samples'][0][0]
    detector = model.detector
    ref = detector(inputs, None, mode='tensor')
    got = ort_detector(inputs, None, mode='tensor')
    diffs = {}
    for kind, ref_levels, got_levels in zip(OUTPUT_KINDS, ref, got):
        for level, (r, g) in enumerate(zip(ref_levels, got_levels)):
            for side, t in (('PyTorch', r), ('onnxruntime', g)):
                if not torch.isfinite(t).all():
                    raise ExportCheckError(
                        f'{side} output {kind}_{level} holds NaN or inf on '
                        'the check frame (non-finite weights in the '
                        'checkpoint?)')
        diffs[kind] = max(
            float((r - g).abs().max()) for r, g in zip(ref_levels, got_levels))
    ref_det = detector.predict(inputs, [sample.clone()])[0].pred_instances
    got_det = ort_detector.predict(inputs, [sample.clone()])[0].pred_instances
    diffs['num_boxes'] = (len(ref_det), len(got_det))
    if len(ref_det) == len(got_det) and len(ref_det):
        for key in ('bboxes', 'scores', 'embeds'):
            diffs[key] = float((ref_det[key] - got_det[key]).abs().max())
        diffs['embeds_cos_min'] = float(
            F.cosine_similarity(ref_det.embeds, got_det.embeds, dim=1).min())
    bad = [
        k for k, v in diffs.items()
        if isinstance(v, float) and not math.isfinite(v)
    ]
    if bad:
        raise ExportCheckError(f'non-finite difference from PyTorch in '
                               f'{", ".join(bad)}')
    return diffs


def _one_line(err: BaseException) -> str:
    """An error as one line, without advice that does not apply here.

    The loaders' messages suggest ``--allow-partial`` or
    ``--allow-nonfinite`` (flags of the test and demo tools); exporting a
    model that is half random or gives NaN would be of no use, so the
    exporter has neither and drops that advice.
    """
    text = err.args[0] if isinstance(err, KeyError) and err.args else err
    text = re.sub(r'\s*\([^()]*--allow-[^()]*\)', '', str(text))
    lines = [
        line.strip() for line in text.splitlines()
        if line.strip() and '--allow-' not in line
    ]
    return '; '.join(lines) or type(err).__name__


def _calibration_text(calibration: Dict) -> str:
    """``Percentile 99.999``, ``MinMax, moving average`` or the method."""
    text = calibration['method']
    if 'percentile' in calibration:
        text += f' {calibration["percentile"]:g}'
    if calibration.get('moving_average'):
        text += ', moving average'
    return text


def export(args: argparse.Namespace) -> int:
    """Export (and quantise), check, then move the graph to ``--out``."""
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'detector' not in cfg.model:
        raise KeyError(f'{args.config}: model has no `detector`')
    # Pretrained inits would download weights that the checkpoint replaces
    cfg.model.detector.backbone.pop('init_cfg', None)
    # mmmtl's safe loaders (weights_only=True), strict: a key missing from
    # or unexpected in the checkpoint is an error naming it
    try:
        model = init_mot_model(cfg, args.checkpoint, device='cpu')
    except RuntimeError as err:  # CheckpointMismatchError, torch.load's
        text = _one_line(err)
        if args.checkpoint not in text:
            text = f'checkpoint {args.checkpoint}: {text}'
        raise ValueError(f'{text}; export with the config this checkpoint '
                         'was trained with') from err
    classes = model.dataset_meta.get('classes')
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # every file is made in a hidden folder beside --out and moved there
    # only once checked: a failed export leaves nothing behind
    work = tempfile.mkdtemp(prefix=f'.{osp.basename(args.out)}.', dir=out_dir)
    try:
        fp32_file = osp.join(work, 'fp32.onnx')
        info = export_detector_onnx(
            model.detector,
            fp32_file,
            shape=args.shape,
            opset=args.opset,
            dynamic=not args.static,
            metadata=dict(
                config=osp.basename(args.config),
                classes=list(classes) if classes else None))
        kind = 'static' if args.static else 'dynamic'
        print(f'exported {info["head"]}, {info["num_levels"]} levels, opset '
              f'{args.opset}, {kind} batch and size; onnx.checker: passed')
        final = fp32_file
        if args.quantize:
            shape = args.shape if args.static else None
            arrays, source = calibration_inputs(model, args.calib,
                                                args.calib_frames, shape)
            final = osp.join(work, 'int8.onnx')
            meta = quantize_detector_onnx(
                fp32_file, final, arrays, calib_source=source,
                **int8_calibration_kwargs(args))
            quant = meta['quantization']
            print(f'quantised to INT8 ({quant["format"]}; weights '
                  f'{quant["weights"]}; activations '
                  f'{quant["activations"]}); calibrated '
                  f'({_calibration_text(quant["calibration"])}) on '
                  f'{source}; in float: '
                  f'{", ".join(quant["float_nodes"]) or "nothing"}')
        ort_cfg = onnxruntime_cfg(cfg, final)
        ort_detector = MODELS.build(ort_cfg.model.detector)
        diffs = compare(model, ort_detector, args.shape)
        os.replace(final, args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f'written {args.out}')
    print(f'onnxruntime vs PyTorch on a {args.shape[0]}x{args.shape[1]} '
          'synthetic frame, max abs difference:')
    for key, value in diffs.items():
        if key == 'num_boxes':
            print(f'  boxes kept: PyTorch {value[0]}, onnxruntime {value[1]}')
        elif key == 'embeds_cos_min':
            print(f'  embeddings, lowest cosine similarity: {value:.6f}')
        else:
            print(f'  {key}: {value:.3g}')
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        int: 0 on success, 1 on an error (printed as one line).
    """
    quiet_third_party_warnings()
    args = parse_args(argv)
    try:
        return export(args)
    except ExportCheckError as err:
        print(f'{PROG}: error: {args.out} not written: {err}',
              file=sys.stderr)
    except (ONNXModelError, MOTFormatError, FileNotFoundError, KeyError,
            ValueError) as err:
        print(f'{PROG}: error: {_one_line(err)}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
