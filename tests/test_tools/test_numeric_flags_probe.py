"""Every numeric flag of every tool refuses 0, -1, nan and a huge value
cleanly unless it documents that value as valid.

The tools are found under ``tools/`` (a tool added later is probed too);
each is imported and its ``parse_args(argv)`` called in-process. The
parser is taken from that call; its numeric flags are those whose
``type`` turns ``'1'``, ``'0.5'`` or ``'0'`` into a number. For each such
flag and each probe value the tool must either

- exit with status 2 and a message naming the flag, without a
  traceback; or
- accept the value, when the flag's type is one of
  :mod:`mmmtl.utils.cli`'s checkers and its documented range
  (``type.range_text``) contains the value.

A plain ``int`` or ``float`` type documents no range, so accepting any
probe value fails.
"""
import argparse
import math
import os
import os.path as osp
from typing import List, Optional

import pytest
from _tool_loader import load_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS_DIR = osp.join(ROOT, 'tools')
PROBES = ('0', '-1', 'nan', '9' * 30)

#: Tools without a parser of their own, and why.
NO_PARSER = {
    # runs mmdet's tools/train.py, whose parser has no numeric flag but
    # --local-rank (set by the launcher)
    'tools/train.py',
}


def _tools() -> List[str]:
    found = []
    for folder, _, files in os.walk(TOOLS_DIR):
        for name in files:
            if name.endswith('.py') and not name.startswith('_'):
                found.append(
                    osp.relpath(osp.join(folder, name), ROOT).replace(
                        os.sep, '/'))
    return sorted(found)


class _Captured(Exception):
    """Raised instead of parsing, carrying the tool's parser."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__()
        self.parser = parser


def _load(rel: str):
    name = 'probe_' + rel[:-3].replace('/', '_')
    return load_tool(*rel.split('/')[1:], name=name)


def _numeric(action: argparse.Action) -> bool:
    """Whether an action's ``type`` makes numbers.

    A checker of :mod:`mmmtl.utils.cli` says so itself (its range may
    exclude every sample value, e.g. ``--opset`` in [7, 20] or ``--shape``
    in [32, 8192]); another type is tried on sample values, its default
    among them.
    """
    kind = action.type
    if kind is None or kind is str or not callable(kind):
        return False
    if kind in (int, float) or hasattr(kind, 'range_text'):
        return True
    default = action.default
    if isinstance(default, (list, tuple)) and default:
        default = default[0]
    samples = ('1', '0.5', '0') + (
        (str(default), ) if isinstance(default, (int, float)) else ())
    for text in samples:
        try:
            value = kind(text)
        except Exception:  # noqa: BLE001  (any refusal: try the next)
            continue
        return isinstance(value, (int, float)) and not isinstance(
            value, bool)
    return False


def _nargs(action: argparse.Action) -> int:
    if isinstance(action.nargs, int):
        return action.nargs
    return 1


def _flag(action: argparse.Action) -> Optional[str]:
    long = [o for o in action.option_strings if o.startswith('--')]
    return (long or action.option_strings or [None])[0]


def _required_argv(parser: argparse.ArgumentParser,
                   skip: argparse.Action) -> List[str]:
    """Placeholder values for the required arguments other than ``skip``.

    Positionals come first (in order), then required options.
    """
    pos, opt = [], []
    for action in parser._actions:
        if action is skip or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            if action.nargs in ('?', '*'):
                continue
            n = _nargs(action) if action.nargs != '+' else 1
            pos += ['probe-placeholder'] * n
        elif action.required:
            opt += [action.option_strings[0]] + ['probe-placeholder'] * (
                _nargs(action))
    return pos + opt


def _parser_of(module, monkeypatch) -> argparse.ArgumentParser:
    original = argparse.ArgumentParser.parse_known_args

    def capture(self, args=None, namespace=None):
        raise _Captured(self)

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_known_args',
                        capture)
    try:
        module.parse_args([])
    except _Captured as c:
        return c.parser
    finally:
        monkeypatch.setattr(argparse.ArgumentParser, 'parse_known_args',
                            original)
    raise AssertionError('parse_args([]) did not parse any argument list')


def _documents(action: argparse.Action, text: str) -> bool:
    """Whether the flag's type documents ``text`` as a valid value."""
    contains = getattr(action.type, 'contains', None)
    if contains is None:
        return False
    value = float(text)
    if math.isfinite(value) and value.is_integer():
        value = int(value)
    return bool(contains(value))


