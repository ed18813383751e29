"""mmmtl: multi-task learning for one-shot multiple object tracking.

Importing :mod:`mmmtl` registers every component into MMDetection's
registries (``MODELS``, ``DATASETS``, ``TRANSFORMS``, ``METRICS``, ``HOOKS``,
``VISUALIZERS``), so configs use them with ``default_scope = 'mmdet'`` and
``custom_imports = dict(imports=['mmmtl'], allow_failed_imports=False)``.
"""
import mmcv
import mmdet
import mmengine
from mmengine.utils import digit_version

from .version import __version__, version_info

mmcv_minimum_version = '2.0.0'
mmcv_maximum_version = '2.2.0'
mmengine_minimum_version = '0.8.0'
mmengine_maximum_version = '1.0.0'
mmdet_minimum_version = '3.1.0'
mmdet_maximum_version = '3.4.0'


def _check(name: str, version: str, low: str, high: str, hint: str) -> None:
    v = digit_version(version)
    if not (digit_version(low) <= v < digit_version(high)):
        raise ImportError(
            f'mmmtl {__version__} needs {name}>={low},<{high}, found '
            f'{version}. {hint}')


_check('mmcv', mmcv.__version__, mmcv_minimum_version, mmcv_maximum_version,
       'Install it with `bash tools/setup_env.sh` (builds mmcv 2.1.0 with '
       'ops) or `mim install "mmcv==2.1.0"`.')
_check('mmengine', mmengine.__version__, mmengine_minimum_version,
       mmengine_maximum_version, 'Run `pip install mmengine==0.10.7`.')
_check('mmdet', mmdet.__version__, mmdet_minimum_version,
       mmdet_maximum_version, 'Run `pip install mmdet==3.3.0`.')

from .utils.checkpoint import register_checkpoint_loader  # noqa: E402

register_checkpoint_loader()

from . import datasets, deploy, engine, evaluation, models, visualization  # noqa: E402,F401,E501

__all__ = ['__version__', 'version_info']
