"""Detection caches from a test run, replay and tuning on them."""
import copy
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmmtl.apis import (
    build_test_runner,
    load_checked_cache,
    replay_tracker,
    tune_tracker,
)
from mmmtl.datasets import (
    SynthMOTData,
    configure_synthmot,
    make_synthmot_data,
)
from mmmtl.formats import cache_path, load_detection_cache

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


def tiny_cfg(data_root: str, work_dir: str, held_out='synthmot-test'):
    """The quickstart config on tiny data. Random weights score every box
    near the focal prior (~0.01), so the detector keeps every box and the
    tracker takes them: the tracker sees a full, non-trivial input."""
    cfg = configure_synthmot(Config.fromfile(QUICKSTART), data_root,
                             work_dir, seed=0, held_out=held_out)
    cfg.model.detector.test_cfg.score_thr = 0.
    cfg.model.detector.test_cfg.max_per_img = 20
    cfg.model.tracker.obj_score_thr = 0.
    cfg.model.tracker.init_track_thr = 0.
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.default_hooks.logger.interval = 1000
    return cfg


@pytest.fixture(scope='module')
def cached_run(tmp_path_factory):
    """A test run with --save-detections on two held-out sequences."""
    tmp = tmp_path_factory.mktemp('replay')
    data_root = str(tmp / 'data')
    make_synthmot_data(
        data_root,
        SynthMOTData(train_seqs=1, test_seqs=2, frames=6, test_frames=10,
                     val_seqs=1),
        seed=0, verbose=False)
    cfg = tiny_cfg(data_root, str(tmp / 'work'))
    cache = str(tmp / 'cache')
    run_cfg = copy.deepcopy(cfg)
    run_cfg.test_evaluator.outfile_prefix = str(tmp / 'test_files')
    metrics = build_test_runner(
        run_cfg, random_weights=True, save_detections=cache).test()
    return cfg, cache, metrics, data_root, tmp


def test_the_cache_holds_every_frame_of_every_sequence(cached_run):
    cfg, cache, _, data_root, _ = cached_run
    seqs = load_checked_cache(cfg, cache,
                              osp.join(data_root, 'synthmot-test', 'train'))
    assert [s.name for s in seqs] == ['TEST-01', 'TEST-02']
    for s in seqs:
        assert s.num_frames == 10 and s.embed_dim == 64
        assert s.embeds.dtype == np.float32
        assert s.meta['frame_size'] == [320, 192]
        assert s.meta['frame_rate'] == 30.
        assert len(s.meta['img_paths']) == 10
        assert all(osp.isfile(p) for p in s.meta['img_paths'])
        assert s.scores.size > 10 * 5  # the tracker had work to do


def test_replay_gives_exactly_the_test_runs_numbers(cached_run):
    cfg, cache, metrics, _, tmp = cached_run
    # a non-trivial run: the tracker output many tracks
    assert metrics['motchallenge-metric/FP'] > 20
    result = replay_tracker(cfg, cache, outfile_prefix=str(tmp / 'replay'))
    assert result.metrics == pytest.approx(metrics, rel=0, abs=0)
    # and the same tracks, box for box and id for id
    for seq in ('TEST-01', 'TEST-02'):
        live = (tmp / 'test_files' / 'default-tracker' / f'{seq}.txt')
        replayed = (tmp / 'replay' / 'default-tracker' / f'{seq}.txt')
        assert live.read_text() == replayed.read_text()
        assert len(live.read_text().splitlines()) > 20
    assert result.num_frames == 20
    assert set(result.per_sequence['trackeval'].index) == {
        'TEST-01', 'TEST-02', 'OVERALL'
    }


def test_replay_follows_the_tracker_keys(cached_run):
    cfg, cache, metrics, _, _ = cached_run
    other = copy.deepcopy(cfg)
    other.model.tracker.init_track_thr = 0.5  # above every random score
    changed = replay_tracker(other, cache).metrics
    assert changed['motchallenge-metric/FP'] == 0 < metrics[
        'motchallenge-metric/FP']


def test_replay_refuses_a_cache_of_another_model(cached_run):
    cfg, cache, _, _, _ = cached_run
    wide = copy.deepcopy(cfg)
    wide.model.detector.bbox_head.embed_channels = 128
    with pytest.raises(ValueError, match='TEST-01.npz: embeddings of width '
                       '64, but the config'):
        replay_tracker(wide, cache)


def test_replay_refuses_the_ground_truth_of_another_split(cached_run):
    cfg, cache, _, data_root, _ = cached_run
    with pytest.raises(ValueError, match='not in the ground truth'):
        replay_tracker(cfg, cache,
                       gt_root=osp.join(data_root, 'synthmot-val', 'train'))


def test_tuning_resumes_from_its_storage_and_reports_apart(cached_run):
    cfg, cache, _, data_root, tmp = cached_run
    val_cache = str(tmp / 'val_cache')
    if not osp.isdir(val_cache):
        vcfg = tiny_cfg(data_root, str(tmp / 'work_val'),
                        held_out='synthmot-val')
        build_test_runner(vcfg, random_weights=True,
                          save_detections=val_cache).test()
    space = dict(init_track_thr=['float', 0.0, 0.05],
                 track_buffer=['int', 5, 60])
    storage = f'sqlite:///{tmp}/trials.db'
    first = tune_tracker(cfg, val_cache, n_trials=3, seed=0, space=space,
                         storage=storage, study_name='s')
    assert len(first.trials) == 3
    # an interrupted sweep (3 of 5 done) runs only the 2 missing trials
    again = tune_tracker(cfg, val_cache, n_trials=5, seed=0, space=space,
                         storage=storage, study_name='s',
                         report_cache=cache)
    assert len(again.trials) == 5
    assert [t['params'] for t in again.trials[:3]] == \
        [t['params'] for t in first.trials]
    assert again.best_value >= first.best_value
    assert set(again.report) == {'default', 'tuned'}
    # seeded: a fresh study with the same seed draws the same keys
    fresh = tune_tracker(cfg, val_cache, n_trials=3, seed=0, space=space)
    assert [t['params'] for t in fresh.trials] == \
        [t['params'] for t in first.trials]
    with pytest.raises(ValueError, match='is the validation cache'):
        tune_tracker(cfg, val_cache, n_trials=1, space=space,
                     report_cache=val_cache)


def test_a_truncated_cache_file_stops_the_replay_naming_it(cached_run):
    cfg, cache, _, _, tmp = cached_run
    bad = str(tmp / 'bad_cache')
    os.makedirs(bad, exist_ok=True)
    for s in load_detection_cache(cache):
        data = open(cache_path(cache, s.name), 'rb').read()
        with open(cache_path(bad, s.name), 'wb') as f:
            f.write(data if s.name != 'TEST-02' else data[:100])
    with pytest.raises(ValueError, match='TEST-02.npz: unreadable'):
        replay_tracker(cfg, bad)
