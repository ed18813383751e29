"""The layers of docs/architecture.md, enforced on the source.

format -> datasets -> models -> trackers -> evaluation -> apis -> tools: a
module imports only from its own layer or below; tools import public names
(``__all__`` of an mmmtl package), never another tool or a private helper,
and start no other tool; third-party imports of mmmtl are declared in the
requirement files.
"""
import ast
import importlib
import os
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# Package prefix -> layer (lowest first); the longest prefix wins.
LAYERS = {
    'mmmtl.version': 0,
    'mmmtl.formats': 0,
    'mmmtl.utils': 0,
    'mmmtl.datasets': 1,
    'mmmtl.models': 2,
    'mmmtl.models.trackers': 3,
    'mmmtl.deploy': 3,
    'mmmtl.evaluation': 4,
    'mmmtl.engine': 4,
    'mmmtl.visualization': 4,
    'mmmtl.apis': 5,
    'mmmtl.testing': 5,
}


def _layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p +
                                                                      '.')),
               key=len, default=None)
    assert best is not None, f'{module} is in no layer of LAYERS'
    return LAYERS[best]


def _modules(folder: str):
    for dirpath, _, files in os.walk(osp.join(ROOT, folder)):
        for f in sorted(files):
            if f.endswith('.py'):
                yield osp.join(dirpath, f)


def _module_name(path: str) -> str:
    rel = osp.relpath(path, ROOT)[:-3].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def _optional(tree: ast.AST) -> set:
    """Import nodes guarded by ``try: ... except ImportError``."""
    nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in (
                    'ImportError', 'ModuleNotFoundError')
                for h in node.handlers):
            for stmt in node.body:
                nodes.update(id(n) for n in ast.walk(stmt))
    return nodes


