"""Make ``mim train mmmtl`` and ``mmmtl::`` base configs work for an
editable install.

openmim and mmengine locate a package as ``<dist.location>/<name>`` and then
read ``.mim/tools``, ``.mim/configs`` and ``.mim/model-index.yml`` there. A
wheel ships those files (``setup.py`` copies them in), but a PEP 660
editable install puts only a ``.dist-info`` in site-packages, so both tools
look in a folder that does not exist. This module

1. links ``mmmtl/.mim/{tools,configs,model-index.yml}`` to the checkout, and
2. when the distribution's location is not the checkout, creates
   ``<site-packages>/mmmtl/.mim`` with the same links and records them in the
   distribution's ``RECORD`` so ``pip uninstall mmmtl`` removes them.

The folder in site-packages has no ``__init__.py``: Python prefers the
regular package of the checkout to such a namespace portion, so imports are
unaffected.

Run it with ``python -m mmmtl.utils.mim_links``; ``tools/setup_env.sh`` does.
``setup.py`` loads this file too (by path, without importing mmmtl): it
links the checkout for develop installs and copies it for wheels
(:func:`copy_source_tree`), so there is one implementation of ``.mim``.
The module uses the standard library only.
"""
import argparse
import os
import os.path as osp
import shutil
import sys
from typing import List

MIM_FILES = ('tools', 'configs', 'model-index.yml')


def _remove(path: str) -> None:
    if osp.islink(path) or osp.isfile(path):
        os.remove(path)
    elif osp.isdir(path):
        shutil.rmtree(path)


def _link(src: str, dst: str, replace_copies: bool = False) -> bool:
    """Point ``dst`` at ``src``; return True when something changed."""
    target = osp.join(osp.dirname(dst), src)  # src may be relative to dst
    if osp.islink(dst):
        if osp.realpath(dst) == osp.realpath(target):
            return False
        os.remove(dst)
    elif osp.exists(dst):
        if not replace_copies:
            # a copied file/dir from a wheel build: leave it alone
            return False
        _remove(dst)
    os.symlink(src, dst)
    return True


def link_source_tree(repo_root: str,
                     replace_copies: bool = False) -> List[str]:
    """Create ``mmmtl/.mim`` links inside the checkout.

    Args:
        repo_root (str): Folder that holds ``setup.py`` and ``mmmtl/``.
        replace_copies (bool): Replace files copied by a wheel build
            (a develop install does). Defaults to False.

    Returns:
        list[str]: Paths created or updated.
    """
    mim_dir = osp.join(repo_root, 'mmmtl', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    changed = []
    for name in MIM_FILES:
        src = osp.join(repo_root, name)
        if osp.exists(src) and _link(
                osp.relpath(src, mim_dir), osp.join(mim_dir, name),
                replace_copies):
            changed.append(osp.join(mim_dir, name))
    return changed


def copy_source_tree(repo_root: str) -> List[str]:
    """Copy ``tools``, ``configs`` and ``model-index.yml`` into
    ``mmmtl/.mim`` (for wheels and sdists), replacing links.

    Args:
        repo_root (str): Folder that holds ``setup.py`` and ``mmmtl/``.

    Returns:
        list[str]: Paths written.
    """
    mim_dir = osp.join(repo_root, 'mmmtl', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    written = []
    for name in MIM_FILES:
        src, dst = osp.join(repo_root, name), osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        _remove(dst)
        if osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)
        written.append(dst)
    return written


def link_site_packages(repo_root: str) -> List[str]:
    """Create ``<dist.location>/mmmtl/.mim`` for an editable install.

    Args:
        repo_root (str): Folder that holds ``setup.py`` and ``mmmtl/``.

    Returns:
        list[str]: Paths created or updated (empty when not needed).
    """
    from importlib import metadata
    try:
        dist = metadata.distribution('mmmtl')
    except metadata.PackageNotFoundError:
        return []
    location = str(dist.locate_file(''))
    if osp.realpath(location) == osp.realpath(repo_root):
        return []  # legacy develop install: location is the checkout
    pkg_dir = osp.join(location, 'mmmtl')
    if osp.isfile(osp.join(pkg_dir, '__init__.py')):
        return []  # a regular (wheel) install ships its own .mim
    mim_dir = osp.join(pkg_dir, '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    changed = []
    for name in MIM_FILES:
        src = osp.join(repo_root, name)
        dst = osp.join(mim_dir, name)
        if osp.exists(src) and _link(src, dst):
            changed.append(dst)
    _record(dist, location, [osp.join(mim_dir, n) for n in MIM_FILES])
    _check_import_unaffected(pkg_dir)
    return changed


def _check_import_unaffected(pkg_dir: str) -> None:
    """Fail loudly if the namespace folder would shadow the checkout.

    That happens with setuptools' default (finder-based) editable mode, whose
    finder runs after the path finder; ``editable_mode=compat`` puts the
    checkout on ``sys.path`` and the regular package wins.
    """
    import subprocess
    code = 'import mmmtl, sys; sys.exit(mmmtl.__file__ is None)'
    env = dict(os.environ)
    res = subprocess.run([sys.executable, '-c', code], cwd='/', env=env,
                         capture_output=True)
    if res.returncode != 0:
        shutil.rmtree(pkg_dir, ignore_errors=True)
        raise RuntimeError(
            'mmmtl is installed in a finder-based editable mode, in which '
            'mim cannot find mmmtl/.mim. Reinstall it with\n  pip install '
            '--no-build-isolation -e . --config-settings '
            'editable_mode=compat\n(tools/setup_env.sh does).')


def _record(dist, location: str, paths: List[str]) -> None:
    """Add ``paths`` to the distribution's RECORD once, for uninstall."""
    record = None
    for f in dist.files or []:
        if str(f).endswith('RECORD'):
            record = str(dist.locate_file(f))
    if record is None or not osp.isfile(record):
        return
    with open(record) as f:
        have = f.read()
    rel = [osp.relpath(p, location) for p in paths]
    new = [r for r in rel if f'{r},' not in have]
    if new:
        with open(record, 'a') as f:
            if have and not have.endswith('\n'):
                f.write('\n')
            for r in new:
                f.write(f'{r},,\n')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quiet', action='store_true')
    args = parser.parse_args(argv)
    repo_root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    if not osp.isfile(osp.join(repo_root, 'setup.py')):
        return 0  # installed from a wheel: .mim is already inside
    changed = link_source_tree(repo_root) + link_site_packages(repo_root)
    if not args.quiet or changed:
        for p in changed:
            print(f'[mim] linked {p}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
