from .checkpoint import register_checkpoint_loader, safe_torch_load

__all__ = ['register_checkpoint_loader', 'safe_torch_load']
