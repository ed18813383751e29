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
import os.path as osp
import pickle
import re
from typing import Any, List, Optional

import numpy as np
import torch
from mmengine.runner.checkpoint import CheckpointLoader


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


def safe_torch_load(filename: str, map_location: Any = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and the mmengine allow-list.

    Args:
        filename (str): Path of a local checkpoint file.
        map_location (Any): Same as :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint, usually a dict.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        UnsafeCheckpointError: If the file pickles a global outside the
            allow-list (for example a callable).
        RuntimeError: If the file is truncated or not a checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        m = re.search(r'GLOBAL ([\w.]+(?: (?!whose|was)\w+)?)',
                      str(e), flags=re.IGNORECASE)
        detail = (f'unsupported global {m.group(1)}'
                  if m else str(e).strip().splitlines()[0])
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename}: it holds objects that '
            f'are not weights or known mmengine state ({detail}). '
            'Only load checkpoints you trust; mmmtl never turns '
            'weights_only off.') from e
    except (RuntimeError, EOFError, ValueError) as e:
        raise RuntimeError(
            f'Checkpoint {filename} is corrupt or not a PyTorch checkpoint: '
            f'{e}') from e


def _load_from_local(filename: str, map_location: Any = None) -> Any:
    return safe_torch_load(filename, map_location)


def register_checkpoint_loader() -> None:
    """Route mmengine's local checkpoint loading through
    :func:`safe_torch_load`.

    Uses mmengine's own extension point
    (:meth:`CheckpointLoader.register_scheme`) for the local-path prefix, so
    ``load_from``, ``resume`` and ``load_checkpoint`` all benefit.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
