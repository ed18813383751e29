"""Claim a MOTChallenge sequence folder before a generator writes into it.

A generator run that writes 30 frames into a folder holding an earlier
run's 150 would leave 120 stale frames beside a ``seqinfo.ini`` saying 30,
and a frame-folder reader (the demo) would then read all 150. So a
sequence folder is written only when it is new, empty, or holds the same
sequence (same ``seqinfo.ini`` and no frame the new run would not
replace: a re-run of the same command); anything else is refused unless
``overwrite``, which clears the folder first.
"""
import os
import os.path as osp
import shutil
from typing import List, Sequence

from mmmtl.formats import (
    MOTFormatError,
    SeqInfo,
    read_seqinfo,
)

__all__ = ['claim_sequence_folders']


def _describe(seq_dir: str, info: SeqInfo) -> str:
    """Why ``seq_dir`` belongs to another run, or '' if it does not."""
    if not osp.isdir(seq_dir) or not os.listdir(seq_dir):
        return ''
    img_dir = osp.join(seq_dir, info.im_dir)
    frames = (sorted(os.listdir(img_dir)) if osp.isdir(img_dir) else [])
    try:
        old = read_seqinfo(seq_dir)
    except MOTFormatError:
        return (f'it holds {len(frames)} frames and no valid '
                'seqinfo.ini')
    # frames this run does not replace (names may have 6 or 8 digits)
    stale = [
        f for f in frames
        if not (osp.splitext(f)[0].isdigit() and f.endswith(info.im_ext)
                and 1 <= int(osp.splitext(f)[0]) <= info.seq_length)
    ]
    same = (old.seq_length, old.im_width, old.im_height, old.frame_rate,
            old.im_ext, old.im_dir) == (info.seq_length, info.im_width,
                                        info.im_height, info.frame_rate,
                                        info.im_ext, info.im_dir)
    if same and not stale:
        return ''
    return (f'it holds another run: {len(frames)} frames, seqinfo.ini '
            f'says seqLength={old.seq_length}, '
            f'{old.im_width}x{old.im_height} at {old.frame_rate:g} fps; '
            f'this run writes seqLength={info.seq_length}, '
            f'{info.im_width}x{info.im_height} at {info.frame_rate:g} fps')


def claim_sequence_folders(folders: Sequence[str],
                           infos: Sequence[SeqInfo],
                           overwrite: bool = False) -> List[str]:
    """Check (or clear) the sequence folders a run will write.

    Every folder is checked before any is touched, so a refusal leaves
    the disk as it was.

    Args:
        folders (Sequence[str]): Sequence folders the run writes.
        infos (Sequence[SeqInfo]): What the run writes to each folder's
            ``seqinfo.ini`` (same order).
        overwrite (bool): Clear folders that hold another run instead of
            refusing them. Defaults to False.

    Returns:
        list[str]: The folders that were cleared.

    Raises:
        FileExistsError: A folder holds another run's sequence and
            ``overwrite`` is False; the message names the folder, what it
            holds and what the run would write.
    """
    if len(folders) != len(infos):
        raise ValueError(f'{len(folders)} folders but {len(infos)} infos')
    clash = [(d, _describe(d, i)) for d, i in zip(folders, infos)]
    clash = [(d, why) for d, why in clash if why]
    if clash and not overwrite:
        seq_dir, why = clash[0]
        more = (f' (and {len(clash) - 1} more folders)'
                if len(clash) > 1 else '')
        raise FileExistsError(
            f'{seq_dir}: {why}{more}. Its frames would mix with this '
            "run's; choose another output root, or pass --overwrite "
            '(overwrite=True) to delete those folders first')
    for seq_dir, _ in clash:
        shutil.rmtree(seq_dir)
    return [d for d, _ in clash]
