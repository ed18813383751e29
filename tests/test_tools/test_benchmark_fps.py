"""The FPS benchmark on two tiny OneShotMOT configs, one iteration."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from torch.nn.modules.batchnorm import _BatchNorm

from mmmtl.testing import tiny_mot_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_tool():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark_fps.py')
    spec = importlib.util.spec_from_file_location('benchmark_fps', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_config(path, head):
    cfg = tiny_mot_cfg(head, scale=(1088, 608))
    # Must not be downloaded: the benchmark uses random weights.
    cfg['model']['detector']['backbone']['init_cfg'] = dict(
        type='Pretrained', checkpoint='torchvision://resnet18')
    Config(cfg).dump(path)
    return path


def test_benchmark_two_configs(tmp_path):
    config_a = _write_config(str(tmp_path / 'a.py'), 'TripleBranchHead')
    config_b = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    out = str(tmp_path / 'res' / 'fps.json')
    tool = _load_tool()
    results = tool.main([
        config_a, config_b, '--shape', '64', '96', '--warmup', '1',
        '--iters', '1', '--max-boxes', '5', '--num-targets', '3', '--out',
        out
    ])
    with open(out) as f:
        saved = json.load(f)
    assert saved == json.loads(json.dumps(results))
    assert saved['shape'] == [64, 96] and saved['iters'] == 1
    for name, config in (('A', config_a), ('B', config_b)):
        r = saved[name]
        assert r['config'] == config
        assert r['params_m'] > 0
        for kind in ('detector', 'end_to_end'):
            assert r[kind]['fps'] > 0
        # The pinned test_cfg keeps exactly --max-boxes boxes, and the
        # opened tracker gates let the tracker report tracks.
        assert r['detector']['boxes_mean'] == 5
        assert 0 < r['end_to_end']['boxes_mean'] <= 5
    ratio = saved['ratio_b_over_a']
    assert ratio['detector'] == pytest.approx(
        saved['B']['detector']['fps'] / saved['A']['detector']['fps'])
    assert ratio['end_to_end'] == pytest.approx(
        saved['B']['end_to_end']['fps'] / saved['A']['end_to_end']['fps'])


def test_config_without_nms_is_refused(tmp_path):
    config = _write_config(str(tmp_path / 'a.py'), 'CEHead')
    cfg = Config.fromfile(config)
    del cfg.model.detector.test_cfg['nms']
    cfg.dump(config)
    tool = _load_tool()
    with pytest.raises(KeyError, match='a.py'):
        tool.main([config, config, '--shape', '64', '96', '--iters', '1',
                   '--warmup', '0'])



def test_fuse_conv_bn_keeps_outputs(tmp_path):
    """--fuse-conv-bn folds every BatchNorm and leaves the boxes unchanged."""
    config = _write_config(str(tmp_path / 'b.py'), 'CEHead')
    tool = _load_tool()
    common = [config, config, '--shape', '64', '96', '--max-boxes', '5']
    models = {}
    for fuse in (False, True):
        torch.manual_seed(0)  # the same random weights for both
        args = tool.parse_args(common + ['--fuse-conv-bn'] * fuse)
        models[fuse] = tool.build_model(config, args)
    num_bn = {
        fuse: sum(isinstance(m, _BatchNorm) for m in model.modules())
        for fuse, model in models.items()
    }
    assert num_bn[False] > 0 and num_bn[True] == 0
    frames, _ = tool.generate_sequence(1, (96, 64), seed=0, num_targets=3)
    batch = tool.prepare_frames(models[False], frames)[0]
    outputs = {}
    for fuse, model in models.items():
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            outputs[fuse] = model.detector.predict(
                data['inputs'][:, 0], [data['data_samples'][0][0]],
                rescale=True)[0].pred_instances
    assert len(outputs[True]) == len(outputs[False]) == 5
    torch.testing.assert_close(
        outputs[True].bboxes, outputs[False].bboxes, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(
        outputs[True].scores, outputs[False].scores, rtol=1e-4, atol=1e-5)
