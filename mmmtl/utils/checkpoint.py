"""Safe loading of mmengine checkpoints with ``weights_only=True``.

torch >= 2.6 loads checkpoints with ``weights_only=True``: only tensors,
containers and explicitly allow-listed globals may be unpickled. mmengine
0.10.7 Runner checkpoints also carry NumPy arrays and scalars (seeds, the
message hub's history buffers), so ``load_from`` and ``resume`` fail. This
module keeps the safety on and allow-lists exactly the types such
checkpoints contain. Anything else, a pickled callable such as
``os.system`` above all, is still refused, now with an error that names the
file.
"""
import io
import logging
import os
import os.path as osp
import pickle
import re
import sys
import tempfile
import warnings
from typing import IO, Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.fileio import get_file_backend
from mmengine.logging import print_log
from mmengine.runner.checkpoint import (
    CheckpointLoader,
    _get_mmengine_home,
    _process_mmcls_checkpoint,
    get_deprecated_model_names,
    get_external_models,
    get_mmcls_models,
    get_torchvision_models,
)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """Raised when a checkpoint holds objects outside the allow-list."""


def _numpy_globals() -> List[Any]:
    """NumPy types that ``np.save``-free pickling of arrays and scalars uses.

    NumPy 2 moved ``numpy.core`` to ``numpy._core``; both spellings may be in
    files written by different NumPy versions, so both are allowed where
    they exist.
    """
    out: List[Any] = [np.ndarray, np.dtype]
    for mod_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            mod = __import__(mod_name, fromlist=['_reconstruct', 'scalar'])
        except ImportError:  # pragma: no cover - depends on numpy version
            continue
        for attr in ('_reconstruct', 'scalar'):
            fn = getattr(mod, attr, None)
            if fn is not None:
                out.append((fn, f'{mod_name}.{attr}'))
    # dtype classes (numpy.dtypes.Float64DType, ...) pickled with arrays
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        for name in dir(dtypes):
            obj = getattr(dtypes, name)
            if isinstance(obj, type) and name.endswith('DType'):
                out.append(obj)
    return out


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call.

    mmengine's ``HistoryBuffer`` pickles its statistics methods (``min``,
    ``max``, ``mean``, ``current`` and user-registered ones) as
    ``getattr(HistoryBuffer, name)``. A blanket ``getattr`` would let a
    pickle walk from any allowed object to ``__globals__`` and on to
    ``os.system``, so only that exact lookup is served.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: getattr({obj!r}, {name!r}) is not allowed')


def _mmengine_globals() -> List[Any]:
    """mmengine objects stored by the Runner's message hub."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [
        HistoryBuffer, (_history_buffer_getattr, '__builtin__.getattr'),
        (_history_buffer_getattr, 'builtins.getattr')
    ]


_SAFE_GLOBALS: Optional[List[Any]] = None


def safe_globals() -> List[Any]:
    """Return the allow-list used for mmengine checkpoints.

    Returns:
        list: Entries accepted by :func:`torch.serialization.add_safe_globals`.
    """
    global _SAFE_GLOBALS
    if _SAFE_GLOBALS is None:
        _SAFE_GLOBALS = _numpy_globals() + _mmengine_globals()
    return _SAFE_GLOBALS


def _describe(e: pickle.UnpicklingError) -> str:
    m = re.search(r'GLOBAL ([\w.]+(?: (?!whose|was)\w+)?)',
                  str(e), flags=re.IGNORECASE)
    return (f'unsupported global {m.group(1)}'
            if m else str(e).strip().splitlines()[0])


def safe_torch_load(filename: Union[str, IO[bytes]],
                    map_location: Any = None,
                    source: Optional[str] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and the mmengine allow-list.

    Args:
        filename (str | file-like): Path of a local checkpoint file, or a
            binary buffer holding one (bytes fetched from object storage).
        map_location (Any): Same as :func:`torch.load`. Defaults to None.
        source (str, optional): How to name the checkpoint in errors, e.g.
            ``'http://host/x.pth (cached as ~/.cache/.../x.pth)'``.
            Defaults to the file name.

    Returns:
        Any: The loaded checkpoint, usually a dict.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        UnsafeCheckpointError: If the file pickles a global outside the
            allow-list (for example a callable).
        RuntimeError: If the file is truncated or not a checkpoint.
    """
    if isinstance(filename, str):
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(
                f'checkpoint {source or filename} can not be found.')
    name = source or (filename if isinstance(filename, str) else
                      '<buffer>')
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {name}: it holds objects that '
            f'are not weights or known mmengine state ({_describe(e)}). '
            'Only load checkpoints you trust; mmmtl never turns '
            'weights_only off (docs/get_started.md, "Security").') from e
    except (RuntimeError, EOFError, ValueError) as e:
        raise RuntimeError(
            f'Checkpoint {name} is corrupt or not a PyTorch checkpoint: '
            f'{e}') from e


