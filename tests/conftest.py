"""Test-wide set-up: mmmtl's components and mmdet's default scope.

Configs set ``default_scope = 'mmdet'``; building modules straight from the
registries in tests needs the same scope, set once here so that no test
depends on another having set it.
"""
import os

os.environ.setdefault('OMP_NUM_THREADS', '1')

from mmengine.registry import init_default_scope  # noqa: E402

import mmmtl  # noqa: E402,F401

init_default_scope('mmdet')
