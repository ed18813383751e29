"""Every shipped dataset config, end to end, on its benchmark profile.

For each of MOT16, MOT17 and MOT20: a small benchmark-shaped data set
(``write_benchmark``), the converter (half split, identities numbered
across sequences), a few training iterations of the shipped CE + LWF
config with only ``data_root`` and the model's widths changed, a test
through the runner that writes MOTChallenge files, and the official
TrackEval evaluation (``MotChallenge2DBox``) of those files against the
benchmark's own ground truth (the converter's ``half-val_gt``, distractors
and zero-marked rows included): the runner's numbers must equal it. The
test-server config of the benchmark is then run on the test split with the
trained weights: one submission file per test folder (MOT17: each
detector copy).
"""
import dataclasses
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import trackeval
from mmengine.config import Config
from mmengine.runner import Runner

from mmmtl.datasets import (
    convert_mot_to_coco,
    get_profile,
    write_benchmark,
)
from mmmtl.formats import (
    read_mot_class_results,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
    write_mot_gt,
)
from mmmtl.testing import shrink_mot_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LWF = osp.join(REPO, 'configs', 'lwf')
_CFG = 'ce-lwf_retinanet_r50_fpn_2xb4-100e_{}.py'

# profile: (benchmark, sequences, evaluated config, test-server config,
# size factor, network input (W, H)); MOT20's people are small, so its
# frames are larger and not shrunk further for the network
CASES = dict(
    mot17=('MOT17', ['MOT17-05', 'MOT17-09', 'MOT17-06'],
           'mot17halftrain_test-mot17halfval', 'mot17train_test-mot17test',
           0.125, (160, 96)),
    mot16=('MOT16', ['MOT16-05', 'MOT16-09', 'MOT16-06'],
           'mot16halftrain_test-mot16halfval', 'mot16train_test-mot16test',
           0.125, (160, 96)),
    mot20=('MOT20', ['MOT20-01', 'MOT20-06'], None,
           'mot20train_test-mot20test', 1 / 6, (320, 192)),
)


def official_trackeval(gt_folder: str, trackers_folder: str,
                       benchmark: str, seqs) -> dict:
    """TrackEval's MotChallenge2DBox on MOTChallenge files, combined."""
    seqmap = osp.join(trackers_folder, 'official_seqmap.txt')
    with open(seqmap, 'w') as f:
        f.write('\n'.join(['name'] + sorted(seqs)) + '\n')
    ev = trackeval.Evaluator(
        dict(trackeval.Evaluator.get_default_eval_config(),
             PRINT_RESULTS=False, PRINT_CONFIG=False,
             OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False,
             PLOT_CURVES=False, DISPLAY_LESS_PROGRESS=True,
             USE_PARALLEL=False))
    dataset = trackeval.datasets.MotChallenge2DBox(
        dict(trackeval.datasets.MotChallenge2DBox.get_default_dataset_config(),
             GT_FOLDER=gt_folder, TRACKERS_FOLDER=trackers_folder,
             TRACKERS_TO_EVAL=['default-tracker'], TRACKER_SUB_FOLDER='',
             SKIP_SPLIT_FOL=True, SEQMAP_FILE=seqmap, BENCHMARK=benchmark,
             PRINT_CONFIG=False, OUTPUT_FOLDER=trackers_folder))
    metrics = [trackeval.metrics.HOTA(dict(PRINT_CONFIG=False)),
               trackeval.metrics.CLEAR(dict(PRINT_CONFIG=False)),
               trackeval.metrics.Identity(dict(PRINT_CONFIG=False))]
    res, _ = ev.evaluate([dataset], metrics)
    comb = res['MotChallenge2DBox']['default-tracker']['COMBINED_SEQ'][
        'pedestrian']
    return dict(
        HOTA=100 * float(np.mean(comb['HOTA']['HOTA'])),
        MOTA=100 * comb['CLEAR']['MOTA'], IDF1=100 * comb['Identity']['IDF1'],
        FP=comb['CLEAR']['CLR_FP'], FN=comb['CLEAR']['CLR_FN'],
        IDS=comb['CLEAR']['IDSW'], TP=comb['CLEAR']['CLR_TP'])


def expected_identities(root: str, benchmark: str, half: bool) -> int:
    """Training pedestrians (class 1, conf 1) over all training videos,
    one copy of each MOT17 video, counted from the gt files."""
    total = 0
    for name in sorted(os.listdir(osp.join(root, 'train'))):
        if benchmark == 'MOT17' and not name.endswith('-FRCNN'):
            continue
        seq = osp.join(root, 'train', name)
        gt = read_mot_gt(osp.join(seq, 'gt', 'gt.txt'), benchmark=benchmark)
        last = read_seqinfo(seq).seq_length
        last = last // 2 + 1 if half else last
        keep = (gt[:, 0] <= last) & (gt[:, 6] == 1) & (gt[:, 7] == 1)
        total += len(np.unique(gt[keep, 1]))
    return total


