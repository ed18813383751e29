"""Offline quickstart: the whole method on synthetic video, on a CPU.

    python tools/quickstart.py [--out outputs/quickstart] [--iters 2400]

1. generates synthetic MOTChallenge-layout sequences (train and held-out,
   the last held-out one with a panning camera);
2. converts them with the MOT converter (identities numbered globally);
3. trains the CE head + LWF model of
   configs/quickstart/ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py
   from scratch (no pretrained weights, no network);
4. tracks the held-out sequences and prints the metric table (HOTA, MOTA,
   IDF1, ...) of TrackEval, saving it as JSON;
5. writes an annotated video of one held-out sequence (boxes, identities,
   trajectory tails) and the alpha/beta/gamma curves of LWF as a PNG.

Every step is skipped when its output already exists (``--force`` redoes
them), so an interrupted run continues where it stopped.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')
TEST_PAN = 1.  # px per frame: the view turns 299 px over 300 frames


def parse_args(argv=None):
    from mmmtl.utils import nonnegative_int, positive_int
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=osp.join('outputs', 'quickstart'),
                   help='output folder (data, work_dir, video, PNG)')
    p.add_argument('--config', default=CONFIG)
    p.add_argument('--iters', type=positive_int, default=None,
                   help='training iterations (default: the config\'s)')
    p.add_argument('--train-seqs', type=positive_int, default=6)
    p.add_argument('--test-seqs', type=positive_int, default=3,
                   help='held-out sequences; the last one has a panning '
                   'camera')
    p.add_argument('--frames', type=positive_int, default=300)
    p.add_argument('--seed', type=nonnegative_int, default=0)
    p.add_argument('--amp', action='store_true',
                   help='mixed precision: bfloat16 autocast on a CPU, as '
                   'tools/train.py --amp')
    p.add_argument('--force', action='store_true',
                   help='redo every step even if its output exists')
    return p.parse_args(argv)


class Step:
    """Prints what runs and how long it took."""

    def __init__(self, n: int, total: int, what: str):
        self.head = f'[quickstart {n}/{total}] {what}'

    def __enter__(self):
        print(self.head + ' ...', flush=True)
        self.t = time.time()
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            print(f'{self.head}: done in {time.time() - self.t:.1f} s',
                  flush=True)


def data_of(args):
    """The quickstart's data sizes (held-out sequences as long as the
    training ones; the last one pans)."""
    from mmmtl.datasets import SynthMOTData
    return SynthMOTData(
        train_seqs=args.train_seqs,
        test_seqs=args.test_seqs,
        frames=args.frames,
        test_frames=args.frames,
        pan=TEST_PAN)


def build_cfg(args, data_root: str, work_dir: str):
    from mmengine.config import Config

    from mmmtl.datasets import configure_synthmot
    from mmmtl.engine import amp_cfg_options
    cfg = configure_synthmot(
        Config.fromfile(args.config),
        data_root,
        work_dir,
        seed=args.seed,
        iters=args.iters)
    if args.amp:
        cfg.merge_from_dict(amp_cfg_options(cfg, args.config))
    return cfg


def train(cfg, work_dir: str, force: bool) -> str:
    from mmengine.runner import Runner
    ckpt = osp.join(work_dir, f'iter_{cfg.train_cfg.max_iters}.pth')
    if osp.isfile(ckpt) and not force:
        print(f'  {ckpt} exists, kept')
        return ckpt
    runner = Runner.from_cfg(cfg)
    runner.train()
    return ckpt


def test(cfg, ckpt: str, out_json: str) -> dict:
    from mmmtl.apis import build_test_runner
    metrics = build_test_runner(cfg, ckpt).test()
    metrics = {k: float(v) for k, v in metrics.items()}
    from mmmtl.utils import atomic_open
    with atomic_open(out_json) as f:  # renamed into place when complete
        json.dump(metrics, f, indent=2)
    return metrics


def render_video(cfg, ckpt: str, data_root: str, out_dir: str) -> str:
    from mmengine.registry import init_default_scope

    from mmmtl.apis import init_mot_model, open_frame_source, track_to_files
    test_root = osp.join(data_root, 'synthmot-test', 'train')
    seq = sorted(os.listdir(test_root))[0]
    out_video = osp.join(out_dir, 'tracking_demo.mp4')
    init_default_scope('mmdet')
    model = init_mot_model(cfg.copy(), ckpt)
    source = open_frame_source(osp.join(test_root, seq))
    print(f'  input: {source}')
    stats = track_to_files(
        model, source, out_video=out_video,
        out_txt=osp.join(out_dir, f'{seq}.txt'))
    print(f'  {stats.num_frames} frames at {stats.model_fps:.1f} FPS (model)')
    return out_video


def print_table(metrics: dict) -> None:
    """Print the papers' columns of the metric's output (percentages for
    HOTA, MOTA, IDF1 and MOTP; counts for the rest)."""
    cols = ('HOTA', 'MOTA', 'IDF1', 'MOTP', 'MT', 'ML', 'FP', 'FN', 'IDS')
    percent = ('HOTA', 'MOTA', 'IDF1', 'MOTP')
    short = {k.split('/')[-1]: float(v) for k, v in metrics.items()}
    row = {
        k: f'{short[k]:.1f}' if k in percent else f'{short[k]:g}'
        for k in cols if k in short
    }
    print('\nHeld-out synthetic sequences (TrackEval, overall):')
    print(' | '.join(f'{k:>6}' for k in row))
    print(' | '.join(f'{v:>6}' for v in row.values()))


def main(argv=None) -> int:
    from mmmtl.utils import quiet_third_party_warnings
    quiet_third_party_warnings()
    args = parse_args(argv)
    out = osp.abspath(args.out)
    data_root = osp.join(out, 'data')
    work_dir = osp.join(out, 'work_dir')
    os.makedirs(work_dir, exist_ok=True)
    t0 = time.time()
    total = 5
    with Step(1, total, 'generate and convert synthetic sequences'):
        from mmmtl.datasets import make_synthmot_data
        make_synthmot_data(data_root, data_of(args), args.seed, args.force)
    cfg = build_cfg(args, data_root, work_dir)
    cfg_path = osp.join(out, 'quickstart_config.py')
    cfg.dump(cfg_path)
    with Step(2, total, f'train CE + LWF for {cfg.train_cfg.max_iters} '
              'iterations on the CPU'):
        ckpt = train(cfg, work_dir, args.force)
    with Step(3, total, 'track the held-out sequences and evaluate'):
        metrics = test(cfg, ckpt, osp.join(out, 'metrics.json'))
    with Step(4, total, 'render the annotated video'):
        video = render_video(cfg, ckpt, data_root, out)
    with Step(5, total, 'plot the LWF weights'):
        from mmmtl.visualization import find_scalar_json, plot_loss_weights
        png = osp.join(out, 'lwf_weights.png')
        plot_loss_weights(find_scalar_json(work_dir), png)
    print_table(metrics)
    print(f'\nmetrics : {osp.join(out, "metrics.json")}')
    print(f'video   : {video}')
    print(f'weights : {png}')
    print(f'total   : {time.time() - t0:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
