from .reid_focal_loss import ReIDFocalLoss

__all__ = ['ReIDFocalLoss']


def __getattr__(name: str):
    """Balancers imported from their pre-move place (deprecated)."""
    from ._deprecated import MOVED_NAMES, NEW_PACKAGE, warn_moved
    if name not in MOVED_NAMES:
        raise AttributeError(
            f'module {__name__!r} has no attribute {name!r}')
    warn_moved(f'mmmtl.models.losses.{name}', f'{NEW_PACKAGE}.{name}')
    from .. import loss_balancers
    return getattr(loss_balancers, name)
