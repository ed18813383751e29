"""Measures of an INT8 graph against its FP32 graph on a trained model:
the network's output errors on test frames and the tracking metrics of
the config's test set. Shared by ``bench_int8_float_kinds.py`` and
``bench_int8_calibration.py``."""
import argparse
import os.path as osp
import time
from typing import Dict, List, Optional

import mmcv
import torch
from mmdet.utils import register_all_modules
from mmengine.config import Config

from mmmtl.apis import (
    add_model_args,
    build_test_runner,
    calibration_frame_paths,
    init_mot_model,
    network_input,
)
from mmmtl.deploy import (
    OUTPUT_KINDS,
    ORTDetector,
    export_detector_onnx,
    int8_accuracy_verdict,
    quantize_detector_onnx,
)
from mmmtl.utils import bounded_int


def ort_detector(cfg: Config, onnx_file: str) -> ORTDetector:
    """The config's detector on onnxruntime."""
    return ORTDetector(onnx_file, bbox_head=cfg.model.detector.bbox_head,
                       test_cfg=cfg.model.detector.test_cfg)


def test_split(cfg: Config) -> str:
    """The folder of the config's test sequences."""
    dataset = cfg.test_dataloader.dataset
    return osp.join(dataset.data_root, dataset.data_prefix.img_path)


def test_inputs(model: torch.nn.Module, cfg: Config,
                num_frames: int) -> List[torch.Tensor]:
    """``num_frames`` frames evenly spaced over the test sequences, as
    network inputs."""
    return [
        network_input(model, mmcv.imread(p))
        for p in calibration_frame_paths(test_split(cfg), num_frames)
    ]


def output_errors(ref: ORTDetector, got: ORTDetector,
                  inputs: List[torch.Tensor]) -> Dict[str, float]:
    """Relative L2 error per output kind, lowest embedding cosine."""
    num, den = {k: 0.0 for k in OUTPUT_KINDS}, {k: 0.0 for k in OUTPUT_KINDS}
    cos_min = 1.0
    with torch.no_grad():
        for x in inputs:
            r_all = ref(x, None, mode='tensor')
            g_all = got(x, None, mode='tensor')
            for kind, r_levels, g_levels in zip(OUTPUT_KINDS, r_all, g_all):
                for r, g in zip(r_levels, g_levels):
                    num[kind] += float(((r - g)**2).sum())
                    den[kind] += float((r**2).sum())
                    if kind == 'reid_feat':
                        cos = torch.nn.functional.cosine_similarity(
                            r, g, dim=1)
                        cos_min = min(cos_min, float(cos.min()))
    out = {f'{k}_rel_l2': (num[k] / max(den[k], 1e-12))**0.5
           for k in OUTPUT_KINDS}
    out['reid_feat_cos_min'] = cos_min
    return out


def test_metrics(cfg: Config, onnx_file: str, work_dir: str) -> Dict:
    """HOTA, IDF1, MOTA, IDSW, DetA and AssA of the config's test set on
    a graph."""
    cfg = cfg.copy()
    cfg.work_dir = work_dir
    metrics = build_test_runner(cfg, onnx_file=onnx_file).test()
    short = {k.rsplit('/', 1)[-1]: float(v) for k, v in metrics.items()}
    return dict(HOTA=short['HOTA'], IDF1=short['IDF1'], MOTA=short['MOTA'],
                IDSW=short['IDS'], DetA=short['DetA'], AssA=short['AssA'])


def int8_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments both INT8 benchmarks take: CONFIG CHECKPOINT,
    ``--calib``, ``--frames`` and ``--out``; each adds its own."""
    parser = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    parser.add_argument('config')
    add_model_args(parser, checkpoint='positional', backends=None,
                   relax=False)
    parser.add_argument('--calib', required=True, metavar='DATA_ROOT',
                        help='MOTChallenge folder of calibration frames')
    parser.add_argument('--frames', type=bounded_int(1, 10000), default=30,
                        help='test-split frames for the output errors')
    parser.add_argument('--out', required=True)
    return parser


def fp32_reference(args: argparse.Namespace, tmp: str) -> dict:
    """The trained model, its dynamic FP32 graph in ``tmp`` and the
    reference outputs' detector on the test frames.

    Returns:
        dict: ``cfg``, ``model``, ``fp32`` (the graph's path), ``inputs``
        (the test frames as network inputs), ``ref`` (the FP32 graph on
        onnxruntime) and ``record`` (what every result file starts with).
    """
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    model = init_mot_model(cfg, args.checkpoint, device='cpu')
    fp32 = osp.join(tmp, 'fp32.onnx')
    # a dynamic graph: the traced size does not bind the test size
    export_detector_onnx(model.detector, fp32, shape=(192, 320))
    record = dict(config=args.config, checkpoint=args.checkpoint,
                  calib=args.calib, calib_frames=args.calib_frames,
                  error_frames=args.frames, test_split=test_split(cfg),
                  torch_threads=torch.get_num_threads())
    return dict(cfg=cfg, model=model, fp32=fp32, record=record,
                inputs=test_inputs(model, cfg, args.frames),
                ref=ort_detector(cfg, fp32))


def measure_int8(base: dict, int8_file: str, arrays, source: str,
                 fp32_metrics: Optional[Dict] = None,
                 work_dir: Optional[str] = None, **quantize) -> Dict:
    """Quantise ``base``'s FP32 graph into ``int8_file`` and measure it.

    Args:
        base (dict): From :func:`fp32_reference`.
        int8_file (str): The INT8 graph to write.
        arrays: Calibration inputs (``calibration_inputs``).
        source (str): What the calibration frames are.
        fp32_metrics (dict, optional): The FP32 graph's test metrics; with
            them the INT8 graph is tested too (in ``work_dir``) and judged.
        work_dir (str, optional): Runner work dir of that test.
        **quantize: Settings of ``quantize_detector_onnx``.

    Returns:
        dict: ``quantize_s``, the output errors, ``float_nodes`` and, when
        tested, ``metrics`` and ``verdict``.
    """
    tic = time.perf_counter()
    meta = quantize_detector_onnx(base['fp32'], int8_file, arrays,
                                  calib_source=source, **quantize)
    row = dict(quantize_s=time.perf_counter() - tic)
    row.update(output_errors(base['ref'], ort_detector(base['cfg'],
                                                       int8_file),
                             base['inputs']))
    row['float_nodes'] = meta['quantization']['float_nodes']
    if fp32_metrics is not None:
        row['metrics'] = test_metrics(base['cfg'], int8_file, work_dir)
        row['verdict'] = int8_accuracy_verdict(fp32_metrics, row['metrics'])
    return row
