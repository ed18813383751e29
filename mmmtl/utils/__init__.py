from .checkpoint import register_checkpoint_loader, safe_torch_load
from .cli import (MAX_FLOAT, MAX_INT, bounded_float, bounded_int, finite_float,
                  nonnegative_float, nonnegative_int, positive_float,
                  positive_int, probability, unit_interval)
from .dist import init_cpu_dist_if_needed
from .misc import current_iter_str

__all__ = [
    'MAX_FLOAT', 'MAX_INT', 'bounded_float', 'bounded_int',
    'current_iter_str', 'finite_float', 'init_cpu_dist_if_needed',
    'nonnegative_float', 'nonnegative_int', 'positive_float',
    'positive_int', 'probability', 'register_checkpoint_loader',
    'safe_torch_load', 'unit_interval'
]