# ---------------------------------------------------------------------------
# One safe loader per scheme of mmengine's ``CheckpointLoader``. mmengine's
# own loaders call ``torch.hub.load_state_dict_from_url`` (which defaults to
# ``weights_only=False``) or a bare ``torch.load``; these resolve the name
# the same way and then load every byte through :func:`safe_torch_load`.
# ---------------------------------------------------------------------------


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """Safe loader of local paths (mmengine's default scheme)."""
    return safe_torch_load(filename, map_location)


def download_checkpoint(url: str, model_dir: Optional[str] = None) -> str:
    """Download ``url`` into torch's hub cache, once, as mmengine does.

    In a distributed run, local rank 0 downloads first and the other ranks
    wait, then find the cached file.

    Args:
        url (str): ``http://`` or ``https://`` address of a checkpoint.
        model_dir (str, optional): Cache folder. Defaults to
            ``<torch.hub.get_dir()>/checkpoints``.

    Returns:
        str: Path of the cached file.
    """
    from mmengine.dist import get_dist_info
    if model_dir is None:
        model_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    name = osp.basename(urlparse(url).path) or 'checkpoint.pth'
    cached = osp.join(model_dir, name)

    def fetch() -> None:
        if not osp.exists(cached):
            sys.stderr.write(f'Downloading: "{url}" to {cached}\n')
            # writes a temporary file and moves it into place when complete
            torch.hub.download_url_to_file(
                url, cached, progress=os.isatty(2))

    rank, world_size = get_dist_info()
    if rank == 0:
        fetch()
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            fetch()
    return cached


def load_from_http(filename: str,
                   map_location: Any = None,
                   model_dir: Optional[str] = None) -> Any:
    """Safe loader of ``http://`` and ``https://`` checkpoints.

    Args:
        filename (str): The URL.
        map_location (Any): Same as :func:`torch.load`. Defaults to None.
        model_dir (str, optional): Download cache. Defaults to torch's.

    Returns:
        Any: The loaded checkpoint.
    """
    cached = download_checkpoint(filename, model_dir)
    return safe_torch_load(
        cached, map_location, source=f'{filename} (cached as {cached})')


def _torchvision_urls() -> Dict[str, str]:
    """Names of ``torchvision://`` checkpoints and their URLs.

    With torchvision installed this is mmengine's table; without it (it does
    not import beside the torch CPU build mmmtl targets) the table mmengine
    ships for torchvision 0.12 names (``resnet50``, ...).
    """
    try:
        return get_torchvision_models()
    except ImportError:
        import mmengine
        return mmengine.load(
            osp.join(mmengine.__path__[0], 'hub', 'torchvision_0.12.json'))


def _lookup(table: Dict[str, str], name: str, filename: str) -> str:
    if name not in table:
        raise KeyError(f'unknown checkpoint {filename}: {name!r} is not in '
                       "mmengine's model table for this scheme")
    return table[name]


