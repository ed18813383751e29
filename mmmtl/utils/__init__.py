from .checkpoint import register_checkpoint_loader, safe_torch_load
from .dist import init_cpu_dist_if_needed

__all__ = [
    'init_cpu_dist_if_needed', 'register_checkpoint_loader',
    'safe_torch_load'
]
