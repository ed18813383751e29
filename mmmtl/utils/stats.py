"""Paired differences with a Student-t interval, for studies and benchmarks.

Every comparison this project reports between two methods measured on the
same seeds (the replication study's rows, the trackers on the same
detections) is a paired difference with a 95 % Student-t interval; this is
the one place it is computed, with :func:`seeds_for_power`, the number of
pairs a study would need for that interval to decide.
"""
import math
import statistics
from typing import Optional, Sequence, Tuple


def paired_interval(diffs: Sequence[float],
                    level: float = 0.95) -> Tuple[float, float, float]:
    """Mean of paired differences and its Student-t interval.

    Args:
        diffs (Sequence[float]): one difference ``a_i - b_i`` per pair
            (seed, model). Must be non-empty and finite.
        level (float): two-sided coverage of the interval. Defaults to 0.95.

    Returns:
        tuple[float, float, float]: the mean and the interval's lower and
        upper ends; both ends are nan with a single pair (no spread).
    """
    values = [float(d) for d in diffs]
    if not values:
        raise ValueError('paired_interval needs at least one difference')
    if not all(math.isfinite(d) for d in values):
        raise ValueError(f'paired_interval got a non-finite difference: '
                         f'{values}')
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float('nan'), float('nan')
    from scipy.stats import t
    sd = math.sqrt(sum((d - mean)**2 for d in values) / (n - 1))
    half = float(t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def seeds_for_power(diffs: Sequence[float],
                    level: float = 0.95,
                    power: float = 0.8,
                    most: int = 100) -> Optional[int]:
    """Pairs a paired t-test needs to detect the difference seen so far.

    A planning estimate, not evidence: it takes the pairs' mean and standard
    deviation as the truth and returns the smallest number of pairs at which
    the two-sided Student-t interval at ``level`` excludes 0 with
    probability ``power`` (the non-central t power of the paired t-test).
    The mean and spread of a few pairs are themselves uncertain, so the
    estimate is rough; a small observed effect gives a large count.

    Args:
        diffs (Sequence[float]): one difference ``a_i - b_i`` per pair, at
            least two, finite.
        level (float): two-sided coverage of the interval. Defaults to 0.95.
        power (float): wanted chance that the interval excludes 0.
            Defaults to 0.8.
        most (int): the largest count searched. Defaults to 100.

    Returns:
        int | None: the smallest count from 2 to ``most`` that reaches
        ``power``; None when none does (including a mean of exactly 0).
        Differences that do not vary give 2.
    """
    values = [float(d) for d in diffs]
    if len(values) < 2:
        raise ValueError(f'seeds_for_power needs at least two differences, '
                         f'got {len(values)}')
    mean, _, _ = paired_interval(values)  # checks finiteness
    sd = statistics.stdev(values)
    if mean == 0:
        return None
    if sd == 0:
        return 2
    from scipy.stats import nct, t
    effect = abs(mean) / sd
    for n in range(2, most + 1):
        crit = float(t.ppf(0.5 + level / 2, n - 1))
        shift = effect * math.sqrt(n)
        # chance that |T| exceeds the critical value under the effect; the
        # far tail is negligible and scipy returns nan for it at large shifts
        far = float(nct.cdf(-crit, n - 1, shift))
        reach = float(nct.sf(crit, n - 1, shift)) + (far if far > 0 else 0.0)
        if reach >= power:
            return n
    return None