def load_from_torchvision(filename: str, map_location: Any = None) -> Any:
    """Safe loader of ``torchvision://NAME`` (and ``modelzoo://NAME``)."""
    name = filename.split('://', 1)[1]
    url = _lookup(_torchvision_urls(), name, filename)
    return load_from_http(url, map_location)


def load_from_openmmlab(filename: str, map_location: Any = None) -> Any:
    """Safe loader of ``open-mmlab://NAME`` and ``openmmlab://NAME``.

    Resolves ``NAME`` like mmengine (its table, ``open_mmlab.json`` in the
    mmengine home, deprecated names) to a URL or to a file in the mmengine
    home.
    """
    prefix, name = filename.split('://', 1)
    deprecated = get_deprecated_model_names()
    if name in deprecated:
        print_log(
            f'{prefix}://{name} is deprecated in favor of '
            f'{prefix}://{deprecated[name]}',
            logger='current',
            level=logging.WARNING)
        name = deprecated[name]
    url = _lookup(get_external_models(), name, filename)
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location)
    path = osp.join(_get_mmengine_home(), url)
    return safe_torch_load(
        path, map_location, source=f'{filename} (file {path})')


def load_from_mmcls(filename: str, map_location: Any = None) -> Any:
    """Safe loader of ``mmcls://NAME``: its backbone weights."""
    url = _lookup(get_mmcls_models(), filename[len('mmcls://'):], filename)
    return _process_mmcls_checkpoint(load_from_http(url, map_location))


def load_from_pavi(filename: str, map_location: Any = None) -> Any:
    """Safe loader of ``pavi://`` checkpoints (downloaded to a temporary
    folder first, as mmengine does)."""
    try:
        from pavi import modelcloud
    except ImportError:
        raise ImportError(
            'Please install pavi to load checkpoint from modelcloud.')
    model = modelcloud.get(filename[len('pavi://'):])
    with tempfile.TemporaryDirectory() as tmp_dir:
        downloaded = osp.join(tmp_dir, model.name)
        model.download(downloaded)
        return safe_torch_load(
            downloaded, map_location, source=f'{filename} (downloaded)')


def load_from_ceph(filename: str,
                   map_location: Any = None,
                   backend: str = 'petrel') -> Any:
    """Safe loader of ``s3://`` and ``petrel://`` objects."""
    file_backend = get_file_backend(
        filename, backend_args={'backend': backend})
    with io.BytesIO(file_backend.get(filename)) as buffer:
        return safe_torch_load(buffer, map_location, source=filename)


#: The safe loader of each prefix of mmengine's ``CheckpointLoader``.
SAFE_LOADERS: Dict[Union[str, Tuple[str, ...]], Callable[..., Any]] = {
    '': load_from_local,
    ('http://', 'https://'): load_from_http,
    ('modelzoo://', 'torchvision://'): load_from_torchvision,
    ('open-mmlab://', 'openmmlab://'): load_from_openmmlab,
    'mmcls://': load_from_mmcls,
    'pavi://': load_from_pavi,
    (r'(\S+\:)?s3://', r'(\S+\:)?petrel://'): load_from_ceph,
}


def _refuse(prefix: str, loader: Callable) -> Callable[..., Any]:
    """A loader for a scheme that another package registered: mmmtl
    cannot tell whether it loads safely, so it refuses."""

    def refuse_unknown_scheme(filename: str, map_location: Any = None):
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename}: its scheme {prefix!r} '
            f'is served by {loader.__module__}.{loader.__qualname__}, which '
            "does not go through mmmtl's safe loader. Download the file "
            'and pass its local path.')

    return refuse_unknown_scheme


