"""Paired differences with a Student-t interval, for studies and benchmarks.

Every comparison this project reports between two methods measured on the
same seeds (the replication study's rows, the trackers on the same
detections) is a paired difference with a 95 % Student-t interval; this is
the one place it is computed.
"""
import math
from typing import Sequence, Tuple


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
