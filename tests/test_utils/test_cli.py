import argparse
import math

import pytest

from mmmtl.utils import (
    MAX_INT,
    bounded_float,
    bounded_int,
    finite_float,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    probability,
    unit_interval,
)


@pytest.mark.parametrize('check, good, bad', [
    (positive_int, ['1', '7', str(MAX_INT)],
     ['0', '-1', '1.5', 'nan', 'inf', 'abc', '', str(MAX_INT + 1)]),
    (nonnegative_int, ['0', '3'], ['-1', 'nan', '2.0', '9' * 30]),
    (positive_float, ['1e-6', '2.5', '1e9'],
     ['0', '-0.1', 'nan', 'inf', '-inf', '1e30']),
    (nonnegative_float, ['0', '0.5'], ['-1e-9', 'nan', 'inf', '1e30']),
    (unit_interval, ['1', '0.5', '1e-9'], ['0', '1.5', '-1', 'nan', 'inf']),
    (probability, ['0', '1', '0.3'], ['1.0001', '-0.1', 'nan', 'inf']),
    (finite_float, ['0', '-1e300', '1e300'], ['nan', 'inf', '-inf', 'x']),
])
def test_range_types(check, good, bad):
    for text in good:
        value = check(text)
        assert check.contains(value)
        assert value == float(text)
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError) as err:
            check(text)
        # The message states the range so the user knows what to type.
        assert check.range_text in str(err.value)
        assert repr(text) in str(err.value)


def test_kinds_and_messages():
    assert type(positive_int('3')) is int
    assert type(unit_interval('1')) is float
    assert positive_int.range_text == f'an integer in [1, {MAX_INT}]'
    assert unit_interval.range_text == 'a finite number in (0, 1]'
    assert probability.range_text == 'a finite number in [0, 1]'
    assert finite_float.range_text == 'a finite number'
    assert not finite_float.contains(math.nan)
    assert not positive_int.contains(True)


def test_bounded_factories():
    size = bounded_int(16, 8192)
    assert size('16') == 16
    with pytest.raises(argparse.ArgumentTypeError, match=r'\[16, 8192\]'):
        size('8193')
    ratio = bounded_float(0, 1, high_open=True)
    assert ratio('0') == 0.0
    with pytest.raises(argparse.ArgumentTypeError, match=r'\[0, 1\)'):
        ratio('1')
    with pytest.raises(ValueError, match='empty range'):
        bounded_int(5, 1)


def test_argparse_error_names_the_flag(capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument('--iou-thr', type=unit_interval, default=0.5)
    assert parser.parse_args(['--iou-thr', '1']).iou_thr == 1.0
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(['--iou-thr', 'nan'])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert 'argument --iou-thr: must be a finite number in (0, 1]' in err
    assert 'Traceback' not in err


def test_quiet_third_party_warnings():
    import warnings

    from mmmtl.utils import quiet_third_party_warnings
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        quiet_third_party_warnings()
        for message, category, module in (
                ('pkg_resources is deprecated as an API', UserWarning,
                 'mmengine.utils.package_utils'),
                ('old API', DeprecationWarning, 'torch.storage'),
                ('will change', FutureWarning, 'mmdet.models'),
                ('our own', DeprecationWarning, 'mmmtl.evaluation'),
                ('the tool', FutureWarning, '__main__'),
                ('a bad input', UserWarning, 'mmengine.config')):
            warnings.warn_explicit(message, category, 'f.py', 1,
                                   module=module)
    assert [str(w.message) for w in seen] == [
        'our own', 'the tool', 'a bad input'
    ]
