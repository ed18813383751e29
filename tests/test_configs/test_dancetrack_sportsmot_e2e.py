"""DanceTrack and SportsMOT configs, end to end, on their profiles.

As for MOT16/17/20 (``test_benchmark_profiles_e2e.py``): a few sequences
of the benchmark-shaped synthetic set (two training videos and one of the
``val`` folder, which holds ground truth), the converter (``train`` and
``val`` subsets, identities numbered across videos), two training
iterations of the shipped CE + LWF config with only ``data_root`` and the
model's widths changed, a test on ``val`` through the runner that writes
MOTChallenge files, and the official TrackEval on those files against
the ``val`` folder itself: the runner's numbers must equal it.
"""
import json
import os
import os.path as osp
import runpy

import numpy as np
import pytest
from mmengine.config import Config
from test_benchmark_profiles_e2e import (
    _keep_all_boxes,
    _runner,
    assert_equal_official,
    official_trackeval,
)

from mmmtl.datasets import convert_mot_to_coco, write_benchmark
from mmmtl.formats import (
    BENCHMARK_FRAME_RATES,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
)
from mmmtl.testing import shrink_mot_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_CFG = ('configs/{0}/ce-lwf_retinanet_r50_fpn_2xb4-100e_{0}train_test-'
        '{0}val.py')

# profile: (benchmark, training sequences, validation sequence, image
# name digits)
CASES = dict(
    dancetrack=('DanceTrack', ['dancetrack0001', 'dancetrack0002'],
                'dancetrack0004', 8),
    sportsmot=('SportsMOT', ['v_-6Os86HzwCs_c001', 'v_-6Os86HzwCs_c003'],
               'v_00HRwkvvjtQ_c001', 6),
)


@pytest.mark.parametrize('profile', sorted(CASES))
def test_profile_end_to_end(profile, tmp_path):
    benchmark, train_seqs, val_seq, digits = CASES[profile]
    root = str(tmp_path / benchmark) + '/'
    write_benchmark(root, profile, seed=1, scale=1 / 8, frames=10,
                    sequences=train_seqs + [val_seq], workers=1)
    # the benchmark's layout: train and val folders with ground truth,
    # its frame rate and frame names
    val_dir = osp.join(root, 'val', val_seq)
    assert osp.isfile(osp.join(val_dir, 'gt', 'gt.txt'))
    info = read_seqinfo(val_dir)
    assert info.frame_rate == BENCHMARK_FRAME_RATES[benchmark]
    assert sorted(os.listdir(osp.join(val_dir, 'img1')))[0] == (
        '1'.zfill(digits) + '.jpg')
    summary = convert_mot_to_coco(root, root + 'annotations',
                                  split_train=False)
    assert sorted(summary) == ['train', 'val']
    num_ids = summary['train']['num_identities']
    expected = sum(
        len(np.unique(read_mot_gt(osp.join(root, 'train', s, 'gt',
                                           'gt.txt'))[:, 1]))
        for s in train_seqs)
    assert num_ids == expected > 0

    cfg = Config.fromfile(osp.join(REPO, _CFG.format(profile)))
    assert num_ids <= cfg.num_identities
    assert cfg.test_evaluator.benchmark == benchmark
    shrink_mot_config(cfg, root, num_ids, str(tmp_path / 'work'))
    assert cfg.test_evaluator.gt_root == root + 'val'
    _runner(cfg, f'{profile}-train').train()
    ckpt = str(tmp_path / 'work' / 'iter_2.pth')
    assert osp.isfile(ckpt)

    out = str(tmp_path / 'eval')
    cfg.test_evaluator.outfile_prefix = out
    cfg.load_from = ckpt
    _keep_all_boxes(cfg)
    metrics = _runner(cfg, f'{profile}-test').test()
    files = sorted(os.listdir(osp.join(out, 'default-tracker')))
    assert files == [f'{val_seq}.txt']
    official = official_trackeval(root + 'val', out, benchmark, [val_seq])
    assert_equal_official(metrics, official)
    rows = read_mot_results(osp.join(out, 'default-tracker', files[0]),
                            info.seq_length)
    assert official['TP'] > 0 and len(rows) > 0
    # the offline evaluator takes the benchmark and its val folder
    eval_mot = runpy.run_path(osp.join(REPO, 'tools', 'eval_mot.py'))['main']
    out_json = str(tmp_path / 'metrics.json')
    assert eval_mot(['--gt-root', root + 'val', '--results',
                     osp.join(out, 'default-tracker'), '--benchmark',
                     benchmark, '--json', out_json]) == 0
    with open(out_json) as f:
        overall = json.load(f)['tables']['trackeval']['OVERALL']
    assert (overall['FP'], overall['FN'], overall['IDS']) == (
        official['FP'], official['FN'], official['IDS'])
