"""The quickstart's metrics file is renamed into place only when complete."""
import json

import pytest
from _tool_loader import load_tool


def test_a_failed_metrics_write_keeps_the_older_file(tmp_path, monkeypatch):
    import mmmtl.apis
    quickstart = load_tool('quickstart.py')

    class Runner:

        def test(self):
            return {'motchallenge-metric/MOTA': 12.5}

    monkeypatch.setattr(mmmtl.apis, 'build_test_runner',
                        lambda cfg, ckpt: Runner())
    out = tmp_path / 'metrics.json'
    out.write_text('{"older": 1}')

    def dump_then_fail(obj, f, **kwargs):
        f.write('{"motchallenge-metric/MO')
        raise KeyboardInterrupt

    monkeypatch.setattr(quickstart.json, 'dump', dump_then_fail)
    with pytest.raises(KeyboardInterrupt):
        quickstart.test(None, 'ckpt.pth', str(out))
    assert json.loads(out.read_text()) == {'older': 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ['metrics.json']
    monkeypatch.undo()
    monkeypatch.setattr(mmmtl.apis, 'build_test_runner',
                        lambda cfg, ckpt: Runner())
    assert quickstart.test(None, 'ckpt.pth', str(out)) == {
        'motchallenge-metric/MOTA': 12.5}
    assert json.loads(out.read_text()) == {'motchallenge-metric/MOTA': 12.5}
