"""mmmtl.datasets.synthmot_experiment: the experiment's splits."""
import os.path as osp

import pytest

from mmmtl.datasets import SynthMOTData, make_synthmot_data
from mmmtl.datasets.synthmot_experiment import ANN_FILE

TINY = SynthMOTData(train_seqs=1, test_seqs=2, frames=3, test_frames=3)


def test_only_the_asked_splits_are_generated(tmp_path):
    roots = make_synthmot_data(str(tmp_path / 'a'), TINY, seed=5,
                               verbose=False, splits=['synthmot-test'])
    assert list(roots) == ['synthmot-test']
    assert osp.isfile(osp.join(roots['synthmot-test'], ANN_FILE))
    assert not osp.exists(tmp_path / 'a' / 'synthmot-train')
    # the same split as a full generation at the same seed
    full = make_synthmot_data(str(tmp_path / 'b'), TINY, seed=5,
                              verbose=False)
    assert sorted(full) == ['synthmot-test', 'synthmot-train']
    for seq in ('TEST-01', 'TEST-02'):
        gt = osp.join('train', seq, 'gt', 'gt.txt')
        with open(osp.join(roots['synthmot-test'], gt)) as f, \
                open(osp.join(full['synthmot-test'], gt)) as g:
            assert f.read() == g.read()


def test_an_unknown_split_is_named(tmp_path):
    with pytest.raises(ValueError, match="'synthmot-tset'"):
        make_synthmot_data(str(tmp_path), TINY, verbose=False,
                           splits=['synthmot-tset'])
