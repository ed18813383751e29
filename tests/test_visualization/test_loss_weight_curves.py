"""The curves' title names the trained config, not the log file."""
from mmmtl.visualization.loss_weight_curves import run_name


def test_run_name_is_the_dumped_config(tmp_path):
    vis = tmp_path / 'work' / '20250101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    log = vis / 'scalars.json'
    log.write_text('')
    assert run_name(str(log)) == 'scalars.json'  # no config dumped
    (tmp_path / 'work' / 'ce-lwf-literal_synthmot.py').write_text('')
    assert run_name(str(log)) == 'ce-lwf-literal_synthmot'