def _imports(path: str, optional: bool = True):
    """(line, imported module, imported names) of every import; without
    ``optional``, leave out imports guarded by ``except ImportError``."""
    tree = ast.parse(open(path, encoding='utf-8').read(), path)
    skip = set() if optional else _optional(tree)
    pkg = _module_name(path)
    if not path.endswith('__init__.py'):
        pkg = pkg.rsplit('.', 1)[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, []
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level:
                base = pkg.split('.')
                base = base[:len(base) - node.level + 1]
                mod = '.'.join(base + ([mod] if mod else []))
            yield node.lineno, mod, [a.name for a in node.names]


def test_no_module_imports_from_a_layer_above():
    bad = []
    for path in _modules('mmmtl'):
        name = _module_name(path)
        if name == 'mmmtl':
            continue  # the package root registers every layer
        for line, mod, _ in _imports(path):
            if path.endswith('__init__.py') and mod.startswith(name + '.'):
                continue  # a package gathers its own subpackages
            if mod.startswith('mmmtl.') and _layer(mod) > _layer(name):
                bad.append(f'{osp.relpath(path, ROOT)}:{line} imports {mod}')
    assert not bad, '\n'.join(bad)


def test_the_format_module_imports_nothing_of_mmmtl():
    for path in _modules('mmmtl/formats'):
        for line, mod, _ in _imports(path):
            assert not mod.startswith('mmmtl.') or mod.startswith(
                'mmmtl.formats'), f'{path}:{line} imports {mod}'


def test_no_other_module_formats_a_mot_row():
    """Row formatting (``f'{frame},{id},...'``) lives in the format
    module only."""
    pattern = re.compile(r"""f['"]\{[^}]*\},\{[^}]*\},\{""")
    for folder in ('mmmtl', 'tools'):
        for path in _modules(folder):
            if '/formats/' in path:
                continue
            text = open(path, encoding='utf-8').read()
            assert not pattern.search(text), path


@pytest.mark.parametrize('folder', ['tools', 'benchmarks'])
def test_tools_use_public_names_and_no_other_tool(folder):
    """Tools and benchmarks sit above every layer: they import public names
    only, start no other tool, and import no other script (a benchmark may
    share a module of ``benchmarks/`` that is not a ``bench_*`` script)."""
    scripts = {
        osp.splitext(f)[0]
        for _, _, files in os.walk(osp.join(ROOT, folder)) for f in files
        if f.endswith('.py') and (folder == 'tools' or f.startswith('bench_'))
    }
    bad = []
    for path in _modules(folder):
        where = osp.relpath(path, ROOT)
        for line, mod, names in _imports(path):
            if mod.split('.')[0] in scripts or mod == 'subprocess':
                bad.append(f'{where}:{line}: imports {mod}')
            if not mod.startswith('mmmtl'):
                continue
            if any(p.startswith('_') for p in mod.split('.')):
                bad.append(f'{where}:{line}: private module {mod}')
            for n in names:
                public = getattr(importlib.import_module(mod), '__all__',
                                 ())
                if n not in public:
                    bad.append(f'{where}:{line}: {mod}.{n} is not in '
                               f'{mod}.__all__')
    assert not bad, '\n'.join(bad)


def _requirements():
    names = set()
    for f in ('runtime.txt', 'mminstall.txt', 'tracking.txt'):
        for line in open(osp.join(ROOT, 'requirements', f)):
            line = line.split('#')[0].strip()
            if line:
                names.add(re.split(r'[<>=!\[ ]', line)[0].lower())
    return names


# import name -> distribution name, where they differ
_DISTS = {'cv2': 'opencv-python', 'mmcv': 'mmcv', 'yaml': 'pyyaml'}


@pytest.mark.parametrize('folder', ['mmmtl', 'tools'])
def test_third_party_imports_are_declared(folder):
    stdlib = __import__('sys').stdlib_module_names
    declared = _requirements() | {'torch', 'mmmtl'}  # torch: setup_env.sh
    bad = []
    for path in _modules(folder):
        for line, mod, _ in _imports(path, optional=False):
            top = mod.split('.')[0]
            if not top or top in stdlib:
                continue
            if _DISTS.get(top, top) not in declared and top not in {
                    osp.splitext(f)[0]
                    for f in os.listdir(osp.dirname(path))
            }:
                bad.append(f'{osp.relpath(path, ROOT)}:{line} imports '
                           f'{top}, not in requirements/')
    assert not bad, '\n'.join(bad)


#: The weight and backend flags of :func:`mmmtl.apis.add_model_args`.
MODEL_FLAGS = ('--checkpoint', '--onnx', '--random-weights',
               '--allow-partial', '--allow-nonfinite', 'checkpoint', 'ckpt')


def test_no_tool_parses_the_weight_or_backend_flags_itself():
    """Every tool takes ``--checkpoint``, ``--onnx``, ``--backend`` (of the
    model) and the relaxing flags from ``mmmtl.apis.add_model_args``, so
    the weight-source rule lives in one function. ``--backend`` of the
    metric back-ends (``tools/eval_mot.py``) chooses from
    ``mmmtl.evaluation``'s constant, not the model's."""
    bad = []
    for path in list(_modules('tools')) + list(_modules('benchmarks')):
        where = osp.relpath(path, ROOT)
        tree = ast.parse(open(path, encoding='utf-8').read(), path)
        from_evaluation = {
            a.asname or a.name
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and (node.module or '').startswith('mmmtl.evaluation')
            for a in node.names
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == 'add_argument' and node.args
                    and isinstance(node.args[0], ast.Constant)):
                continue
            flag = node.args[0].value
            if flag in MODEL_FLAGS:
                bad.append(f'{where}:{node.lineno}: adds {flag}')
            elif flag == '--backend':
                choices = [k.value for k in node.keywords
                           if k.arg == 'choices']
                names = {n.id for c in choices for n in ast.walk(c)
                         if isinstance(n, ast.Name)}
                if not names or not names <= from_evaluation:
                    bad.append(f'{where}:{node.lineno}: adds --backend')
    assert not bad, '\n'.join(bad)


def test_the_documented_layers_are_the_checked_ones():
    """docs/architecture.md's layer table names exactly the packages of
    ``LAYERS``, each in the layer it is checked in."""
    doc = open(osp.join(ROOT, 'docs', 'architecture.md'),
               encoding='utf-8').read()
    documented = {}
    for row in re.findall(r'^\| (\d)\. [^|]+\| ([^|]+) \|', doc, re.M):
        layer, packages = int(row[0]), row[1]
        for name in re.findall(r'`([\w.{},/]+)`', packages):
            if name.endswith('/'):
                continue  # tools/, benchmarks/: the scripts above layer 5
            if '{' in name:  # mmmtl.models.{a,b}
                base, subs = name.split('.{')
                documented.update(
                    {f'{base}.{s}': layer
                     for s in subs.rstrip('}').split(',')})
            else:
                documented[name] = layer
    assert all(_layer(name) == layer for name, layer in documented.items()), \
        {n: (layer, _layer(n)) for n, layer in documented.items()
         if _layer(n) != layer}
    missing = {
        k for k in LAYERS
        if not any(d == k or d.startswith(k + '.') for d in documented)
    }
    assert not missing, missing


def _body_lines(node) -> int:
    body = node.body
    if (body and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]  # the docstring
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def test_modules_and_functions_stay_readable():
    """No module of mmmtl/ over 600 lines, no function body over 80."""
    bad = []
    for path in _modules('mmmtl'):
        where = osp.relpath(path, ROOT)
        text = open(path, encoding='utf-8').read()
        if text.count('\n') > 600:
            bad.append(f'{where}: {text.count(chr(10))} lines')
        for node in ast.walk(ast.parse(text, path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _body_lines(node) > 80:
                    bad.append(f'{where}:{node.lineno} {node.name}: '
                               f'{_body_lines(node)} lines')
    assert not bad, '\n'.join(bad)