def _metric(metrics: dict, key: str) -> float:
    matches = [v for k, v in metrics.items() if k.split('/')[-1] == key]
    assert len(matches) == 1, (key, sorted(metrics))
    return matches[0]


def assert_equal_official(metrics: dict, official: dict) -> None:
    for key in ('FP', 'FN', 'IDS'):
        assert _metric(metrics, key) == official[key], (key, metrics,
                                                         official)
    for key in ('HOTA', 'MOTA', 'IDF1'):
        assert abs(_metric(metrics, key) - official[key]) <= 0.05, (
            key, metrics, official)


def _runner(cfg: Config, name: str) -> Runner:
    cfg.experiment_name = name
    return Runner.from_cfg(cfg)


def _keep_all_boxes(cfg: Config) -> None:
    """Track every box of the barely trained model.

    A few iterations leave every score near the focal prior (0.01); with
    zero thresholds the tracker still outputs boxes on people, distractors
    and background, so the evaluation has matches, false positives and
    removed distractor matches to count.
    """
    cfg.model.detector.test_cfg.update(score_thr=0.0, max_per_img=100)
    cfg.model.tracker.update(obj_score_thr=0.0, init_track_thr=0.0)


@pytest.mark.parametrize('profile', sorted(CASES))
def test_profile_end_to_end(profile, tmp_path):
    benchmark, seqs, eval_cfg, server_cfg, scale, img_scale = CASES[profile]
    root = str(tmp_path / benchmark) + '/'
    # three times the profile's distractors, so that some of the barely
    # trained model's boxes land on them
    prof = get_profile(profile)
    prof = dataclasses.replace(
        prof, roles={c: 3 * f for c, f in prof.roles.items()})
    written = write_benchmark(root, prof, seed=1, scale=scale, frames=10,
                              sequences=seqs, workers=1)
    summary = convert_mot_to_coco(root, root + 'annotations')
    train_subset = 'half-train' if eval_cfg else 'train'
    num_ids = summary[train_subset]['num_identities']
    # identities numbered across videos, one MOT17 copy, pedestrians only
    assert num_ids == expected_identities(root, benchmark,
                                          bool(eval_cfg)) > 0

    cfg = Config.fromfile(osp.join(LWF, _CFG.format(eval_cfg or server_cfg)))
    assert num_ids <= cfg.num_identities  # the config's bound holds
    shrink_mot_config(cfg, root, num_ids, str(tmp_path / 'work'), img_scale)
    _runner(cfg, f'{profile}-train').train()
    ckpt = str(tmp_path / 'work' / 'iter_2.pth')
    assert osp.isfile(ckpt)

    # evaluated split: the dataset's test loader (half-val); MOT20 ships
    # only a test-server config, whose half-val validation is checked
    out = str(tmp_path / 'eval')
    test_cfg = cfg.copy()
    if not eval_cfg:
        test_cfg.test_dataloader = test_cfg.val_dataloader
        test_cfg.test_evaluator = test_cfg.val_evaluator
    test_cfg.test_evaluator.outfile_prefix = out
    test_cfg.load_from = ckpt
    _keep_all_boxes(test_cfg)
    metrics = _runner(test_cfg, f'{profile}-test').test()
    val_seqs = sorted(os.listdir(osp.join(out, 'default-tracker')))
    assert val_seqs == sorted(
        f'{n}.txt' for n in os.listdir(root + 'annotations/half-val_gt'))
    official = official_trackeval(root + 'annotations/half-val_gt', out,
                                  benchmark, [s[:-4] for s in val_seqs])
    assert_equal_official(metrics, official)
    # the case under test happened: boxes matched, false positives, and
    # predictions on distractors removed (neither TP nor FP)
    num_pred = sum(
        len(read_mot_results(osp.join(out, 'default-tracker', s)))
        for s in val_seqs)
    assert official['TP'] > 0 and official['FP'] > 0
    assert num_pred > official['TP'] + official['FP']

    # test server: all test folders (every detector copy) get a file
    srv = Config.fromfile(osp.join(LWF, _CFG.format(server_cfg)))
    shrink_mot_config(srv, root, num_ids, str(tmp_path / 'work-srv'),
                      img_scale)
    srv_out = str(tmp_path / 'server')
    srv.test_evaluator.outfile_prefix = srv_out
    srv.load_from = ckpt
    assert srv.test_evaluator.format_only
    _runner(srv, f'{profile}-server').test()
    test_dirs = sorted(osp.basename(d) for d in written if '/test/' in d)
    files = sorted(os.listdir(osp.join(srv_out, 'default-tracker')))
    assert files == [f'{d}.txt' for d in test_dirs]
    for d in test_dirs:
        info = read_seqinfo(osp.join(root, 'test', d))
        read_mot_results(osp.join(srv_out, 'default-tracker', f'{d}.txt'),
                         info.seq_length)


