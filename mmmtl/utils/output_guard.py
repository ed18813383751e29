"""The one rule for every file a tool writes.

1. An output never resolves to an input (same path, a link to it, or a
   hard link of it) nor to another output: :func:`check_outputs` refuses
   it before anything is written, naming both.
2. An output folder is never one that holds an input folder, or lies
   inside one: :func:`check_output_dir`.
3. A file is written under a temporary name beside its final one and
   renamed into place only when complete (:func:`atomic_path`,
   :func:`atomic_open`), so an error or an interruption never leaves a
   half-written file under the final name, nor destroys an older one.

The demo's video and txt sinks (:mod:`mmmtl.apis.video_io`), the offline
evaluator's tables (``tools/eval_mot.py``), the test runner's metric
files (``tools/test.py``) and the generator use these functions.
"""
import contextlib
import os
import os.path as osp
from typing import IO, Iterator, Optional, Sequence

__all__ = [
    'OutputClashError', 'atomic_open', 'atomic_path', 'check_output_dir',
    'check_outputs', 'partial_path'
]


class OutputClashError(ValueError):
    """An output path would overwrite an input or another output."""


def partial_path(path: str) -> str:
    """Where a file is written until complete.

    Args:
        path (str): The final path, e.g. ``out.mp4``.

    Returns:
        str: ``out.partial.mp4``: the extension is kept so that players
        and readers open a kept partial file as what it is.
    """
    root, ext = osp.splitext(path)
    return f'{root}.partial{ext}'


def _same_file(a: str, b: str) -> bool:
    """Whether two existing paths are the same file (links included)."""
    try:
        return osp.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: Sequence[Optional[str]],
                  inputs: Sequence[str]) -> None:
    """Refuse output paths that resolve to an input or to each other.

    An output's partial name (:func:`partial_path`) is checked too, as it
    is written first.

    Args:
        outputs (Sequence[str | None]): Output files (None entries are
            ignored).
        inputs (Sequence[str]): Files that are read.

    Raises:
        OutputClashError: Naming the output and the input (or output) it
            would overwrite. A subclass of ``ValueError``.
    """
    seen = {}
    for path in inputs:
        seen[osp.realpath(path)] = f'the input {path}'
    for path in outputs:
        if path is None:
            continue
        for candidate in (path, partial_path(path)):
            real = osp.realpath(candidate)
            clash = seen.get(real)
            if clash is None and osp.exists(real):
                clash = next((what for other, what in seen.items()
                              if osp.exists(other)
                              and _same_file(other, real)), None)
            if clash is not None:
                raise OutputClashError(
                    f'output {path} would overwrite {clash}; choose '
                    'another output path')
        seen[osp.realpath(path)] = f'the output {path}'


def _inside(child: str, parent: str) -> bool:
    """Whether real path ``child`` is ``parent`` or lies below it."""
    return child == parent or child.startswith(parent.rstrip(os.sep) +
                                               os.sep)


def check_output_dir(out_dir: str,
                     input_dirs: Sequence[str],
                     what: str = 'output folder',
                     may_hold_inputs: bool = False) -> None:
    """Refuse an output folder that overlaps an input folder.

    A tool that writes a tree of files (TrackEval's layout, a generated
    dataset) into ``out_dir`` cannot overwrite an input folder's files if
    neither folder holds the other.

    Args:
        out_dir (str): The folder written into.
        input_dirs (Sequence[str]): Folders read.
        what (str): How to name ``out_dir`` in the message (e.g. the
            config key). Defaults to ``'output folder'``.
        may_hold_inputs (bool): Accept an ``out_dir`` that holds an input
            folder, for writers whose file names cannot be those of the
            input tree (e.g. ``<root>/annotations/*.json`` beside
            ``<root>/train``). Defaults to False.

    Raises:
        OutputClashError: ``out_dir`` is, holds or lies inside an input
            folder.
    """
    out = osp.realpath(out_dir)
    for folder in input_dirs:
        real = osp.realpath(folder)
        holds = _inside(real, out) and real != out
        if holds and may_hold_inputs:
            continue
        if _inside(real, out) or _inside(out, real):
            relation = ('is' if real == out else
                        'holds' if _inside(real, out) else 'lies inside')
            raise OutputClashError(
                f'{what} {out_dir} {relation} the input folder {folder}; '
                'its files would overwrite the input. Choose a folder '
                'outside it')


@contextlib.contextmanager
def atomic_path(path: str, keep_partial: bool = False) -> Iterator[str]:
    """Give a temporary path to write, renamed to ``path`` on success.

    Args:
        path (str): Final path; its folder is created.
        keep_partial (bool): On an error, keep what was written under the
            partial name (long runs) instead of deleting it. Defaults to
            False.

    Yields:
        str: The temporary path (:func:`partial_path` of ``path``).
    """
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = partial_path(path)
    try:
        yield tmp
    except BaseException:
        if not keep_partial and osp.exists(tmp):
            os.remove(tmp)
        raise
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'w', **kwargs) -> Iterator[IO]:
    """Open a file for writing that appears at ``path`` only when closed
    without error.

    Args:
        path (str): Final path; its folder is created.
        mode (str): ``'w'`` or ``'wb'``. Defaults to ``'w'``.
        **kwargs: Passed to :func:`open` (e.g. ``encoding``).

    Yields:
        IO: The open file (at the partial name).
    """
    if not mode.startswith('w'):
        raise ValueError(f"atomic_open writes new files; mode {mode!r} "
                         "is not 'w' or 'wb'")
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f
