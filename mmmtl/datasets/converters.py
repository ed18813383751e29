"""MOTChallenge to CocoVID conversion with Re-ID identity numbers.

:func:`convert_mot_to_coco` writes the json files of mmdet's
``tools/dataset_converters/mot2coco.py`` (same file names, same keys and
values: ``videos``, ``images`` with ``frame_id``/``mot_frame_id``,
``annotations`` with ``mot_instance_id``, ``mot_conf``, ``visibility`` and
the per-split ``instance_id``, ``num_instances``) and adds what training a
Re-ID branch needs:

- ``reid_id`` on every annotation: identity numbers that are unique across
  all videos of a split and contiguous, ``0 .. K-1``, given only to boxes
  that count as pedestrians for training (``class == 1`` and ``conf ==
  1``, the rule of JDE and FairMOT), or to the boxes of ``reid_classes``
  for a multi-class data set (one identity space for all classes); every
  other box gets ``-1``;
- ``num_identities`` (``K``) at the top level of each file.

It differs from mmdet's script where that script cannot serve as a
function or would give wrong identities:

- every image also carries its video's ``frame_rate`` (``seqinfo.ini``'s
  ``frameRate``, not truncated to an int), which mmdet's video datasets
  copy into each frame's data info; ``PackTrackInputs(meta_keys=
  ('frame_rate', ))`` then hands it to the tracker, whose lost-track
  buffer scales with it;
- a split folder that does not exist is skipped (synthetic data often has
  ``train`` only) and non-folders inside it are ignored;
- videos are processed in sorted order, so numbers do not depend on the
  order the file system lists them in;
- MOT17 ships every training video three times (``-DPM``, ``-FRCNN``,
  ``-SDP``) with the same frames and GT; the training subsets (``train``,
  ``half-train``, ``half-val``) keep only the copy named by
  ``mot17_detector``, so one person does not become three identities.
  ``test`` keeps all copies (the server wants a result file for each);
- ``seqinfo.ini`` and ``gt.txt`` are read by the strict readers of
  :mod:`mmmtl.formats.motchallenge`: malformed input raises an error naming
  the file, line and key;
- the ``half-val`` GT is also written in the MOTChallenge layout under
  ``<out_dir>/half-val_gt/<SEQ>/`` with frames renumbered from 1 (the
  numbering of the result files the MOT metrics write), for offline
  evaluation, instead of ``gt_half-*.txt`` files inside the input folder.

Half split (``split_train=True``): the first ``n // 2 + 1`` frames of each
training video form ``half-train``, the remaining frames ``half-val``, as
in mmdet's converter (the split of CenterTrack and ByteTrack).

DanceTrack and SportsMOT ship a third split folder, ``val``, with ground
truth: it becomes the ``val`` subset (all frames; the folder itself is the
MOTChallenge-layout ground truth for evaluation, frames already numbered
from 1). Their frame names (DanceTrack's ``00000001.jpg``) and identities
starting at 0 (SportsMOT) are taken as they are.
"""
import os
import os.path as osp
import re
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np

from mmmtl.formats import (
    MOT_CLASSES,
    SeqInfo,
    read_mot_gt,
    read_seqinfo,
    write_mot_gt,
    write_seqinfo,
)

#: Categories of the json files, as in mmdet's converter.
CATEGORIES = [dict(id=i + 1, name=n) for i, n in enumerate(MOT_CLASSES)]
TRAIN_SUBSETS = ('train', 'half-train', 'half-val')
#: Subsets and the split folder each one reads.
SUBSET_FOLDERS = {'train': 'train', 'half-train': 'train',
                  'half-val': 'train', 'val': 'val', 'test': 'test'}
_MOT17_COPY = re.compile(r'^(MOT17-\d+)-(DPM|FRCNN|SDP)$')


def _list_videos(in_folder: str, subset: str,
                 mot17_detector: Optional[str]) -> List[str]:
    names = sorted(
        n for n in os.listdir(in_folder)
        if osp.isdir(osp.join(in_folder, n)))
    if subset in TRAIN_SUBSETS and mot17_detector is not None:
        # Keep one of MOT17's three identical copies of each video.
        names = [
            n for n in names if not _MOT17_COPY.match(n)
            or _MOT17_COPY.match(n).group(2) == mot17_detector
        ]
    return names


