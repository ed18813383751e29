"""Tools start quietly: setuptools' pkg_resources notice (printed twice
per run by mmengine's package lookup) is filtered at tool start by
``mmmtl.utils.quiet_third_party_warnings``, which the tools call first."""
import ast
import os.path as osp
import warnings

import pytest
from mmengine.config import Config

from mmmtl.utils import quiet_third_party_warnings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')


def _pkg_resources_notices(quiet: bool) -> int:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        if quiet:
            quiet_third_party_warnings()
        # mmdet:: bases make mmengine look mmdet up through pkg_resources
        Config.fromfile(CONFIG)
    return sum('pkg_resources' in str(w.message) for w in seen)


def test_the_real_notice_is_filtered():
    # without the filter the notice is there (import and reload)
    assert _pkg_resources_notices(quiet=False) >= 1
    assert _pkg_resources_notices(quiet=True) == 0


@pytest.mark.parametrize('tool', [
    'tools/eval_mot.py', 'tools/test.py', 'tools/demo/mot_demo.py',
    'tools/misc/gen_synthetic_mot.py', 'tools/dataset_converters/mot2coco.py',
    'tools/analysis_tools/get_flops.py',
    'tools/analysis_tools/plot_loss_weights.py', 'tools/train.py'
])
def test_the_tool_filters_first_thing_in_main(tool):
    tree = ast.parse(open(osp.join(ROOT, tool)).read())
    main = next(n for n in tree.body
                if isinstance(n, ast.FunctionDef) and n.name == 'main')
    first = main.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        first = main.body[1]  # after the docstring
    assert isinstance(first, ast.Expr) and isinstance(
        first.value, ast.Call) and getattr(
            first.value.func, 'id', '') == 'quiet_third_party_warnings', (
                f'{tool}: main() does not start with '
                'quiet_third_party_warnings()')
