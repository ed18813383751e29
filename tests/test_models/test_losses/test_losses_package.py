"""mmmtl.models.losses holds the Re-ID loss only; the balancers live in
mmmtl.models.loss_balancers (no pre-move aliases in 0.1.0)."""
import importlib

import pytest

import mmmtl.models.losses as losses
from mmmtl.models import loss_balancers


def test_balancers_are_not_reexported_under_losses():
    assert losses.__all__ == ['ReIDFocalLoss']
    with pytest.raises(AttributeError):
        losses.LWFLoss
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module('mmmtl.models.losses.lwf_loss')
    assert loss_balancers.LWFLoss.__module__ == \
        'mmmtl.models.loss_balancers.lwf_loss'
