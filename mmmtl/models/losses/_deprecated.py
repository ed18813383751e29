"""Old import paths of the loss balancers, kept for one release.

The balancers moved from ``mmmtl.models.losses`` to
``mmmtl.models.loss_balancers`` (their registered names are unchanged, so
configs are unaffected). Importing them from the old place still works and
emits a ``DeprecationWarning`` naming the new path.
"""
import importlib
import warnings
from types import ModuleType

NEW_PACKAGE = 'mmmtl.models.loss_balancers'

# Names that ``mmmtl.models.losses`` exported before the move.
MOVED_NAMES = {
    'BaseLossBalancer': 'base_loss_balancer',
    'DWALoss': 'dwa_loss',
    'FixedWeightLoss': 'fixed_weight_loss',
    'LWFLoss': 'lwf_loss',
    'RLWLoss': 'rlw_loss',
    'UncertaintyWeightLoss': 'uncertainty_weight_loss',
}


def warn_moved(old: str, new: str) -> None:
    """Emit the ``DeprecationWarning`` of a moved name or module."""
    warnings.warn(
        f'{old} moved to {new}; the old path will be removed in the next '
        'release', DeprecationWarning, stacklevel=3)


def moved_module(module: str) -> ModuleType:
    """The new module of an old ``mmmtl.models.losses.<module>`` path."""
    warn_moved(f'mmmtl.models.losses.{module}', f'{NEW_PACKAGE}.{module}')
    return importlib.import_module(f'{NEW_PACKAGE}.{module}')
