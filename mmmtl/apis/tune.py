"""Tune the tracker's keys on a detection cache with Optuna.

Every trial replays the tracker (:func:`~mmmtl.apis.replay.replay_tracker`)
over a validation cache, so a trial costs the tracker and the metric only.
The search space is data (:data:`~mmmtl.models.trackers.TRACKER_SEARCH_SPACES`
or a JSON file); the study lives in Optuna storage (SQLite), so an
interrupted sweep resumes where it stopped. The keys found are then
replayed on a separate report split beside the preset's defaults.
"""
import copy
import json
import math
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import Config

from mmmtl.formats import SequenceDetections, load_detection_cache

from .replay import load_checked_cache, replay_gt_root, replay_tracker

#: Kinds of a search-space entry: ``[kind, low, high]`` or
#: ``['categorical', [choices...]]``.
SPACE_KINDS = ('float', 'log_float', 'int', 'categorical')


def check_search_space(space: Dict[str, list], where: str = 'search space'
                       ) -> Dict[str, list]:
    """Validate a search space (key -> ``[kind, ...]``).

    Args:
        space (dict): The space.
        where (str): Its origin, for messages. Defaults to
            ``'search space'``.

    Returns:
        dict: The space.

    Raises:
        ValueError: An entry of another shape; the message names the key.
    """
    if not isinstance(space, dict) or not space:
        raise ValueError(f'{where}: expected a non-empty mapping of tracker '
                         'keys to [kind, low, high]')
    for key, spec in space.items():
        if not isinstance(spec, (list, tuple)) or not spec or \
                spec[0] not in SPACE_KINDS:
            raise ValueError(f'{where}: {key}: expected [kind, ...] with '
                             f'kind in {SPACE_KINDS}, got {spec!r}')
        if spec[0] == 'categorical':
            if len(spec) != 2 or not isinstance(spec[1], (list, tuple)) \
                    or not spec[1]:
                raise ValueError(f'{where}: {key}: expected [\'categorical\''
                                 f', [choices]], got {spec!r}')
            continue
        if len(spec) != 3 or not all(
                isinstance(v, (int, float)) and math.isfinite(v)
                for v in spec[1:]) or not spec[1] < spec[2]:
            raise ValueError(f'{where}: {key}: expected [{spec[0]!r}, low, '
                             f'high] with finite low < high, got {spec!r}')
        if spec[0] == 'log_float' and spec[1] <= 0:
            raise ValueError(f'{where}: {key}: log_float needs low > 0')
    return dict(space)


def load_search_space(path: str) -> Dict[str, list]:
    """Read a JSON search space file (key -> ``[kind, ...]``)."""
    try:
        with open(path) as f:
            space = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f'{path}: cannot read the search space ({e})') from e
    return check_search_space(space, path)


def suggest(trial, space: Dict[str, list]) -> Dict[str, Any]:
    """One trial's tracker keys drawn from ``space``."""
    params = {}
    for key, spec in space.items():
        kind = spec[0]
        if kind == 'float':
            params[key] = trial.suggest_float(key, spec[1], spec[2])
        elif kind == 'log_float':
            params[key] = trial.suggest_float(key, spec[1], spec[2],
                                              log=True)
        elif kind == 'int':
            params[key] = trial.suggest_int(key, int(spec[1]), int(spec[2]))
        else:
            params[key] = trial.suggest_categorical(key, list(spec[1]))
    return params


def metric_key(metrics: Dict[str, float], name: str) -> str:
    """The key of metric ``name`` (e.g. ``'HOTA'``) in a metric dict."""
    keys = [k for k in metrics if k.split('/')[-1] == name]
    if len(keys) != 1:
        raise KeyError(f'metric {name!r} not in the evaluation output '
                       f'(keys: {sorted(metrics)})')
    return keys[0]


def with_tracker_keys(cfg: Config, params: Dict[str, Any]) -> Config:
    """A copy of ``cfg`` whose tracker takes ``params``."""
    cfg = copy.deepcopy(cfg)
    cfg.model.tracker.update(params)
    return cfg


@dataclass
class TuneResult:
    """Outcome of :func:`tune_tracker`.

    Attributes:
        best_params (dict): The tracker keys of the best trial.
        best_value (float): Its metric on the validation cache.
        default_value (float): The config's tracker on the validation
            cache.
        trials (list[dict]): Every finished trial: number, value, params.
        report (dict): On the report cache (if given): ``'default'`` and
            ``'tuned'`` metric dicts.
    """
    best_params: Dict[str, Any]
    best_value: float
    default_value: float
    trials: List[Dict[str, Any]] = field(default_factory=list)
    report: Dict[str, Dict[str, float]] = field(default_factory=dict)


def _check_apart(val: Sequence[SequenceDetections],
                 report: Sequence[SequenceDetections], val_dir: str,
                 report_dir: str) -> None:
    if osp.realpath(val_dir) == osp.realpath(report_dir):
        raise ValueError(f'the report cache {report_dir} is the validation '
                         'cache: tune on one split, report on another')
    shared = sorted({s.name for s in val} & {s.name for s in report})
    if shared:
        raise ValueError(
            f'{report_dir} and {val_dir} share the sequence(s) {shared}: '
            'the reported split must be kept apart from the tuning split')


