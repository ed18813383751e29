"""Deprecated: moved to ``mmmtl.models.loss_balancers``."""
import sys

from ._deprecated import moved_module

# The old module name is the new module object, so isinstance checks and
# monkeypatching see one class.
sys.modules[__name__] = moved_module('uncertainty_weight_loss')
