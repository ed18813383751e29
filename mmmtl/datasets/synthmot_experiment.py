"""The SynthMOT experiment set-up shared by the quickstart and the study.

Both ``tools/quickstart.py`` and ``tools/analysis_tools/run_ablation.py``
train a SynthMOT config on generated sequences and test it on held-out
ones. This module is the one place that generates those splits and points
a config at them, so that a study row and the quickstart see the same data
for the same seed.

Splits of one data folder (seeds relative to the experiment's ``seed``):

==================  ============  ======================================
folder              seed          use
==================  ============  ======================================
``synthmot-train``  ``seed``      training
``synthmot-test``   ``seed+1000`` the held-out split that is reported
``synthmot-val``    ``seed+2000`` validation (tracker tuning), optional
==================  ============  ======================================

The last sequence of a held-out split (test or validation) with more than
one sequence is filmed by a camera panning at ``pan`` pixels per frame.
"""
import copy
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

from mmengine.config import Config

from .converters import convert_mot_to_coco
from .synthetic import write_mot_split

#: Split folder name -> (seed offset, sequence name prefix).
SPLITS: Dict[str, tuple] = {
    'synthmot-train': (0, 'TRAIN'),
    'synthmot-test': (1000, 'TEST'),
    'synthmot-val': (2000, 'VAL'),
}
ANN_FILE = osp.join('annotations', 'train_cocoformat.json')


@dataclass(frozen=True)
class SynthMOTData:
    """Size of one SynthMOT experiment's data.

    Args:
        train_seqs (int): Training sequences. Defaults to 6.
        test_seqs (int): Held-out sequences. Defaults to 3.
        frames (int): Frames per training sequence. Defaults to 300.
        test_frames (int): Frames per held-out (and validation) sequence.
            Defaults to 300.
        val_seqs (int): Validation sequences (0: no validation split).
            Defaults to 0.
        pan (float): Pan (px per frame) of the last held-out sequence.
            Defaults to 1.0 (the view turns 299 px over 300 frames).
        size (tuple[int, int]): Frame ``(width, height)``.
            Defaults to ``(320, 192)``.
    """
    train_seqs: int = 6
    test_seqs: int = 3
    frames: int = 300
    test_frames: int = 300
    val_seqs: int = 0
    pan: float = 1.
    size: tuple = (320, 192)

    def __post_init__(self) -> None:
        for key in ('train_seqs', 'test_seqs', 'frames', 'test_frames'):
            if int(getattr(self, key)) < 1:
                raise ValueError(f'SynthMOTData.{key} must be >= 1, got '
                                 f'{getattr(self, key)}')
        if self.val_seqs < 0:
            raise ValueError(
                f'SynthMOTData.val_seqs must be >= 0, got {self.val_seqs}')

    def folder_name(self, seed: int) -> str:
        """A name holding everything that sets the data."""
        name = (f'train{self.train_seqs}x{self.frames}_'
                f'test{self.test_seqs}x{self.test_frames}')
        if self.pan:
            name += f'_pan{self.pan:g}'
        return name + f'_s{seed}'


