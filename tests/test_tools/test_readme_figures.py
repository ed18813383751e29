"""The README's quickstart table is what `make quickstart` printed."""
import json
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = osp.join(ROOT, 'outputs', 'quickstart', 'metrics.json')
PERCENT = ('HOTA', 'MOTA', 'IDF1', 'MOTP', 'DetA', 'AssA', 'Rcll', 'Prcn')


def readme_table() -> dict:
    text = open(osp.join(ROOT, 'README.md')).read()
    m = re.search(r'<!-- quickstart-table -->\n(.*?)\n<!-- /quickstart-table'
                  ' -->', text, re.S)
    assert m, 'README.md has no <!-- quickstart-table --> block'
    head, _, row = m.group(1).splitlines()
    keys = [c.strip() for c in head.strip('|').split('|')]
    values = [float(c) for c in row.strip('|').split('|')]
    return dict(zip(keys, values))


def test_the_readme_table_is_complete():
    table = readme_table()
    assert set(table) >= {'HOTA', 'MOTA', 'IDF1', 'IDS', 'FP', 'FN'}


@pytest.mark.skipif(not osp.isfile(METRICS),
                    reason='no quickstart run in this checkout (make '
                    'quickstart writes outputs/quickstart/metrics.json)')
def test_the_readme_table_equals_the_last_quickstart_run():
    metrics = {k.split('/')[-1]: v
               for k, v in json.load(open(METRICS)).items()}
    for key, value in readme_table().items():
        digits = 1 if key in PERCENT else 0
        assert round(metrics[key], digits) == value, key