def _split_by_class(gt_folder: str, out_root: str, cls: int) -> str:
    """Ground truth of one class as MOTChallenge pedestrians."""
    out = osp.join(out_root, f'official-gt-{cls}')
    for name in sorted(os.listdir(gt_folder)):
        gt = read_mot_gt(osp.join(gt_folder, name, 'gt', 'gt.txt'))
        gt = gt[gt[:, 7] == cls]
        gt[:, 7] = 1
        os.makedirs(osp.join(out, name, 'gt'))
        write_mot_gt(osp.join(out, name, 'gt', 'gt.txt'), gt)
        shutil.copy(osp.join(gt_folder, name, 'seqinfo.ini'),
                    osp.join(out, name))
    return out


def test_custom_multiclass_end_to_end(tmp_path):
    """Pedestrians and cars: one detector, tracked and evaluated per class.

    Per class, the runner's numbers equal official TrackEval of the class's
    result files against the class's rows of the converter's original
    ground truth; the combined numbers equal TrackEval over all classes'
    files together (detection-averaged: every box counts once).
    """
    root = str(tmp_path / 'custom') + '/'
    write_benchmark(root, 'custom', seed=0, scale=1 / 4, frames=12,
                    workers=1)
    summary = convert_mot_to_coco(root, root + 'annotations',
                                  reid_classes=(1, 3))
    num_ids = summary['half-train']['num_identities']
    gt = read_mot_gt(osp.join(root, 'train', 'CUSTOM-01', 'gt', 'gt.txt'))
    assert {1, 3} <= set(gt[:, 7].astype(int))
    # the cars have identities of their own, beside the pedestrians'
    # (one embedding space; half-train: the first 7 of 12 frames)
    ids = {c: 0 for c in (1, 3)}
    for name in ('CUSTOM-01', 'CUSTOM-02'):
        rows = read_mot_gt(osp.join(root, 'train', name, 'gt', 'gt.txt'))
        rows = rows[(rows[:, 0] <= 7) & (rows[:, 6] == 1)]
        for c in ids:
            ids[c] += len(np.unique(rows[rows[:, 7] == c, 1]))
    assert ids[3] > 0 and num_ids == ids[1] + ids[3]
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'custom',
        'ce-lwf_retinanet_r50_fpn_2xb4-100e_customhalftrain_test-'
        'customhalfval.py'))
    # enough training for boxes of the right shape per class
    shrink_mot_config(cfg, root, num_ids, str(tmp_path / 'work'),
                      (320, 192), max_iters=20)
    cfg.optim_wrapper.optimizer.lr = 2e-3
    assert cfg.model.detector.bbox_head.num_classes == 2
    _runner(cfg, 'custom-train').train()
    out = str(tmp_path / 'eval')
    cfg.test_evaluator.outfile_prefix = out
    cfg.load_from = str(tmp_path / 'work' / 'iter_20.pth')
    _keep_all_boxes(cfg)
    metrics = _runner(cfg, 'custom-test').test()
    gt_folder = root + 'annotations/half-val_gt'
    seqs = sorted(os.listdir(gt_folder))
    for name, cls in (('pedestrian', 1), ('car', 3)):
        official = official_trackeval(
            _split_by_class(gt_folder, str(tmp_path), cls),
            osp.join(out, name), 'MOT17', seqs)
        # boxes of each class were tracked and matched its ground truth
        assert official['FP'] > 0, (name, official)
        assert official['TP'] > 0, (name, official)
        assert_equal_official(
            {k[:-len(name) - 1]: v for k, v in metrics.items()
             if k.endswith('_' + name)}, official)
    # one result file per sequence with every class, read back by class
    for seq in seqs:
        rows, classes = read_mot_class_results(
            osp.join(out, 'classes', f'{seq}.txt'))
        assert set(classes.tolist()) == {1, 3}
        # per-class tracks: no identity is shared by a car and a person
        ids = {c: set(rows[classes == c, 1].tolist()) for c in (1, 3)}
        assert ids[1] and ids[3] and not ids[1] & ids[3], ids
    combined = official_trackeval(
        osp.join(out, 'all', 'gt'), osp.join(out, 'all'), 'MOT17',
        [f'{s}-{c}' for s in seqs for c in ('pedestrian', 'car')])
    assert_equal_official(
        {k: v for k, v in metrics.items()
         if not k.endswith(('_pedestrian', '_car'))}, combined)
