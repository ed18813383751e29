"""File formats, the lowest layer of mmmtl: nothing here imports the rest.

Everything public of :mod:`mmmtl.formats.motchallenge` is exported here.
"""
from . import motchallenge
from .motchallenge import *  # noqa: F401,F403

__all__ = list(motchallenge.__all__)