@pytest.mark.parametrize('rel', _tools())
def test_numeric_flags(rel, monkeypatch, capsys):
    if rel in NO_PARSER:
        with open(osp.join(ROOT, rel)) as f:
            assert 'add_argument' not in f.read(), (
                f'{rel} has arguments of its own now; give it '
                'parse_args(argv) and take it out of NO_PARSER')
        return
    module = _load(rel)
    assert callable(getattr(module, 'parse_args', None)), (
        f'{rel} has no parse_args(argv)')
    parser = _parser_of(module, monkeypatch)
    actions = [a for a in parser._actions if _numeric(a)]
    env = dict(os.environ)
    problems = []
    try:
        for action in actions:
            flag = _flag(action)
            names = action.option_strings or [action.metavar or action.dest]
            for text in PROBES:
                head = _required_argv(parser, action)
                values = [text] * _nargs(action)
                if flag is None:  # a numeric positional
                    argv = values + head
                elif len(values) == 1:  # '=' so that '-1' is a value
                    argv = head + [f'{flag}={text}']
                else:
                    argv = head + [flag, *values]
                what = f'{rel} {flag or names[0]} {text}'
                try:
                    module.parse_args(argv)
                except SystemExit as e:
                    err = capsys.readouterr().err
                    # the message, not the usage line (which lists every
                    # flag)
                    message = ' '.join(
                        line for line in err.splitlines()
                        if ': error: ' in line)
                    if 'Traceback' in err:
                        problems.append(f'{what}: traceback')
                    elif e.code != 2:
                        problems.append(f'{what}: exit status {e.code}')
                    elif not any(n in message for n in names):
                        # refused by a later check of the placeholders:
                        # the value itself must then be a valid one
                        if not _documents(action, text):
                            problems.append(
                                f'{what}: error does not name the flag: '
                                f'{err.strip().splitlines()[-1:]}')
                    continue
                except Exception as e:  # noqa: BLE001
                    problems.append(f'{what}: {type(e).__name__}: {e}')
                    continue
                capsys.readouterr()
                if not _documents(action, text):
                    problems.append(
                        f'{what}: accepted, but the flag\'s type '
                        f'({getattr(action.type, "__name__", action.type)}'
                        ') does not document it as valid; use a checker '
                        'of mmmtl.utils.cli')
    finally:
        os.environ.clear()
        os.environ.update(env)
    assert not problems, '\n'.join(problems)


def test_probe_finds_the_numeric_flags(monkeypatch):
    """The probe sees the flags it must: eval_mot's IoU threshold and the
    generator's counts (a probe that finds nothing passes everything)."""
    flags = {}
    for rel in ('tools/eval_mot.py', 'tools/misc/gen_synthetic_mot.py'):
        parser = _parser_of(_load(rel), monkeypatch)
        flags[rel] = {_flag(a) for a in parser._actions if _numeric(a)}
    assert '--iou-thr' in flags['tools/eval_mot.py']
    assert {'--frames', '--num-seqs', '--scale', '--people-scale',
            '--size'} <= flags['tools/misc/gen_synthetic_mot.py']


def test_probe_finds_flags_whose_range_excludes_0_and_1(monkeypatch):
    """Flags whose range holds none of 1, 0.5 and 0 (``--opset`` in
    [7, 20], ``--shape`` in [32, 8192], ``--calib-percentile`` in
    (50, 100]) are numeric flags too; the probe used to skip them."""
    parser = _parser_of(_load('tools/deployment/export_onnx.py'),
                        monkeypatch)
    found = {_flag(a) for a in parser._actions if _numeric(a)}
    assert {'--opset', '--shape', '--calib-percentile'} <= found
