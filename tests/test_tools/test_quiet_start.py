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


def _tools():
    """Every tool under tools/ (a tool added later is checked too)."""
    import os
    found = []
    for folder, _, files in os.walk(osp.join(ROOT, 'tools')):
        found += [
            osp.relpath(osp.join(folder, f), ROOT).replace(os.sep, '/')
            for f in files if f.endswith('.py') and not f.startswith('_')
        ]
    return sorted(found)


#: Tools that load no config and import nothing that prints the notice.
NO_NOTICE = {'tools/analysis_tools/show_errors.py'}


def test_every_tool_is_checked():
    # export_onnx, check_int8_accuracy and benchmark_fps printed the
    # notice twice: they were missing from a hand-made list
    assert {'tools/deployment/export_onnx.py',
            'tools/deployment/check_int8_accuracy.py',
            'tools/analysis_tools/benchmark_fps.py'} <= set(_tools())


@pytest.mark.parametrize('tool', [t for t in _tools() if t not in NO_NOTICE])
def test_the_tool_filters_first_thing_in_main(tool):
    tree = ast.parse(open(osp.join(ROOT, tool)).read())
    main = next(n for n in tree.body
                if isinstance(n, ast.FunctionDef) and n.name == 'main')
    body = list(main.body)
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                    ast.Constant):
        body.pop(0)  # the docstring
    # after the imports of tools that import late (a fast --help)
    first = next(n for n in body
                 if not isinstance(n, (ast.Import, ast.ImportFrom)))
    assert isinstance(first, ast.Expr) and isinstance(
        first.value, ast.Call) and getattr(
            first.value.func, 'id', '') == 'quiet_third_party_warnings', (
                f'{tool}: main() does not start with '
                'quiet_third_party_warnings()')