def tune_tracker(cfg: Config,
                 val_cache: str,
                 metric: str = 'HOTA',
                 n_trials: int = 50,
                 seed: int = 0,
                 space: Optional[Dict[str, list]] = None,
                 storage: Optional[str] = None,
                 study_name: str = 'tracker',
                 val_gt_root: Optional[str] = None,
                 report_cache: Optional[str] = None,
                 report_gt_root: Optional[str] = None) -> TuneResult:
    """Search the tracker's keys that maximise ``metric`` on a cache.

    The first trial is the config's own tracker (clipped into the
    space), so the best trial is rarely worse than it on the validation
    split; ``default_value`` is the unchanged config's. With ``storage`` (e.g.
    ``'sqlite:///trials.db'``) the study is kept there and a later call
    with the same storage and name runs only the trials still missing
    (the sampler is seeded with ``seed`` plus the number of finished
    trials, so a run is reproducible given where it was interrupted).

    Args:
        cfg (Config): The config; its ``model.tracker`` is the start.
        val_cache (str): Detection cache of the validation split.
        metric (str): Metric to maximise (``'HOTA'``, ``'IDF1'``,
            ``'MOTA'``, ...). Defaults to ``'HOTA'``.
        n_trials (int): Total trials of the study. Defaults to 50.
        seed (int): Sampler seed. Defaults to 0.
        space (dict, optional): Search space. Defaults to None (the
            default space of the tracker's preset).
        storage (str, optional): Optuna storage URL. Defaults to None
            (in memory).
        study_name (str): Study name in the storage. Defaults to
            ``'tracker'``.
        val_gt_root (str, optional): Ground truth of the validation
            cache. Defaults to None (the one recorded in the cache).
        report_cache (str, optional): Detection cache of the split that is
            reported (kept apart from ``val_cache``). Defaults to None.
        report_gt_root (str, optional): Its ground truth. Defaults to None.

    Returns:
        TuneResult: The best keys, the trials and the report.
    """
    try:
        import optuna
    except ImportError as e:
        raise ImportError('tracker tuning needs Optuna: pip install '
                          '"mmmtl[tune]" (or optuna)') from e
    if n_trials < 1:
        raise ValueError(f'n_trials must be >= 1, got {n_trials}')
    if space is None:
        from mmmtl.models.trackers import TRACKER_SEARCH_SPACES
        preset = cfg.model.tracker.get('preset', 'fairmot')
        if preset not in TRACKER_SEARCH_SPACES:
            raise ValueError(f'no default search space for preset '
                             f'{preset!r}; give one')
        space = TRACKER_SEARCH_SPACES[preset]
    space = check_search_space(space)
    val_gt = replay_gt_root(cfg, load_detection_cache(val_cache),
                            val_gt_root)
    val = load_checked_cache(cfg, val_cache, val_gt)
    report = None
    if report_cache is not None:
        report_gt = replay_gt_root(cfg, load_detection_cache(report_cache),
                                   report_gt_root)
        report = load_checked_cache(cfg, report_cache, report_gt)
        _check_apart(val, report, val_cache, report_cache)

    def evaluate(params: Dict[str, Any], sequences, cache, gt) -> dict:
        return replay_tracker(
            with_tracker_keys(cfg, params), cache, gt_root=gt,
            sequences=sequences).metrics

    def objective(trial) -> float:
        return objective_value(
            evaluate(suggest(trial, space), val, val_cache, val_gt), metric)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    probe = optuna.create_study(
        storage=storage, study_name=study_name, direction='maximize',
        load_if_exists=True)
    done = [t for t in probe.trials if t.state.is_finished()]
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction='maximize',
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=seed + len(done)))
    if not done:
        # the config's own keys first (clipped into the space)
        study.enqueue_trial(start_point(cfg, space))
    left = n_trials - len(done)
    if left > 0:
        study.optimize(objective, n_trials=left)
    finished = [t for t in study.trials
                if t.state == optuna.trial.TrialState.COMPLETE]
    trials = [dict(number=t.number, value=t.value, params=t.params)
              for t in finished]
    result = TuneResult(
        best_params=dict(study.best_params),
        best_value=float(study.best_value),
        default_value=objective_value(evaluate({}, val, val_cache, val_gt),
                                      metric),
        trials=trials)
    if report is not None:
        result.report = dict(
            default=evaluate({}, report, report_cache, report_gt),
            tuned=evaluate(result.best_params, report, report_cache,
                           report_gt))
    return result


def objective_value(metrics: Dict[str, float], name: str) -> float:
    """Metric ``name`` of an evaluation output."""
    return float(metrics[metric_key(metrics, name)])


def start_point(cfg: Config, space: Dict[str, list]) -> Dict[str, Any]:
    """The config's tracker value of every key of ``space`` (the preset's
    where the config does not set it), clipped into the space."""
    from mmmtl.models.trackers import TRACKER_PRESETS
    tracker = dict(cfg.model.tracker)
    current = dict(TRACKER_PRESETS.get(tracker.get('preset', 'fairmot'),
                                       {}), **tracker)
    values = {}
    for key, spec in space.items():
        v = current.get(key)
        if v is None:
            continue
        if spec[0] == 'categorical':
            if v in spec[1]:
                values[key] = v
            continue
        v = min(max(v, spec[1]), spec[2])
        values[key] = int(round(v)) if spec[0] == 'int' else float(v)
    return values


def write_trials(path: str, result: TuneResult) -> None:
    """Write the trials and the report as JSON (atomically)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.partial'
    with open(tmp, 'w') as f:
        json.dump(
            dict(
                best_params=result.best_params,
                best_value=result.best_value,
                default_value=result.default_value,
                report=result.report,
                trials=result.trials),
            f,
            indent=1,
            sort_keys=True)
    os.replace(tmp, path)


def config_snippet(params: Dict[str, Any]) -> str:
    """The tracker keys as lines of a config."""
    body = ',\n'.join(f'        {k}={v!r}' for k, v in sorted(params.items()))
    return f'model = dict(\n    tracker=dict(\n{body}))'
