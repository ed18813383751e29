"""tools/analysis_tools/run_ablation.py: tables, resumption, configs."""
import importlib.util
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'run_ablation.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('run_ablation', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_result(tool, args, config, seed, mota, weights=None):
    run_dir = tool.run_dir_of(args, config, seed)
    os.makedirs(run_dir, exist_ok=True)
    with open(osp.join(run_dir, 'result.json'), 'w') as f:
        json.dump(
            dict(
                config=config,
                seed=seed,
                metrics={
                    'motchallenge-metric/MOTA': mota,
                    'motchallenge-metric/IDF1': mota / 2,
                    'motchallenge-metric/HOTA': 50.0
                },
                final_weights=weights or {}), f)


def test_every_row_is_a_config_that_loads(tool):
    configs = {c for t in tool.TABLES.values() for _, c, _ in t['rows']}
    assert len(configs) >= 22
    for config in configs:
        cfg = Config.fromfile(osp.join(ROOT, config))
        assert cfg.model.type == 'OneShotMOT', config
        assert cfg.train_cfg.type == 'IterBasedTrainLoop', config


def test_finished_runs_are_skipped_and_the_table_has_mean_and_spread(
        tool, tmp_path, monkeypatch):
    args = tool.parse_args(['heads', '--out', str(tmp_path), '--iters', '7'])
    rows = tool.TABLES['heads']['rows']
    for i, (_, config, _) in enumerate(rows):
        fake_result(tool, args, config, 0, 70.0)
        if i > 0:  # the first row has one seed only
            fake_result(tool, args, config, 1, 80.0,
                        dict(cls=1.0, reg=0.5, reid=2.0))
    calls = []
    monkeypatch.setattr(tool, 'make_data', lambda *a: None)
    monkeypatch.setattr(
        tool, 'run_child',
        lambda config, seed, *a: calls.append((config, seed)) or 1)
    assert tool.run_tables(args) == 1  # the one missing run failed
    assert calls == [(rows[0][1], 1)]  # the missing seed of row 1
    first = tool.run_dir_of(args, rows[0][1], 1)
    assert osp.isfile(osp.join(first, 'error.txt'))
    text = open(osp.join(str(tmp_path), 'heads.md')).read()
    assert '75.0 ± 7.1 [70.0, 80.0]' in text  # sample sd of 70 and 80
    assert '70.0 (1 seed) [70.0]' in text
    assert '1.00/0.50/2.00' in text
    assert 'run_ablation.py heads --seeds 0 1 --iters 7' in text
    # a second pass with every result present runs nothing
    fake_result(tool, args, rows[0][1], 1, 80.0)
    calls.clear()
    assert tool.run_tables(args) == 0 and calls == []


def test_unknown_table_is_named(tool):
    with pytest.raises(SystemExit):
        tool.parse_args(['nope'])
