"""How much of INT8's tracking-metric change is output noise.

The INT8 graph's detections differ from the FP32 model's by a small,
unbiased amount (scores by a few percent, boxes by about one percent of
their size, embeddings by a few hundredths in L2). The tracking metrics
respond to such differences chaotically: a score that crosses a threshold
or an embedding that loses a tie changes an association, and everything
after it. This benchmark separates the two:

1. it matches the detections of an INT8 cache to those of the FP32 cache
   of the same model and frames (same frame, IoU > 0.7, best score
   first) and measures their differences (relative score error, box
   corner error relative to the box's width and height, L2 distance of
   the unit embeddings, detections present in one cache only);
2. it adds Gaussian noise of exactly those sizes to the FP32 cache
   (``--draws`` seeds) and replays the config's tracker over each noisy
   copy with the config's metric (:func:`mmmtl.apis.replay_tracker`),
   beside the FP32 and INT8 caches themselves.

If INT8's change lies within the spread of the noisy copies, it is what
any output error of that size does to this tracker on these sequences,
not a bias of the quantisation.

Run (the caches from ``tools/test.py --save-detections DIR
--cache-embed-dtype float32``, with ``--backend onnxruntime --onnx
INT8.onnx`` for the INT8 one)::

    .venv/bin/python benchmarks/bench_int8_noise.py CONFIG FP32_CACHE \\
        INT8_CACHE [--draws 8] [--out benchmarks/results/int8_noise.json]
"""
import argparse
import dataclasses
import json
import os.path as osp
import statistics
from typing import Dict, List

import numpy as np
from mmengine.config import Config

import mmmtl  # noqa: F401  (registers the components)
from mmmtl.apis import replay_tracker
from mmmtl.formats import load_detection_cache
from mmmtl.utils import atomic_open, check_outputs, positive_int

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METRICS = ('HOTA', 'IDF1', 'MOTA', 'IDS')
MATCH_IOU = 0.7


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of x1y1x2y2 boxes ``a`` (N, 4) and ``b`` (M, 4)."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: (x[:, 2:] - x[:, :2]).prod(-1)  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter)


def _unit(e: np.ndarray) -> np.ndarray:
    e = e.astype(np.float64)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def output_differences(ref: list, other: list) -> Dict[str, float]:
    """Differences of the detections of ``other`` from those of ``ref``
    (lists of :class:`~mmmtl.formats.SequenceDetections`, same sequences
    and frames)."""
    score, box, emb = [], [], []
    only_ref = only_other = matched = 0
    for a, b in zip(ref, other):
        for t in range(a.num_frames):
            ab, as_, _, ae = a.frame(t)
            bb, bs, _, be = b.frame(t)
            used = np.zeros(len(bb), bool)
            iou = _iou(ab, bb) if len(ab) and len(bb) else None
            for i in np.argsort(-as_):
                j = -1 if iou is None else int(np.argmax(
                    np.where(used, -1., iou[i])))
                if j < 0 or used[j] or iou[i, j] <= MATCH_IOU:
                    only_ref += 1
                    continue
                used[j] = True
                matched += 1
                score.append((bs[j] - as_[i]) / as_[i])
                wh = np.tile(ab[i, 2:] - ab[i, :2], 2)
                box.extend((bb[j] - ab[i]) / wh)
                emb.append(np.linalg.norm(
                    _unit(be[j:j + 1]) - _unit(ae[i:i + 1])))
            only_other += int((~used).sum())
    return dict(score_rel_std=float(np.std(score)),
                box_rel_std=float(np.std(box)),
                embed_l2_mean=float(np.mean(emb)),
                matched=matched, only_fp32=only_ref, only_int8=only_other)


def perturbed(seqs: list, diff: Dict[str, float], seed: int) -> list:
    """Copies of ``seqs`` with Gaussian noise of the sizes in ``diff``."""
    rng = np.random.default_rng(seed)
    out = []
    for s in seqs:
        wh = np.tile(s.bboxes[:, 2:] - s.bboxes[:, :2], 2)
        bboxes = s.bboxes + rng.normal(
            0, diff['box_rel_std'], s.bboxes.shape) * wh
        scores = np.clip(s.scores * (1 + rng.normal(
            0, diff['score_rel_std'], s.scores.shape)), 0, 1)
        e = _unit(s.embeds)
        # per-dimension std so that the noise's L2 norm is the measured one
        e = _unit(e + rng.normal(0, diff['embed_l2_mean'] / np.sqrt(
            e.shape[1]), e.shape))
        out.append(dataclasses.replace(
            s, bboxes=bboxes.astype(s.bboxes.dtype),
            scores=scores.astype(s.scores.dtype),
            embeds=e.astype(s.embeds.dtype)))
    return out


def _metrics(cfg: Config, cache_dir: str, seqs: list) -> Dict[str, float]:
    res = replay_tracker(cfg, cache_dir, sequences=seqs).metrics
    res = {k.split('/')[-1]: float(v) for k, v in res.items()}
    return {m: res[m] for m in METRICS}


def main(argv: List[str] = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('fp32_cache')
    p.add_argument('int8_cache')
    p.add_argument('--draws', type=positive_int, default=8)
    p.add_argument('--seed', type=int, default=100)
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results',
                                             'int8_noise.json'))
    args = p.parse_args(argv)
    try:
        check_outputs([args.out], [args.config])
    except ValueError as e:
        p.error(str(e))
    cfg = Config.fromfile(args.config)
    fp32 = load_detection_cache(args.fp32_cache)
    int8 = load_detection_cache(args.int8_cache)
    if [s.name for s in fp32] != [s.name for s in int8]:
        p.error('the two caches hold different sequences')
    diff = output_differences(fp32, int8)
    print('INT8 - FP32 detections:', diff, flush=True)
    base = _metrics(cfg, args.fp32_cache, fp32)
    rows = {'fp32': base, 'int8': _metrics(cfg, args.int8_cache, int8)}
    draws = []
    for k in range(args.draws):
        draws.append(_metrics(cfg, args.fp32_cache,
                              perturbed(fp32, diff, args.seed + k)))
        print(f'draw {k}:', draws[-1], flush=True)
    delta = lambda r, m: (r[m] - base[m]) if m != 'IDS' else (  # noqa: E731
        r[m] / base[m] - 1)
    summary = {
        m: dict(int8=delta(rows['int8'], m),
                noise_mean=statistics.mean(delta(d, m) for d in draws),
                noise_std=statistics.stdev(delta(d, m) for d in draws),
                noise_min=min(delta(d, m) for d in draws),
                noise_max=max(delta(d, m) for d in draws))
        for m in METRICS
    }
    out = dict(config=args.config, fp32_cache=args.fp32_cache,
               int8_cache=args.int8_cache, seed=args.seed,
               differences=diff, metrics=rows, noise_draws=draws,
               deltas_vs_fp32=summary,
               note='IDS deltas are relative (INT8 / FP32 - 1)')
    with atomic_open(args.out, 'w') as f:
        json.dump(out, f, indent=1)
    for m, s in summary.items():
        print(f'{m}: INT8 {s["int8"]:+.2f}; noise of the same size '
              f'{s["noise_mean"]:+.2f} +- {s["noise_std"]:.2f} '
              f'[{s["noise_min"]:+.2f}, {s["noise_max"]:+.2f}]')
    return out


if __name__ == '__main__':
    main()