def register_checkpoint_loader() -> None:
    """Route every scheme of mmengine's checkpoint loading through
    :func:`safe_torch_load`.

    Uses mmengine's own extension point
    (:meth:`CheckpointLoader.register_scheme`), so ``load_from``,
    ``resume``, ``init_cfg=dict(type='Pretrained', ...)`` and
    ``load_checkpoint`` are all covered, for local paths, URLs, the model
    zoo names and object storage alike. A scheme registered by another
    package that mmmtl does not know is replaced by a loader that refuses.
    """
    ours = set()
    for prefixes, loader in SAFE_LOADERS.items():
        CheckpointLoader.register_scheme(
            prefixes=prefixes, loader=loader, force=True)
        ours.update([prefixes] if isinstance(prefixes, str) else prefixes)
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if prefix not in ours and loader.__module__ != __name__:
            CheckpointLoader.register_scheme(
                prefixes=prefix, loader=_refuse(prefix, loader), force=True)


# ---------------------------------------------------------------------------
# Strict loading for inference and test.
# ---------------------------------------------------------------------------


class CheckpointMismatchError(RuntimeError):
    """Raised when a checkpoint's weights do not fit the model."""


def _revise(state_dict: Dict[str, Any]) -> Dict[str, Any]:
    """Drop the ``module.`` prefix of a wrapped model, as mmengine does."""
    return {re.sub(r'^module\.', '', k): v for k, v in state_dict.items()}


def checkpoint_state_dict(checkpoint: Any, source: str) -> Dict[str, Any]:
    """The weights of a loaded checkpoint (its ``state_dict``, or itself).

    Args:
        checkpoint (Any): A loaded checkpoint.
        source (str): How to name it in errors.

    Returns:
        dict: Parameter and buffer names to tensors, ``module.`` dropped.
    """
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(
            f'checkpoint {source} holds a {type(checkpoint).__name__}, '
            'not a dict of weights')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise CheckpointMismatchError(
            f'checkpoint {source}: "state_dict" is a '
            f'{type(state_dict).__name__}, not a dict of weights')
    return _revise(state_dict)


