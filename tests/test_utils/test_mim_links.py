"""The one implementation of the ``mmmtl/.mim`` links and copies."""
import os
import os.path as osp

from mmmtl.utils.mim_links import copy_source_tree, link_source_tree


def _fake_repo(root):
    (root / 'mmmtl').mkdir()
    (root / 'configs' / 'x').mkdir(parents=True)
    (root / 'configs' / 'x' / 'a.py').write_text('a = 1\n')
    (root / 'tools').mkdir()
    (root / 'tools' / 'train.py').write_text('')
    (root / 'model-index.yml').write_text('Import: []\n')
    return str(root)


def test_copy_then_link_then_copy(tmp_path):
    repo = _fake_repo(tmp_path)
    mim = osp.join(repo, 'mmmtl', '.mim')
    written = copy_source_tree(repo)
    assert len(written) == 3 and not osp.islink(osp.join(mim, 'configs'))
    assert open(osp.join(mim, 'configs', 'x', 'a.py')).read() == 'a = 1\n'
    # a plain run leaves the copies of a wheel build alone
    assert link_source_tree(repo) == []
    # a develop install replaces them by links to the checkout
    assert len(link_source_tree(repo, replace_copies=True)) == 3
    for name in ('tools', 'configs', 'model-index.yml'):
        assert osp.islink(osp.join(mim, name))
        assert osp.realpath(osp.join(mim, name)) == osp.realpath(
            osp.join(repo, name))
    assert link_source_tree(repo) == []  # idempotent
    copy_source_tree(repo)
    assert not osp.islink(osp.join(mim, 'tools'))
    assert os.listdir(osp.join(mim, 'tools')) == ['train.py']


def test_setup_py_has_no_own_implementation():
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    text = open(osp.join(root, 'setup.py')).read()
    assert 'mim_links.py' in text
    assert 'symlink(' not in text and 'copytree(' not in text