def make_synthmot_data(data_root: str,
                       data: SynthMOTData = SynthMOTData(),
                       seed: int = 0,
                       force: bool = False,
                       verbose: bool = True,
                       splits: Optional[Sequence[str]] = None
                       ) -> Dict[str, str]:
    """Generate and convert the splits of one experiment (skipping a split
    whose annotation file exists, unless ``force``).

    Args:
        data_root (str): Folder receiving ``synthmot-train/``,
            ``synthmot-test/`` and (with ``data.val_seqs``)
            ``synthmot-val/``.
        data (SynthMOTData): Sizes. Defaults to the quickstart's.
        seed (int): Seed of the experiment. Defaults to 0.
        force (bool): Regenerate existing splits. Defaults to False.
        verbose (bool): Print kept splits. Defaults to True.
        splits (Sequence[str], optional): Generate only these splits (names
            of :data:`SPLITS`), e.g. ``['synthmot-test']`` for a further
            held-out set. Defaults to None (every split with sequences).

    Returns:
        dict[str, str]: Root folder of each split, by split name.
    """
    if splits is not None:
        unknown = sorted(set(splits) - set(SPLITS))
        if unknown:
            raise ValueError(f'make_synthmot_data: unknown split(s) '
                             f'{unknown}; choose from {sorted(SPLITS)}')
    roots = {}
    counts = {'synthmot-train': data.train_seqs,
              'synthmot-test': data.test_seqs,
              'synthmot-val': data.val_seqs}
    for name, (offset, prefix) in SPLITS.items():
        held_out = name != 'synthmot-train'
        n_seqs = counts[name]
        if n_seqs == 0 or (splits is not None and name not in splits):
            continue
        root = osp.join(data_root, name)
        roots[name] = root
        ann = osp.join(root, ANN_FILE)
        if osp.isfile(ann) and not force:
            if verbose:
                print(f'  {ann} exists, kept')
            continue
        pan = [0.] * n_seqs
        if held_out and n_seqs > 1:
            pan[-1] = float(data.pan)
        write_mot_split(
            root,
            num_seqs=n_seqs,
            num_frames=data.test_frames if held_out else data.frames,
            size=tuple(data.size),
            seed=seed + offset,
            split='train',
            name_prefix=prefix,
            pan=pan)
        convert_mot_to_coco(
            root, osp.join(root, 'annotations'), split_train=False)
    return roots


def set_schedule_length(cfg: Config, iters: int) -> None:
    """Stretch or shorten the SynthMOT schedule (linear warm-up, then
    cosine decay) to ``iters`` iterations, in place."""
    if iters < 1:
        raise ValueError(f'iters must be >= 1, got {iters}')
    cfg.train_cfg.max_iters = iters
    cfg.default_hooks.checkpoint.interval = iters
    warm = min(100, max(1, iters // 10))
    sched = cfg.param_scheduler
    sched[0].end = warm
    sched[1].begin = warm
    sched[1].T_max = max(1, iters - warm)
    sched[1].end = iters


def configure_synthmot(cfg: Config,
                       data_root: str,
                       work_dir: str,
                       seed: int = 0,
                       iters: Optional[int] = None,
                       held_out: str = 'synthmot-test') -> Config:
    """Point a SynthMOT config at one experiment's data (a copy).

    Sets the training and test data roots, the metric's ground truth (the
    held-out split's ``gt.txt`` files), the identity classifier's size
    (the identities the converter numbered), the seed and, optionally, the
    schedule length.

    Args:
        cfg (Config): A config of ``configs/quickstart`` or
            ``configs/synthmot``.
        data_root (str): Folder of :func:`make_synthmot_data`.
        work_dir (str): The runner's work folder.
        seed (int): Initialisation seed. Defaults to 0.
        iters (int, optional): Schedule length. Defaults to None (the
            config's).
        held_out (str): The split tested, a folder of ``data_root``, or
            the absolute path of a split folder made elsewhere (a further
            held-out set). Defaults to ``'synthmot-test'``.

    Returns:
        Config: The configured copy.
    """
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.train_dataloader.dataset.data_root = osp.join(
        data_root, 'synthmot-train') + os.sep
    cfg.test_dataloader.dataset.data_root = osp.join(data_root,
                                                     held_out) + os.sep
    cfg.test_evaluator.gt_root = osp.join(data_root, held_out, 'train')
    ann = osp.join(data_root, 'synthmot-train', ANN_FILE)
    try:
        with open(ann) as f:
            num_ids = int(json.load(f)['num_identities'])
    except (OSError, KeyError, ValueError) as e:
        raise ValueError(f'{ann}: cannot read num_identities ({e}); '
                         'generate the data with make_synthmot_data') from e
    # the classifier covers exactly the identities the converter numbered
    cfg.model.detector.bbox_head.num_identities = num_ids
    if iters is not None:
        set_schedule_length(cfg, iters)
    cfg.randomness = dict(seed=seed)
    return cfg
