"""mmmtl.utils.stats: the paired difference's Student-t interval."""
import math

import pytest

from mmmtl.utils import paired_interval, seeds_for_power


def test_paired_interval_is_the_student_t_interval():
    m, lo, hi = paired_interval([1.0, 2.0, 3.0])
    # mean 2, sd 1, t(0.975, 2) = 4.3027: 2 -+ 4.3027 / sqrt(3)
    assert m == pytest.approx(2.0)
    assert lo == pytest.approx(2 - 4.3027 / 3**0.5, abs=1e-3)
    assert hi == pytest.approx(2 + 4.3027 / 3**0.5, abs=1e-3)
    # a 90 % interval is narrower: t(0.95, 2) = 2.9200
    _, lo90, hi90 = paired_interval([1.0, 2.0, 3.0], level=0.9)
    assert hi90 - lo90 == pytest.approx(2 * 2.9200 / 3**0.5, abs=1e-3)


def test_paired_interval_of_one_pair_has_no_ends():
    m, lo, hi = paired_interval([1.5])
    assert m == 1.5 and math.isnan(lo) and math.isnan(hi)


@pytest.mark.parametrize('diffs', [[], [1.0, float('nan')],
                                   [float('inf'), 1.0]])
def test_paired_interval_refuses_empty_or_non_finite(diffs):
    with pytest.raises(ValueError, match='paired_interval'):
        paired_interval(diffs)


def test_seeds_for_power_is_the_paired_t_tests_sample_size():
    # effect size 1 (mean 1, sd 1): a paired t-test at 5 % needs 10 pairs
    # for 80 % power, effect size 2 needs 5 (standard power tables)
    a = 0.5**0.5
    assert seeds_for_power([1 - a, 1 + a]) == 10
    assert seeds_for_power([1.0, 2.0, 3.0]) == 5
    # the sign does not matter, a stricter level or more power needs more
    assert seeds_for_power([a - 1, -a - 1]) == 10
    assert seeds_for_power([1 - a, 1 + a], level=1 - 0.05 / 9) > 10
    assert seeds_for_power([1 - a, 1 + a], power=0.9) > 10
    # a large effect stays finite where scipy's far tail is nan
    assert seeds_for_power([-1.8, -2.6, -2.6]) == 3


def test_seeds_for_power_without_an_effect_or_beyond_the_search():
    assert seeds_for_power([-1.0, 1.0]) is None
    assert seeds_for_power([0.0, 0.1], most=10) is None
    assert seeds_for_power([2.0, 2.0]) == 2
    with pytest.raises(ValueError, match='seeds_for_power'):
        seeds_for_power([1.0])
