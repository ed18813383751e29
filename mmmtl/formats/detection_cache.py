"""Detection caches: what a network gave each frame, before the tracker.

One file ``<CACHE_DIR>/<SEQ>.npz`` per sequence (NumPy's ``.npz``, read
with ``allow_pickle=False``) holds:

============  =========  ====================================================
key           shape      content
============  =========  ====================================================
``meta``      ()         a JSON string (see below)
``offsets``   (T+1,)     int64; frame ``t``'s detections are rows
                         ``offsets[t]:offsets[t+1]``
``bboxes``    (N, 4)     float32 x1y1x2y2 in original-image pixels
``scores``    (N,)       float32
``labels``    (N,)       int64
``embeds``    (N, D)     float32 or float16 Re-ID embeddings (as output,
                         not normalised)
============  =========  ====================================================

``meta`` holds ``format`` (``'mmmtl-detection-cache'``), ``version``
(:data:`CACHE_VERSION`), ``sequence``, ``num_frames`` (T), ``frame_size``
(``[width, height]`` of the original frames), ``frame_rate`` (the value the
test pipeline packed, or null), ``img_shape`` (``[height, width]`` of the
network input), ``scale_factor`` (``[w, h]``), ``img_paths`` (the T frames,
as the test dataset gave them: the frames stay where they are and are
referenced, e.g. for camera-motion compensation), ``embed_dim`` (D),
``classes`` and, where known, ``config``, ``checkpoint``, ``data_root`` and
``gt_root``.

Everything that reads or writes these files goes through this module.
"""
import json
import os
import os.path as osp
import zipfile
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .seqinfo import read_seqinfo

__all__ = [
    'CACHE_FORMAT', 'CACHE_VERSION', 'SequenceDetections', 'cache_path',
    'check_detection_cache', 'load_detection_cache', 'read_detection_cache',
    'write_detection_cache'
]

CACHE_FORMAT = 'mmmtl-detection-cache'
CACHE_VERSION = 1
_ARRAYS = ('offsets', 'bboxes', 'scores', 'labels', 'embeds')
_EMBED_DTYPES = ('float32', 'float16')


@dataclass
class SequenceDetections:
    """The detections of one sequence, frame by frame.

    Args:
        name (str): Sequence name.
        offsets (np.ndarray): (T+1,) row offsets of the T frames.
        bboxes (np.ndarray): (N, 4) boxes, x1y1x2y2, original pixels.
        scores (np.ndarray): (N,) scores.
        labels (np.ndarray): (N,) class indices.
        embeds (np.ndarray): (N, D) embeddings.
        meta (dict): The metadata (module docstring); ``sequence``,
            ``num_frames`` and ``embed_dim`` are filled from the arrays.
    """
    name: str
    offsets: np.ndarray
    bboxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    embeds: np.ndarray
    meta: Dict = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        """int: Number of frames T."""
        return int(self.offsets.size - 1)

    @property
    def embed_dim(self) -> int:
        """int: Embedding width D."""
        return int(self.embeds.shape[1])

    def frame(self, t: int) -> Tuple[np.ndarray, ...]:
        """Detections of frame ``t`` (0-based): bboxes (n, 4), scores
        (n,), labels (n,), embeds (n, D)."""
        a, b = int(self.offsets[t]), int(self.offsets[t + 1])
        return (self.bboxes[a:b], self.scores[a:b], self.labels[a:b],
                self.embeds[a:b])

    @classmethod
    def from_frames(cls,
                    name: str,
                    frames: Sequence[Tuple[np.ndarray, ...]],
                    meta: Optional[Dict] = None,
                    embed_dtype: str = 'float32') -> 'SequenceDetections':
        """Build from per-frame ``(bboxes, scores, labels, embeds)``.

        Args:
            name (str): Sequence name.
            frames (Sequence[tuple]): One tuple per frame: bboxes (n, 4),
                scores (n,), labels (n,), embeds (n, D).
            meta (dict, optional): Metadata. Defaults to None.
            embed_dtype (str): ``'float32'`` or ``'float16'``. Defaults
                to ``'float32'`` (replay then equals the live run
                exactly).

        Returns:
            SequenceDetections: The sequence.
        """
        if embed_dtype not in _EMBED_DTYPES:
            raise ValueError(f'embed_dtype must be one of {_EMBED_DTYPES}, '
                             f'got {embed_dtype!r}')
        if not frames:
            raise ValueError(f'sequence {name}: no frames to cache')
        counts = [len(f[1]) for f in frames]
        # an empty frame's embeddings are (0, D) as the detector gives them
        dims = {np.asarray(f[3]).shape[-1] for f in frames
                if np.asarray(f[3]).ndim == 2}
        if len(dims) > 1:
            raise ValueError(f'sequence {name}: embeddings of different '
                             f'widths {sorted(dims)} across frames')
        dim = dims.pop() if dims else 0
        return cls(
            name=name,
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(
                np.int64),
            bboxes=np.concatenate(
                [np.asarray(f[0], np.float32).reshape(-1, 4)
                 for f in frames]),
            scores=np.concatenate(
                [np.asarray(f[1], np.float32).reshape(-1) for f in frames]),
            labels=np.concatenate(
                [np.asarray(f[2], np.int64).reshape(-1) for f in frames]),
            embeds=np.concatenate([
                np.asarray(f[3]).reshape(len(f[1]), dim).astype(embed_dtype)
                for f in frames
            ]),
            meta=dict(meta or {}))