def check_state_dict(model: torch.nn.Module,
                     state_dict: Dict[str, Any],
                     source: str,
                     strict: bool = True,
                     max_keys: int = 5) -> Dict[str, List[str]]:
    """Compare a checkpoint's weights with a model's, by name and shape.

    Args:
        model (nn.Module): The model to load into.
        state_dict (dict): The checkpoint's weights (see
            :func:`checkpoint_state_dict`).
        source (str): How to name the checkpoint in errors.
        strict (bool): Whether any missing, unexpected or mis-shaped key is
            an error. When False, only a checkpoint that matches no weight
            of the model is; the others are logged as a warning.
            Defaults to True.
        max_keys (int): How many keys of each kind an error names.
            Defaults to 5.

    Returns:
        dict[str, list[str]]: ``missing``, ``unexpected`` and ``shape``
        (``'name: checkpoint (a, b) vs model (c, d)'``) keys.

    Raises:
        CheckpointMismatchError: As described under ``strict``.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shape = []
    for k, v in state_dict.items():
        if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(
                own[k].shape):
            shape.append(f'{k}: checkpoint {tuple(v.shape)} vs model '
                         f'{tuple(own[k].shape)}')
    report = dict(missing=missing, unexpected=unexpected, shape=shape)
    matched = len(own) - len(missing) - len(shape)
    if not any(report.values()):
        return report

    def lines() -> str:
        out = []
        for kind, keys in (('missing in the checkpoint', missing),
                           ('not in the model', unexpected),
                           ('of another shape', shape)):
            if keys:
                more = (f' (+{len(keys) - max_keys} more)'
                        if len(keys) > max_keys else '')
                out.append(f'  {len(keys)} {kind}: '
                           f'{", ".join(keys[:max_keys])}{more}')
        return '\n'.join(out)

    if strict or matched <= 0:
        hint = ('use a checkpoint trained with this config, or pass '
                '--allow-partial (load_from with strict=False) to load '
                'what fits' if strict else
                'it matches no weight of the model at all')
        raise CheckpointMismatchError(
            f'checkpoint {source} does not fit the model '
            f'{type(model).__name__} ({matched} of {len(own)} weights '
            f'match):\n{lines()}\n{hint}')
    print_log(
        f'checkpoint {source} loaded partially: {matched} of {len(own)} '
        f'weights match; the others keep their initial values:\n{lines()}',
        logger='current',
        level=logging.WARNING)
    return report


class NonFiniteWeightsError(ValueError):
    """Raised when a checkpoint holds NaN or infinite weights."""


def nonfinite_tensors(state_dict: Dict[str, Any]) -> List[str]:
    """Names of the floating-point tensors holding NaN or inf.

    Args:
        state_dict (dict): Names to tensors (other values are ignored).

    Returns:
        list[str]: ``'name (k of n values)'`` per offending tensor, in the
        state dict's order.
    """
    bad = []
    for name, value in state_dict.items():
        if not (isinstance(value, torch.Tensor)
                and value.is_floating_point()):
            continue
        count = int((~torch.isfinite(value)).sum())
        if count:
            bad.append(f'{name} ({count} of {value.numel()} values)')
    return bad


def check_finite_state_dict(state_dict: Dict[str, Any],
                            source: str,
                            allow_nonfinite: bool = True,
                            max_keys: int = 5) -> List[str]:
    """Warn about (or refuse) a checkpoint with NaN or infinite weights.

    A model with such weights gives NaN scores, boxes or embeddings, which
    the rest of the pipeline would turn into empty results or new
    identities without a word.

    Args:
        state_dict (dict): The checkpoint's weights.
        source (str): How to name the checkpoint.
        allow_nonfinite (bool): Warn (True) or raise (False).
            Defaults to True.
        max_keys (int): How many tensors the message names. Defaults to 5.

    Returns:
        list[str]: The offending tensors (see :func:`nonfinite_tensors`).

    Raises:
        NonFiniteWeightsError: When some exist and ``allow_nonfinite`` is
            False.
    """
    bad = nonfinite_tensors(state_dict)
    if not bad:
        return bad
    more = f' (+{len(bad) - max_keys} more)' if len(bad) > max_keys else ''
    msg = (f'checkpoint {source} holds non-finite (NaN or inf) weights in '
           f'{len(bad)} tensors: {", ".join(bad[:max_keys])}{more}')
    if not allow_nonfinite:
        raise NonFiniteWeightsError(
            f'{msg}; the model would give NaN outputs. Retrain or use '
            'another checkpoint (--allow-nonfinite loads it anyway)')
    warnings.warn(msg)
    return bad


def load_checkpoint_checked(model: torch.nn.Module,
                            filename: str,
                            map_location: Any = 'cpu',
                            strict: bool = True,
                            allow_nonfinite: bool = True) -> Dict[str, Any]:
    """Load a checkpoint (any scheme, safely) into ``model`` after
    :func:`check_state_dict` and :func:`check_finite_state_dict`.

    Args:
        model (nn.Module): The model.
        filename (str): Local path, URL or zoo name.
        map_location (Any): Same as :func:`torch.load`. Defaults to 'cpu'.
        strict (bool): See :func:`check_state_dict`. Defaults to True.
        allow_nonfinite (bool): Load weights holding NaN or inf with a
            warning naming them (True) or refuse them (False). Defaults to
            True.

    Returns:
        dict: The loaded checkpoint (with ``meta`` when it has one).

    Raises:
        CheckpointMismatchError: The weights do not fit the model.
        NonFiniteWeightsError: Non-finite weights and not
            ``allow_nonfinite``.
    """
    checkpoint = CheckpointLoader.load_checkpoint(
        filename, map_location=map_location)
    state_dict = checkpoint_state_dict(checkpoint, filename)
    report = check_state_dict(model, state_dict, filename, strict=strict)
    check_finite_state_dict(state_dict, filename, allow_nonfinite)
    # mis-shaped weights were reported above; torch would raise on them
    skip = {k.split(':')[0] for k in report['shape']}
    model.load_state_dict(
        {k: v for k, v in state_dict.items() if k not in skip},
        strict=False)
    return checkpoint
