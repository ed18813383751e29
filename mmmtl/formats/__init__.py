"""File formats, the lowest layer of mmmtl: nothing here imports the rest.

Everything public of its modules is exported here: the MOTChallenge row
files (:mod:`~mmmtl.formats.motchallenge`), the benchmarks' classes and
sequences (:mod:`~mmmtl.formats.benchmarks`), ``seqinfo.ini``
(:mod:`~mmmtl.formats.seqinfo`), TrackEval's folder layout
(:mod:`~mmmtl.formats.trackeval_layout`) and the detection cache
(:mod:`~mmmtl.formats.detection_cache`).
"""
from . import (
    benchmarks,
    detection_cache,
    motchallenge,
    seqinfo,
    trackeval_layout,
)
from .benchmarks import *  # noqa: F401,F403
from .detection_cache import *  # noqa: F401,F403
from .motchallenge import *  # noqa: F401,F403
from .seqinfo import *  # noqa: F401,F403
from .trackeval_layout import *  # noqa: F401,F403

__all__ = [
    name for module in (motchallenge, benchmarks, seqinfo, trackeval_layout,
                        detection_cache) for name in module.__all__
]
