"""Inputs for exporting and quantising a MOT model's detector network."""
import argparse
import copy
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.apis.inference import build_test_pipeline
from mmengine.config import Config

from mmmtl.deploy import (
    CALIB_METHODS,
    DEFAULT_CALIB_PERCENTILE,
    DEFAULT_FLOAT_KINDS,
    FLOAT_KINDS,
)
from mmmtl.formats import MOTFormatError, read_seqinfo
from mmmtl.utils import bounded_float, bounded_int

from .inference import prepare_frame


def pipeline_at_shape(cfg: Config, shape: Sequence[int]) -> Config:
    """A copy of ``cfg`` whose test pipeline resizes into ``shape``.

    Every ``Resize`` of the test pipeline gets ``scale=(W, H)`` with
    ``keep_ratio=True``: a frame of that aspect comes out exactly (H, W),
    another fits inside it.

    Args:
        cfg (Config): A MOT config.
        shape (Sequence[int]): (H, W).

    Returns:
        Config: The copy.

    Raises:
        KeyError: The test pipeline has no ``Resize`` (naming the config).
    """
    cfg = copy.deepcopy(cfg)
    height, width = shape
    found = 0

    def visit(transforms):
        nonlocal found
        for t in transforms:
            if t.get('type') == 'Resize':
                t.update(scale=(width, height), keep_ratio=True)
                found += 1
            if 'transforms' in t:
                visit(t['transforms'])

    visit(cfg.test_dataloader.dataset.pipeline)
    if not found:
        raise KeyError(f'{cfg.filename}: the test pipeline has no Resize to '
                       f'set to {height}x{width}')
    return cfg


def network_input(model: nn.Module,
                  frame: np.ndarray,
                  pipeline=None,
                  pad_to: Optional[Sequence[int]] = None) -> torch.Tensor:
    """One frame as the detector network sees it.

    The model's test pipeline and data pre-processor (resize, normalise,
    pad to the size divisor), as in :func:`~mmmtl.apis.track_frame`.

    Args:
        model (nn.Module): MOT model with ``cfg`` and ``data_preprocessor``.
        frame (np.ndarray): (H0, W0, 3) BGR image.
        pipeline (callable, optional): Test pipeline; the model's when
            None. Defaults to None.
        pad_to (Sequence[int], optional): (H, W) to zero-pad the normalised
            image to (bottom and right, as batching pads), for a graph of
            fixed size. Defaults to None.

    Returns:
        Tensor: (1, 3, H, W) normalised image.

    Raises:
        ValueError: The image is larger than ``pad_to``.
    """
    data = prepare_frame(model, frame, 0, pipeline=pipeline)
    with torch.no_grad():
        data = model.data_preprocessor(data, False)
    inputs = data['inputs'][:, 0].contiguous()
    if pad_to is not None:
        height, width = inputs.shape[-2:]
        if height > pad_to[0] or width > pad_to[1]:
            raise ValueError(
                f'a frame preprocessed to {height}x{width} does not fit '
                f'the graph\'s {pad_to[0]}x{pad_to[1]}')
        inputs = F.pad(inputs, (0, pad_to[1] - width, 0, pad_to[0] - height))
    return inputs


def calibration_frame_paths(data_root: str, num_frames: int) -> List[str]:
    """Frames spread evenly over the sequences of a MOTChallenge folder.

    Args:
        data_root (str): A folder of sequences (``SEQ/seqinfo.ini`` and
            ``SEQ/img1/000001.jpg ...``), e.g. a dataset's ``train`` split.
        num_frames (int): How many frames to pick.

    Returns:
        list[str]: ``num_frames`` image paths, evenly spaced over all
        frames of all sequences in name order.

    Raises:
        FileNotFoundError: ``data_root`` is not a folder, holds no
            sequence, or a listed frame is missing.
        ValueError: Fewer frames than ``num_frames``.
    """
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'{data_root}: not a folder')
    paths = []
    seqs = sorted(
        d for d in os.listdir(data_root)
        if osp.isfile(osp.join(data_root, d, 'seqinfo.ini')))
    for seq in seqs:
        seq_dir = osp.join(data_root, seq)
        try:
            info = read_seqinfo(seq_dir)
        except MOTFormatError as err:
            raise FileNotFoundError(str(err)) from err
        paths += [
            osp.join(seq_dir, info.im_dir, f'{i:06d}{info.im_ext}')
            for i in range(1, info.seq_length + 1)
        ]
    if not paths:
        raise FileNotFoundError(
            f'{data_root}: no sequence (SEQ/seqinfo.ini) in it; give a '
            'MOTChallenge split folder such as data/MOT17/train')
    if len(paths) < num_frames:
        raise ValueError(f'{data_root}: {len(paths)} frames, fewer than the '
                         f'{num_frames} asked for calibration')
    picked = [
        paths[int(i)]
        for i in np.linspace(0, len(paths) - 1, num_frames).round()
    ]
    for path in picked:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: frame listed by seqinfo.ini '
                                    'is missing')
    return picked


