"""The weight-source rule (one function) and the tools' flags built on it."""
import argparse

import pytest
from mmengine.config import Config

from mmmtl.apis import (
    MODEL_BACKENDS,
    WeightSourceError,
    add_model_args,
    check_weight_source,
    parse_model_args,
)

ONE_SHOT = Config(dict(model=dict(detector=dict(bbox_head=dict(type='X')))))
NO_HEAD = Config(dict(model=dict(detector=dict(type='RetinaNet'))))
NO_DETECTOR = Config(dict(model=dict(type='Tracker')))


@pytest.mark.parametrize('backend', ['pytorch', 'compile'])
def test_pytorch_backends_need_a_checkpoint_or_random_weights(backend):
    check_weight_source(backend, 'a.pth')
    check_weight_source(backend, 'a.pth', allow_partial=True,
                        allow_nonfinite=True)
    check_weight_source(backend, random_weights=True)
    with pytest.raises(WeightSourceError, match='no checkpoint given'):
        check_weight_source(backend)
    with pytest.raises(WeightSourceError, match='exclude each other'):
        check_weight_source(backend, 'a.pth', random_weights=True)
    with pytest.raises(WeightSourceError, match='only read by backend'):
        check_weight_source(backend, 'a.pth', 'm.onnx')


def test_onnxruntime_takes_its_weights_from_the_graph():
    check_weight_source('onnxruntime', onnx_file='m.onnx', config=ONE_SHOT)
    with pytest.raises(WeightSourceError, match='needs an ONNX file'):
        check_weight_source('onnxruntime')
    for extra in (dict(checkpoint='a.pth'), dict(random_weights=True),
                  dict(allow_partial=True), dict(allow_nonfinite=True)):
        with pytest.raises(WeightSourceError, match='takes the weights'):
            check_weight_source('onnxruntime', onnx_file='m.onnx', **extra)


def test_a_backend_the_config_cannot_use():
    with pytest.raises(WeightSourceError, match='bbox_head is missing'):
        check_weight_source('onnxruntime', onnx_file='m.onnx', config=NO_HEAD)
    with pytest.raises(WeightSourceError, match='model.detector'):
        check_weight_source('compile', 'a.pth', config=NO_DETECTOR)
    # pytorch builds whatever model the config names
    check_weight_source('pytorch', 'a.pth', config=NO_DETECTOR)


def test_unknown_backend():
    with pytest.raises(WeightSourceError, match='backend must be one of'):
        check_weight_source('tensorrt', 'a.pth')
    assert issubclass(WeightSourceError, ValueError)


def _parser(**kwargs):
    parser = argparse.ArgumentParser(prog='tool')
    add_model_args(parser, **kwargs)
    return parser


def _parse(parser, argv, capsys):
    args = parser.parse_args(argv)
    with pytest.raises(SystemExit) as info:
        parse_model_args(parser, args)
    assert info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_tool_flags_follow_the_rule(tmp_path, capsys):
    ckpt = tmp_path / 'a.pth'
    ckpt.write_bytes(b'x')
    parser = _parser(checkpoint='either')
    kwargs = parse_model_args(parser, parser.parse_args([str(ckpt)]))
    assert kwargs == dict(checkpoint=str(ckpt), backend='pytorch',
                          onnx_file=None, allow_partial=False,
                          random_weights=False, allow_nonfinite=False)
    assert '--random-weights' in _parse(parser, [], capsys)
    assert 'once' in _parse(
        parser, [str(ckpt), '--checkpoint', str(ckpt)], capsys)
    assert 'not found' in _parse(parser, ['missing.pth'], capsys)
    assert 'takes the weights' in _parse(
        parser, ['--backend', 'onnxruntime', '--onnx', 'm.onnx',
                 '--random-weights'], capsys)
    assert 'm.onnx not found' in _parse(
        parser, ['--backend', 'onnxruntime', '--onnx', 'm.onnx'], capsys)
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'')
    assert 'bad.onnx' in _parse(
        parser, ['--backend', 'onnxruntime', '--onnx', str(bad)], capsys)


def test_backend_choices_come_from_one_constant(capsys):
    parser = _parser()
    action = {a.dest: a for a in parser._actions}['backend']
    assert tuple(action.choices) == MODEL_BACKENDS
    extra = _parser(checkpoint='none', backends=MODEL_BACKENDS + ('x', ),
                    multiple_backends=True)
    assert extra.parse_args(['--backend', 'compile', 'x']).backend == [
        'compile', 'x'
    ]
    dests = {a.dest for a in extra._actions}
    assert not dests & {'checkpoint', 'onnx', 'random_weights'}
    only_pytorch = _parser(checkpoint='positional', backends=None,
                           relax=False)
    dests = {a.dest for a in only_pytorch._actions}
    assert 'backend' not in dests and 'allow_partial' not in dests
