from .checkpoint import register_checkpoint_loader, safe_torch_load
from .dist import init_cpu_dist_if_needed
from .misc import current_iter_str

__all__ = [
    'current_iter_str', 'init_cpu_dist_if_needed',
    'register_checkpoint_loader', 'safe_torch_load'
]