def calibration_inputs(model: nn.Module,
                       data_root: str,
                       num_frames: int,
                       shape: Optional[Sequence[int]] = None
                       ) -> Tuple[List[np.ndarray], str]:
    """Real frames preprocessed as the model's test pipeline does.

    Args:
        model (nn.Module): MOT model with ``cfg`` and ``data_preprocessor``.
        data_root (str): MOTChallenge split folder
            (:func:`calibration_frame_paths`).
        num_frames (int): Frames to use.
        shape (Sequence[int], optional): (H, W) of a static graph: frames
            are resized into it and zero-padded to it. Defaults to None
            (the config's test pipeline as is).

    Returns:
        tuple: a list of ``num_frames`` (1, 3, H, W) float32 arrays, and a
        one-line description of where they come from.
    """
    paths = calibration_frame_paths(data_root, num_frames)
    cfg = model.cfg if shape is None else pipeline_at_shape(model.cfg, shape)
    pipeline = build_test_pipeline(cfg)
    arrays = []
    for path in paths:
        frame = mmcv.imread(path)
        if frame is None:
            raise FileNotFoundError(f'{path}: not a readable image')
        arrays.append(
            network_input(model, frame, pipeline, pad_to=shape).numpy())
    seqs = sorted({osp.basename(osp.dirname(osp.dirname(p))) for p in paths})
    source = (f'{num_frames} frames evenly spaced over {len(seqs)} '
              f'sequences of {osp.basename(osp.normpath(data_root))} '
              f'({", ".join(seqs)})')
    return arrays, source


def add_int8_calibration_args(parser: argparse.ArgumentParser,
                              calib_help: str,
                              keep_float_help: str,
                              default_frames: int) -> None:
    """Add the INT8 flags of the exporter and the FPS benchmark:
    ``--calib``, ``--calib-frames``, ``--calib-method``,
    ``--calib-percentile``, ``--calib-moving-average``, ``--keep-float``
    and ``--keep-float-nodes`` (the arguments of
    :func:`mmmtl.deploy.quantize_detector_onnx`; check them with
    :func:`check_int8_calibration_args`).

    Args:
        parser (ArgumentParser): The tool's parser.
        calib_help (str): What ``--calib`` calibrates.
        keep_float_help (str): What ``--keep-float`` keeps in float (the
            kinds and the default are appended).
        default_frames (int): Default of ``--calib-frames``.
    """
    parser.add_argument('--calib', metavar='DATA_ROOT', help=calib_help)
    parser.add_argument(
        '--calib-frames', type=bounded_int(1, 100000),
        default=default_frames,
        help=f'calibration frames of --calib, evenly spaced over its '
        f'sequences (default {default_frames})')
    parser.add_argument(
        '--calib-method',
        choices=tuple(CALIB_METHODS),
        default='minmax',
        help='activation ranges from the calibration outputs: their '
        'extremes (minmax), a percentile of their values (percentile, '
        '--calib-percentile) or the KL-optimal range (entropy); default '
        'minmax')
    parser.add_argument(
        '--calib-percentile',
        type=bounded_float(50.0, 100.0, low_open=True),
        default=None,
        metavar='P',
        help='with --calib-method percentile: the share of each tensor\'s '
        'calibration values inside its range, in (50, 100] (default '
        f'{DEFAULT_CALIB_PERCENTILE})')
    parser.add_argument(
        '--calib-moving-average',
        action='store_true',
        help='with --calib-method minmax: a moving average of each '
        'frame\'s extremes instead of the extremes over all frames')
    parser.add_argument(
        '--keep-float',
        nargs='*',
        choices=FLOAT_KINDS,
        default=None,
        metavar='KIND',
        help=f'{keep_float_help} ({", ".join(FLOAT_KINDS)}; default: '
        f'{" ".join(DEFAULT_FLOAT_KINDS) or "none"}; give the flag alone '
        'to quantise every conv)')
    parser.add_argument(
        '--keep-float-nodes',
        nargs='+',
        default=[],
        metavar='PATTERN',
        help='graph nodes kept in float, by name: shell-style patterns '
        'such as "/detector/neck/*" (each must match a node)')


def check_int8_calibration_args(parser: argparse.ArgumentParser,
                                args: argparse.Namespace) -> None:
    """Refuse INT8 flags that do not go together (through
    ``parser.error``) and fill in ``--keep-float``'s default.

    Args:
        parser (ArgumentParser): The tool's parser.
        args (Namespace): Its arguments (:func:`add_int8_calibration_args`).
    """
    if args.calib_percentile is not None and \
            args.calib_method != 'percentile':
        parser.error('--calib-percentile is read with --calib-method '
                     'percentile')
    if args.calib_moving_average and args.calib_method != 'minmax':
        parser.error('--calib-moving-average is read with --calib-method '
                     'minmax')
    if args.keep_float is None:
        args.keep_float = list(DEFAULT_FLOAT_KINDS)


def int8_calibration_kwargs(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`mmmtl.deploy.quantize_detector_onnx`
    given by the flags of :func:`add_int8_calibration_args`."""
    return dict(
        keep_float=args.keep_float,
        calib_method=args.calib_method,
        calib_percentile=args.calib_percentile,
        calib_moving_average=args.calib_moving_average,
        keep_float_nodes=args.keep_float_nodes)
