"""The balancers' pre-move import paths still work, with a warning."""
import importlib
import sys

import pytest

from mmmtl.models import loss_balancers

MODULES = ('base_loss_balancer', 'dwa_loss', 'fixed_weight_loss',
           'lwf_loss', 'rlw_loss', 'uncertainty_weight_loss')


@pytest.mark.parametrize('module', MODULES)
def test_old_module_path_is_the_new_module(module):
    old = f'mmmtl.models.losses.{module}'
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match='loss_balancers'):
        mod = importlib.import_module(old)
    assert mod is importlib.import_module(
        f'mmmtl.models.loss_balancers.{module}')


def test_old_package_names_warn_and_are_the_same_classes():
    import mmmtl.models.losses as losses
    with pytest.warns(DeprecationWarning, match='LWFLoss moved'):
        cls = losses.LWFLoss
    assert cls is loss_balancers.LWFLoss
    with pytest.raises(AttributeError, match='NoSuchLoss'):
        losses.NoSuchLoss  # noqa: B018


def test_registered_names_unchanged():
    from mmdet.registry import MODELS
    for name in ('LWFLoss', 'FixedWeightLoss', 'UncertaintyWeightLoss',
                 'DWALoss', 'RLWLoss'):
        assert MODELS.get(name) is getattr(loss_balancers, name)
