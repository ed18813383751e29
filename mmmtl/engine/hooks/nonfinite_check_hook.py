"""Stop a test or a demo at the first frame whose model outputs are NaN or
infinite.

A NaN classification map gives no detection at all (every comparison with
the score threshold is False), NaN box regressions give boxes that are
dropped or drawn nowhere, and NaN embeddings make every track a new
identity: the run finishes and reports 0.0 or 200 identities instead of
131. So the outputs of every frame are checked, and the first non-finite
one stops the run with an error naming it and the frame.
"""
from typing import Any, List, Optional, Sequence

import torch
import torch.nn as nn
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

__all__ = ['HeadOutputWatch', 'NonFiniteCheckHook', 'NonFiniteOutputError',
           'check_frame_outputs']

#: Names of a Re-ID head's outputs, in the order of its ``forward``
#: (``cls_scores``, ``bbox_preds``, ``reid_feats``, then any extra).
HEAD_OUTPUTS = ('scores', 'boxes', 'embeddings')


class NonFiniteOutputError(FloatingPointError):
    """A model output holds NaN or inf."""


def _first_nonfinite(value: Any) -> Optional[str]:
    """Where in a (nested) tensor output the first NaN/inf is, if any."""
    if isinstance(value, torch.Tensor):
        if value.is_floating_point() and not torch.isfinite(value).all():
            bad = ~torch.isfinite(value)
            kind = 'NaN' if torch.isnan(value).any() else 'inf'
            return f'{int(bad.sum())} {kind} of {value.numel()} values'
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            where = _first_nonfinite(item)
            if where is not None:
                return (where if len(value) == 1 else
                        f'{where}, level {i}')
    return None


class HeadOutputWatch:
    """Watch the raw outputs of a detector's head for NaN and inf.

    A forward hook on ``model.detector.bbox_head`` (PyTorch backends)
    records the first non-finite output of each forward pass: the
    classification map (``scores``), the box regression (``boxes``) or the
    Re-ID embedding map (``embeddings``). :meth:`pop` returns and clears
    it. Models without such a head (e.g. an ONNX detector) are not
    watched; their final outputs are still checked by
    :func:`check_frame_outputs`.

    Args:
        model (nn.Module): A MOT model (``model.detector.bbox_head``), or a
            wrapper of one.
    """

    def __init__(self, model: nn.Module) -> None:
        if is_model_wrapper(model):
            model = model.module
        head = getattr(getattr(model, 'detector', None), 'bbox_head', None)
        self.found: Optional[str] = None
        self._handle = (
            head.register_forward_hook(self._check)
            if isinstance(head, nn.Module) else None)

    @property
    def active(self) -> bool:
        """bool: Whether a head is watched."""
        return self._handle is not None

    def _check(self, module: nn.Module, args: Any, output: Any) -> None:
        if self.found is not None:
            return
        outputs = output if isinstance(output, tuple) else (output, )
        for i, value in enumerate(outputs):
            where = _first_nonfinite(value)
            if where is not None:
                name = (HEAD_OUTPUTS[i] if i < len(HEAD_OUTPUTS) else
                        f'output {i}')
                self.found = (f'{name} (head output {i}, '
                              f'{type(module).__name__}: {where})')
                return

    def pop(self) -> Optional[str]:
        """The first non-finite head output since the last call, if any."""
        found, self.found = self.found, None
        return found

    def remove(self) -> None:
        """Remove the hook."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def __enter__(self) -> 'HeadOutputWatch':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _instances_nonfinite(sample: Any) -> Optional[str]:
    """The first non-finite field of a frame's predicted instances."""
    for attr, fields in (('pred_track_instances', (('bboxes', 'boxes'),
                                                   ('scores', 'scores'))),
                         ('pred_det_instances', (('bboxes', 'boxes'),
                                                 ('scores', 'scores'),
                                                 ('embeds', 'embeddings'))),
                         ('pred_instances', (('bboxes', 'boxes'),
                                             ('scores', 'scores'),
                                             ('embeds', 'embeddings')))):
        instances = getattr(sample, attr, None)
        if instances is None:
            continue
        for field, name in fields:
            value = getattr(instances, field, None)
            where = _first_nonfinite(value)
            if where is not None:
                return f'{name} ({attr}.{field}: {where})'
    return None


def check_frame_outputs(sample: Any,
                        frame: str,
                        watch: Optional[HeadOutputWatch] = None) -> None:
    """Raise if a frame's outputs hold NaN or inf.

    Args:
        sample (DetDataSample): One frame's output (``pred_track_instances``
            with ``bboxes`` (N, 4) and ``scores`` (N, ); also
            ``pred_det_instances`` / ``pred_instances`` when present).
        frame (str): How to name the frame, e.g. ``'frame 12 of
            clip.mp4'``.
        watch (HeadOutputWatch, optional): Watch of the head's raw
            outputs for this frame; checked first, as a NaN score map
            leaves no instance to check. Defaults to None.

    Raises:
        NonFiniteOutputError: Naming the first non-finite output (scores,
            boxes or embeddings) and the frame.
    """
    found = watch.pop() if watch is not None else None
    if found is None:
        found = _instances_nonfinite(sample)
    if found is not None:
        raise NonFiniteOutputError(
            f'{frame}: the model output non-finite {found}. Its weights '
            '(see the warnings of the checkpoint loader) or the input hold '
            'NaN or inf; the results would be empty or wrong')


def _frame_name(sample: Any, fallback: str) -> str:
    meta = getattr(sample, 'metainfo', {}) or {}
    path = meta.get('img_path')
    frame_id = meta.get('frame_id')
    if frame_id is not None:
        where = f'frame {int(frame_id) + 1}'
        return f'{where} ({path})' if path else where
    return path or fallback


def _frames(outputs: Sequence[Any]) -> List[Any]:
    """The frame samples of a test step's outputs (videos or frames)."""
    frames = []
    for out in outputs or []:
        if hasattr(out, 'video_data_samples'):
            frames.extend(out.video_data_samples)
        elif hasattr(out, '__len__') and hasattr(out, '__getitem__') and \
                hasattr(out, 'key_frames_inds'):
            frames.extend(out[i] for i in range(len(out)))
        else:
            frames.append(out)
    return frames


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Stop a test run at the first frame with NaN or infinite outputs.

    Before the test loop a :class:`HeadOutputWatch` is put on the model's
    head; after every test iteration the head's raw outputs and the
    frame's predicted instances are checked (:func:`check_frame_outputs`).
    ``tools/test.py`` adds it (``mmmtl.apis.build_test_runner``).
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._watch: Optional[HeadOutputWatch] = None

    def before_test(self, runner) -> None:
        """Watch the head's outputs."""
        self._watch = HeadOutputWatch(runner.model)

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Any = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Check the frames of this iteration."""
        frames = _frames(outputs)
        for k, sample in enumerate(frames):
            where = _frame_name(sample, f'test iteration {batch_idx + 1}')
            # head outputs are for the whole iteration: blame its first
            # frame only
            check_frame_outputs(sample, where,
                                self._watch if k == 0 else None)
        if not frames and self._watch is not None:
            check_frame_outputs(None, f'test iteration {batch_idx + 1}',
                                self._watch)

    def after_test(self, runner) -> None:
        """Remove the watch."""
        if self._watch is not None:
            self._watch.remove()
            self._watch = None
