"""Deprecated location of the MOTChallenge readers and writers.

They live in :mod:`mmmtl.formats.motchallenge`; this alias goes away in the
next release.
"""
import warnings

from mmmtl.formats.motchallenge import *  # noqa: F401,F403

warnings.warn(
    'mmmtl.evaluation.mot_io is deprecated; import from mmmtl.formats '
    '(mmmtl.formats.motchallenge) instead', DeprecationWarning,
    stacklevel=2)
