"""File formats, the lowest layer of mmmtl: nothing here imports the rest.

Everything public of :mod:`mmmtl.formats.motchallenge` and
:mod:`mmmtl.formats.detection_cache` is exported here.
"""
from . import detection_cache, motchallenge
from .detection_cache import *  # noqa: F401,F403
from .motchallenge import *  # noqa: F401,F403

__all__ = list(motchallenge.__all__) + list(detection_cache.__all__)