def _list_images(seq_dir: str, info: SeqInfo) -> List[str]:
    img_dir = osp.join(seq_dir, info.im_dir)
    if not osp.isdir(img_dir):
        raise FileNotFoundError(
            f'{img_dir} is missing (imDir of {seq_dir}/seqinfo.ini)')
    names = sorted(n for n in os.listdir(img_dir) if n.endswith(info.im_ext))
    if len(names) != info.seq_length:
        raise ValueError(
            f'{img_dir} holds {len(names)} "{info.im_ext}" images but '
            f'{seq_dir}/seqinfo.ini says seqLength={info.seq_length}')
    for n in names:
        if not n[:-len(info.im_ext)].isdigit():
            raise ValueError(f'{img_dir}/{n}: image names must be frame '
                             'numbers (e.g. 000001.jpg)')
    return names


def _frame_index(gt: np.ndarray) -> Dict[int, np.ndarray]:
    """Row indices of a ``(N, 9)`` GT array per frame, in file order."""
    order = np.argsort(gt[:, 0], kind='stable')
    frames, starts = np.unique(gt[order, 0], return_index=True)
    return {
        int(f): idx
        for f, idx in zip(frames, np.split(order, starts[1:]))
    }


def _convert_subset(mot_root: str, out_dir: str, subset: str,
                    mot17_detector: Optional[str],
                    gt_cache: Dict[str, tuple],
                    reid_classes: Sequence[int] = (1, )) -> dict:
    """Convert one subset and write its json; returns its summary.

    ``gt_cache`` maps a ``gt.txt`` path to its rows and frame index,
    shared by the subsets of one conversion.
    """
    in_folder = osp.join(mot_root, SUBSET_FOLDERS[subset])
    parse_gt = subset != 'test'
    out = dict(categories=CATEGORIES, videos=[], images=[], annotations=[])
    vid_id = img_id = ann_id = 1
    ins_id = 0  # mmdet's instance_id: per subset, all classes
    reid_ids: Dict[Tuple[str, int], int] = {}
    half_val_root = osp.join(out_dir, 'half-val_gt')
    if subset == 'half-val' and osp.isdir(half_val_root):
        shutil.rmtree(half_val_root)  # no sequences of an earlier run
    for name in _list_videos(in_folder, subset, mot17_detector):
        seq_dir = osp.join(in_folder, name)
        info = read_seqinfo(seq_dir, expected_name=name)
        img_names = _list_images(seq_dir, info)
        # mmdet writes int(frameRate); 12.5 fps must not become 12
        fps = _frame_rate(info.frame_rate)
        out['videos'].append(
            dict(id=vid_id, name=name, fps=fps,
                 width=info.im_width, height=info.im_height))
        gt = np.zeros((0, 9))
        rows_of: Dict[int, np.ndarray] = {}
        if parse_gt:
            gt_file = osp.join(seq_dir, 'gt', 'gt.txt')
            if gt_file not in gt_cache:
                # MOT15's 10-column GT has no classes (mmdet's rule, too).
                benchmark = 'MOT15' if 'MOT15' in seq_dir else 'MOT17'
                rows = read_mot_gt(
                    gt_file, seq_length=info.seq_length, benchmark=benchmark)
                gt_cache[gt_file] = (rows, _frame_index(rows))
            gt, rows_of = gt_cache[gt_file]
        if subset.startswith('half'):
            split = len(img_names) // 2 + 1
            img_names = (img_names[:split]
                         if subset == 'half-train' else img_names[split:])
        mot_frames = [int(n[:-len(info.im_ext)]) for n in img_names]
        if subset == 'half-val' and img_names:
            _write_half_val_gt(half_val_root, info, gt, mot_frames)
        ins_maps: Dict[int, int] = {}
        for frame_id, (img_name, mot_frame_id) in enumerate(
                zip(img_names, mot_frames)):
            out['images'].append(
                dict(id=img_id, video_id=vid_id,
                     file_name=osp.join(name, info.im_dir, img_name),
                     height=info.im_height, width=info.im_width,
                     frame_id=frame_id, mot_frame_id=mot_frame_id,
                     frame_rate=fps))
            for r in gt[rows_of.get(mot_frame_id, [])].tolist():
                mot_id, conf, cat = int(r[1]), r[6], int(r[7])
                if mot_id not in ins_maps:
                    ins_maps[mot_id] = ins_id
                    ins_id += 1
                reid_id = -1
                if cat in reid_classes and conf == 1:
                    reid_id = reid_ids.setdefault((name, mot_id),
                                                  len(reid_ids))
                out['annotations'].append(
                    dict(category_id=cat, bbox=r[2:6], area=r[4] * r[5],
                         iscrowd=False, visibility=r[8],
                         mot_instance_id=mot_id, mot_conf=conf, id=ann_id,
                         image_id=img_id, instance_id=ins_maps[mot_id],
                         reid_id=reid_id))
                ann_id += 1
            img_id += 1
        vid_id += 1
    out['num_instances'] = ins_id
    out['num_identities'] = len(reid_ids)
    out_file = osp.join(out_dir, f'{subset}_cocoformat.json')
    mmengine.dump(out, out_file)
    return dict(
        file=out_file,
        num_videos=len(out['videos']),
        num_images=len(out['images']),
        num_annotations=len(out['annotations']),
        num_identities=len(reid_ids))


