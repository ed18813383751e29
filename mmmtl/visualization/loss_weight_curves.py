"""Curves of the loss-balancer weights from an mmengine json log."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

WEIGHT_PREFIX = 'w_'
RAW_PREFIX = 'raw_'
# The paper's names for the LWF weights of cls, reg and reid (Fig. 3).
GREEK = {'cls': r'$\alpha$ (cls)', 'reg': r'$\beta$ (reg)',
         'reid': r'$\gamma$ (reid)'}

Series = Dict[str, Tuple[List[int], List[float]]]


def find_scalar_json(work_dir: str) -> str:
    """Newest json scalars log of an mmengine work_dir.

    mmengine writes ``WORK_DIR/<timestamp>/vis_data/<timestamp>.json``
    (LoggerHook) and ``.../vis_data/scalars.json`` (LocalVisBackend). The
    newest ``<timestamp>`` run that holds one is taken, the LoggerHook file
    first.

    Args:
        work_dir (str): The work_dir of a training run.

    Returns:
        str: Path of the json log.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work_dir {work_dir!r} is not a directory')
    for run in sorted(os.listdir(work_dir), reverse=True):
        vis = osp.join(work_dir, run, 'vis_data')
        if not osp.isdir(vis):
            continue
        for name in (f'{run}.json', 'scalars.json'):
            if osp.isfile(osp.join(vis, name)):
                return osp.join(vis, name)
    raise FileNotFoundError(
        f'no json scalars log found under {work_dir!r} (looked for '
        '<timestamp>/vis_data/<timestamp>.json and scalars.json); pass '
        '--json explicitly')


def load_weight_series(json_path: str) -> Tuple[Series, Series]:
    """Read the ``w_<task>`` and ``raw_<task>`` scalars of a json log.

    Args:
        json_path (str): A json-lines log written by mmengine.

    Returns:
        tuple[dict, dict]: Weight and raw-loss series, each mapping the
        task name to ``(iterations, values)``; the iteration is the log's
        ``step`` (global iteration), else ``iter``.
    """
    if not osp.isfile(json_path):
        raise FileNotFoundError(f'json log {json_path!r} does not exist')
    weights: Series = OrderedDict()
    raws: Series = OrderedDict()
    with open(json_path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(
                    f'{json_path}:{lineno}: not a json line ({e})') from e
            it = record.get('step', record.get('iter'))
            if it is None:
                continue
            for key, value in record.items():
                for prefix, series in ((WEIGHT_PREFIX, weights),
                                       (RAW_PREFIX, raws)):
                    if key.startswith(prefix) and isinstance(
                            value, (int, float)):
                        xs, ys = series.setdefault(key[len(prefix):],
                                                   ([], []))
                        xs.append(int(it))
                        ys.append(float(value))
    if not weights:
        raise ValueError(
            f'{json_path}: no loss-weight scalars (keys starting with '
            f'{WEIGHT_PREFIX!r}) found; was the model trained with a '
            'loss_balancer?')
    return weights, raws


def run_name(json_path: str) -> str:
    """What was trained: the config name of the run a log belongs to.

    mmengine's Runner dumps the config into the work_dir as
    ``WORK_DIR/<config name>.py`` and logs to
    ``WORK_DIR/<timestamp>/vis_data/*.json``. The config's name (without
    ``.py``) is returned when there is exactly one such file, otherwise
    the log's file name.

    Args:
        json_path (str): The json log.

    Returns:
        str: The config name, or the log's base name.
    """
    work_dir = osp.dirname(osp.dirname(osp.dirname(osp.abspath(json_path))))
    if osp.isdir(work_dir):
        configs = [f for f in os.listdir(work_dir) if f.endswith('.py')]
        if len(configs) == 1:
            return configs[0][:-len('.py')]
    return osp.basename(json_path)


def plot_loss_weights(json_path: str,
                      out_path: str,
                      show_raw: bool = True,
                      title: Optional[str] = None) -> str:
    """Plot the loss weights over iterations to an image, as Fig. 3 of LWF.

    Args:
        json_path (str): json-lines log with ``w_<task>`` scalars.
        out_path (str): Output image path (format from its extension).
        show_raw (bool): Add a second panel with the raw task losses
            ``raw_<task>`` (log scale) when the log has them. Defaults to
            True.
        title (str, optional): Figure title. Defaults to the name of the
            config that was trained (:func:`run_name`).

    Returns:
        str: ``out_path``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    weights, raws = load_weight_series(json_path)
    panels = 2 if show_raw and raws else 1
    fig, axes = plt.subplots(
        panels, 1, figsize=(7, 3.2 * panels), sharex=True, squeeze=False)
    ax = axes[0, 0]
    for task, (xs, ys) in weights.items():
        ax.plot(xs, ys, label=GREEK.get(task, task))
    ax.set_ylabel('weighting factor')
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or run_name(json_path))
    if panels == 2:
        ax = axes[1, 0]
        for task, (xs, ys) in raws.items():
            ax.plot(xs, ys, label=task)
        ax.set_yscale('log')
        ax.set_ylabel('raw task loss')
        ax.grid(alpha=0.3)
        ax.legend()
    axes[-1, 0].set_xlabel('iteration')
    fig.tight_layout()
    out_dir = osp.dirname(osp.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(out_path, dpi=120)
    plt.close(fig)
    return out_path
