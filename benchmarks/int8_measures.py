"""Measures of an INT8 graph against its FP32 graph on a trained model:
the network's output errors on test frames and the tracking metrics of
the config's test set. Shared by ``bench_int8_float_kinds.py`` and
``bench_int8_calibration.py``."""
import os.path as osp
from typing import Dict, List

import mmcv
import torch
from mmengine.config import Config

from mmmtl.apis import (
    build_test_runner,
    calibration_frame_paths,
    network_input,
)
from mmmtl.deploy import OUTPUT_KINDS, ORTDetector


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