def _frame_rate(value: float):
    """A frame rate as int when whole (mmdet's ``fps``), else float."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _write_half_val_gt(gt_root: str, info: SeqInfo, gt: np.ndarray,
                       mot_frames: List[int]) -> None:
    """Write one half-val video in the MOTChallenge layout, renumbered."""
    seq_dir = osp.join(gt_root, info.name)
    os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
    first = mot_frames[0]
    rows = gt[np.isin(gt[:, 0], mot_frames)].copy()
    rows[:, 0] -= first - 1
    write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), rows)
    write_seqinfo(
        osp.join(seq_dir, 'seqinfo.ini'),
        SeqInfo(
            name=info.name,
            im_dir=info.im_dir,
            frame_rate=info.frame_rate,
            seq_length=len(mot_frames),
            im_width=info.im_width,
            im_height=info.im_height,
            im_ext=info.im_ext))


def convert_mot_to_coco(mot_root: str,
                        out_dir: str,
                        split_train: bool = True,
                        mot17_detector: Optional[str] = 'FRCNN',
                        subsets: Optional[Sequence[str]] = None,
                        reid_classes: Sequence[int] = (1, )
                        ) -> Dict[str, dict]:
    """Convert a MOTChallenge-layout folder to CocoVID json files.

    Input layout: ``<mot_root>/{train,val,test}/<SEQ>/`` with
    ``seqinfo.ini``, the images in ``imDir`` named by frame number and, for
    ``train`` and ``val`` (DanceTrack, SportsMOT), ``gt/gt.txt``. Output:
    ``<out_dir>/<subset>_cocoformat.json`` per subset, and
    ``<out_dir>/half-val_gt/`` with ``half-val``.

    Args:
        mot_root (str): Dataset root, e.g. ``data/MOT17``.
        out_dir (str): Output folder, e.g. ``data/MOT17/annotations``.
        split_train (bool): Also write the ``half-train`` and ``half-val``
            subsets of ``train``. Defaults to True.
        mot17_detector (str, optional): Which of MOT17's identical copies
            (``'DPM'``, ``'FRCNN'``, ``'SDP'``) of a training video to
            keep in the training subsets; None keeps all three.
            Defaults to 'FRCNN'.
        subsets (Sequence[str], optional): Subsets to write, from
            ``train``, ``val``, ``test``, ``half-train``, ``half-val``.
            Defaults to None: those whose input folder exists (the half
            subsets only with ``split_train``).
        reid_classes (Sequence[int]): MOT class numbers whose boxes
            (with ``conf == 1``) get identities, e.g. ``(1, 3)`` for
            pedestrians and cars. Defaults to ``(1, )``.

    Returns:
        dict[str, dict]: Per written subset: ``file``, ``num_videos``,
        ``num_images``, ``num_annotations`` and ``num_identities``.
    """
    if mot17_detector not in (None, 'DPM', 'FRCNN', 'SDP'):
        raise ValueError('mot17_detector must be None, "DPM", "FRCNN" or '
                         f'"SDP", got {mot17_detector!r}')
    has = {
        s: osp.isdir(osp.join(mot_root, s))
        for s in ('train', 'val', 'test')
    }
    if subsets is None:
        subsets = [s for s in ('train', 'val', 'test') if has[s]]
        if split_train and has['train']:
            subsets += ['half-train', 'half-val']
    if not subsets:
        raise FileNotFoundError(
            f'{mot_root} has no train, val or test folder')
    for s in subsets:
        if s not in SUBSET_FOLDERS:
            raise ValueError(f'unknown subset {s!r}; choose from '
                             f'{tuple(SUBSET_FOLDERS)}')
        folder = SUBSET_FOLDERS[s]
        if not has[folder]:
            raise FileNotFoundError(
                f'{osp.join(mot_root, folder)} is missing (needed by the '
                f'{s} subset)')
    os.makedirs(out_dir, exist_ok=True)
    gt_cache: Dict[str, tuple] = {}
    return {
        s: _convert_subset(mot_root, out_dir, s, mot17_detector, gt_cache,
                           tuple(int(c) for c in reid_classes))
        for s in subsets
    }
