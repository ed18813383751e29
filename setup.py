"""Set-up of mmmtl, following MMDetection/MMYOLO packaging.

``configs/``, ``tools/`` and ``model-index.yml`` are shipped inside the
package under ``mmmtl/.mim`` (copied for wheels and sdists, linked for
editable installs), which is where ``mim train mmmtl`` and mmengine's
``mmmtl::`` base configs look for them.
"""
import importlib.util
import os.path as osp
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def readme() -> str:
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    ns: dict = {}
    with open(osp.join(HERE, 'mmmtl', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), ns)
    return ns['__version__']


def parse_requirements(fname: str) -> list:
    """Read requirement lines, skipping comments, blanks and includes."""
    out = []
    with open(osp.join(HERE, fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                out.append(line)
    return out


def add_mim_extension() -> None:
    """Put tools, configs and model-index.yml under ``mmmtl/.mim``.

    Linked in develop mode, copied when building a wheel or sdist, by
    ``mmmtl/utils/mim_links.py`` (loaded by path: mmmtl's dependencies
    may not be installed yet).
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'install'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    spec = importlib.util.spec_from_file_location(
        'mmmtl_mim_links', osp.join(HERE, 'mmmtl', 'utils', 'mim_links.py'))
    mim_links = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mim_links)
    if mode == 'symlink':
        mim_links.link_source_tree(HERE, replace_copies=True)
    else:
        mim_links.copy_source_tree(HERE)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmmtl',
        version=get_version(),
        description='Multi-task learning for one-shot multiple object '
        'tracking on MMDetection 3.x: CE head, learned loss weighting, '
        'JDE-style tracking',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='multiple object tracking, multi-task learning, mmdetection',
        packages=find_packages(exclude=('configs', 'tools', 'tests',
                                        'benchmarks', 'docs')),
        include_package_data=True,
        package_data={'mmmtl': ['.mim/**/*', '.mim/*']},
        python_requires='>=3.8',
        license='Apache License 2.0',
        classifiers=[
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require={
            'tracking': parse_requirements('requirements/tracking.txt'),
            'tests': parse_requirements('requirements/tests.txt'),
            'deploy': parse_requirements('requirements/deploy.txt'),
            'mim': parse_requirements('requirements/mim.txt'),
            'optional': parse_requirements('requirements/optional.txt'),
            'tune': parse_requirements('requirements/tune.txt'),
            'mim_requires': parse_requirements('requirements/mminstall.txt'),
        },
        zip_safe=False)