def cache_path(cache_dir: str, name: str) -> str:
    """Path of sequence ``name``'s file in ``cache_dir``."""
    return osp.join(cache_dir, f'{name}.npz')


def write_detection_cache(path: str, seq: SequenceDetections) -> None:
    """Write one sequence's cache file (atomically: a temporary name is
    renamed on success).

    Args:
        path (str): The ``.npz`` file.
        seq (SequenceDetections): The detections.
    """
    _check_arrays(seq, path)
    meta = dict(seq.meta, format=CACHE_FORMAT, version=CACHE_VERSION,
                sequence=seq.name, num_frames=seq.num_frames,
                embed_dim=seq.embed_dim)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.partial.npz'
    np.savez(
        tmp,
        meta=np.array(json.dumps(meta, sort_keys=True)),
        **{k: getattr(seq, k)
           for k in _ARRAYS})
    os.replace(tmp, path)


def read_detection_cache(path: str) -> SequenceDetections:
    """Read and check one sequence's cache file.

    Args:
        path (str): The ``.npz`` file.

    Returns:
        SequenceDetections: The detections.

    Raises:
        ValueError: The file is not a readable detection cache of this
            format (truncated, another format or version, inconsistent
            arrays); the message names the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'detection cache {path} does not exist')
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in ('meta', ) + _ARRAYS if k not in npz]
            if missing:
                raise ValueError(f'{path}: not a detection cache (no '
                                 f'{missing})')
            arrays = {k: npz[k] for k in _ARRAYS}
            meta = json.loads(str(npz['meta']))
    except (zipfile.BadZipFile, EOFError, OSError, json.JSONDecodeError,
            UnicodeDecodeError) as e:
        raise ValueError(f'{path}: unreadable detection cache (truncated '
                         f'or not an .npz written by mmmtl: {e})') from e
    if meta.get('format') != CACHE_FORMAT:
        raise ValueError(f'{path}: format {meta.get("format")!r}, expected '
                         f'{CACHE_FORMAT!r}')
    if meta.get('version') != CACHE_VERSION:
        raise ValueError(f'{path}: cache version {meta.get("version")}, '
                         f'this mmmtl reads version {CACHE_VERSION}')
    seq = SequenceDetections(name=str(meta['sequence']), meta=meta, **arrays)
    _check_arrays(seq, path)
    if seq.num_frames != meta.get('num_frames'):
        raise ValueError(f'{path}: {seq.num_frames} frames in the arrays, '
                         f'{meta.get("num_frames")} in the metadata')
    return seq


def _check_arrays(seq: SequenceDetections, path: str) -> None:
    off = seq.offsets
    if off.ndim != 1 or off.size < 2:
        raise ValueError(f'{path}: sequence {seq.name} has no frames')
    n = seq.scores.shape[0] if seq.scores.ndim == 1 else -1
    if (off[0] != 0 or np.any(np.diff(off) < 0) or off[-1] != n
            or seq.bboxes.shape != (n, 4) or seq.labels.shape != (n, )
            or seq.embeds.ndim != 2 or seq.embeds.shape[0] != n):
        raise ValueError(
            f'{path}: inconsistent arrays (offsets end {off[-1]}, bboxes '
            f'{seq.bboxes.shape}, scores {seq.scores.shape}, labels '
            f'{seq.labels.shape}, embeds {seq.embeds.shape})')
    if str(seq.embeds.dtype) not in _EMBED_DTYPES:
        raise ValueError(f'{path}: embeddings of dtype {seq.embeds.dtype}, '
                         f'expected one of {_EMBED_DTYPES}')


def load_detection_cache(cache_dir: str,
                         seqs: Optional[Iterable[str]] = None
                         ) -> List[SequenceDetections]:
    """Read every sequence (or the named ones) of a cache folder.

    Args:
        cache_dir (str): Folder of ``<SEQ>.npz`` files.
        seqs (Iterable[str], optional): Sequences to read. Defaults to
            None (all, sorted by name).

    Returns:
        list[SequenceDetections]: The sequences, sorted by name.
    """
    if not osp.isdir(cache_dir):
        raise FileNotFoundError(
            f'detection cache folder {cache_dir} does not exist')
    found = sorted(
        f[:-4] for f in os.listdir(cache_dir)
        if f.endswith('.npz') and not f.endswith('.partial.npz'))
    if seqs is not None:
        seqs = list(seqs)
        missing = sorted(set(seqs) - set(found))
        if missing:
            raise ValueError(f'{cache_dir}: no cache file for {missing} '
                             f'(found {found})')
        found = sorted(seqs)
    if not found:
        raise ValueError(f'{cache_dir}: no <SEQ>.npz detection cache files')
    return [read_detection_cache(cache_path(cache_dir, n)) for n in found]


def check_detection_cache(sequences: Sequence[SequenceDetections],
                          cache_dir: str,
                          embed_dim: Optional[int] = None,
                          classes: Optional[Sequence[str]] = None,
                          gt_root: Optional[str] = None) -> None:
    """Refuse a cache that does not fit a config or a ground truth.

    Args:
        sequences (Sequence[SequenceDetections]): The cache's sequences.
        cache_dir (str): Their folder (for messages).
        embed_dim (int, optional): The config's embedding width.
        classes (Sequence[str], optional): The config's class names.
        gt_root (str, optional): MOTChallenge folder whose
            ``<SEQ>/seqinfo.ini`` must list exactly these sequences with
            these frame counts.

    Raises:
        ValueError: A mismatch; the message names the file.
    """
    for seq in sequences:
        path = cache_path(cache_dir, seq.name)
        if seq.num_frames < 1:
            raise ValueError(f'{path}: sequence {seq.name} has no frames')
        if embed_dim is not None and seq.embeds.shape[0] and \
                seq.embed_dim != embed_dim:
            raise ValueError(
                f'{path}: embeddings of width {seq.embed_dim}, but the '
                f'config\'s Re-ID head gives {embed_dim} (a cache of '
                'another model?)')
        cached = seq.meta.get('classes')
        if classes is not None and cached is not None and \
                list(cached) != list(classes):
            raise ValueError(f'{path}: classes {cached} in the cache, '
                             f'{list(classes)} in the config')
    if gt_root is None:
        return
    if not osp.isdir(gt_root):
        raise FileNotFoundError(f'ground-truth folder {gt_root} does not '
                                'exist')
    gt_names = sorted(
        d for d in os.listdir(gt_root)
        if osp.isfile(osp.join(gt_root, d, 'seqinfo.ini')))
    names = [s.name for s in sequences]
    extra = sorted(set(names) - set(gt_names))
    if extra:
        raise ValueError(
            f'{cache_path(cache_dir, extra[0])}: sequence(s) {extra} are '
            f'not in the ground truth {gt_root} (which holds {gt_names}): '
            'a cache of another dataset?')
    missing = sorted(set(gt_names) - set(names))
    if missing:
        raise ValueError(f'{cache_dir}: no cache file for the ground-truth '
                         f'sequence(s) {missing} of {gt_root}')
    for seq in sequences:
        info = read_seqinfo(osp.join(gt_root, seq.name, 'seqinfo.ini'))
        if info.seq_length != seq.num_frames:
            raise ValueError(
                f'{cache_path(cache_dir, seq.name)}: {seq.num_frames} '
                f'frames, but {osp.join(gt_root, seq.name, "seqinfo.ini")} '
                f'says seqLength={info.seq_length}')
