"""Check, before training, that the Re-ID classifier covers the data."""
from typing import Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper


@HOOKS.register_module()
class IdentityCountCheckHook(Hook):
    """Fail early when the head has fewer identities than the data.

    The Re-ID branch classifies every training box into one of the
    ``num_identities`` identities of its head; a training set with more
    identities would otherwise fail (or, on GPU, corrupt memory) only when
    the first out-of-range id is drawn. Before training this hook compares
    ``model.<head_path>.num_identities`` with
    ``train_dataloader.dataset.metainfo['num_identities']`` (set by
    :class:`MOTReIDDataset` from the converter's output) and raises a
    ``ValueError`` naming both when the head is too small. A larger head
    only logs a warning (the extra classes are never targets).

    Args:
        head_path (str): Dotted path of the head inside the model.
            Defaults to 'detector.bbox_head'.
    """

    priority = 'VERY_HIGH'

    def __init__(self, head_path: str = 'detector.bbox_head') -> None:
        self.head_path = head_path

    def before_train(self, runner) -> None:
        """Compare the head's and the training set's identity counts.

        Args:
            runner (:obj:`mmengine.runner.Runner`): The runner.
        """
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        head = model
        for name in self.head_path.split('.'):
            if not hasattr(head, name):
                raise AttributeError(
                    f'IdentityCountCheckHook: the model has no '
                    f'model.{self.head_path} (no "{name}"); set head_path '
                    'to the Re-ID head')
            head = getattr(head, name)
        head_ids: Optional[int] = getattr(head, 'num_identities', None)
        key = f'model.{self.head_path}.num_identities'
        if head_ids is None:
            raise AttributeError(f'IdentityCountCheckHook: {key} is not set')

        dataset = runner.train_dataloader.dataset
        if hasattr(dataset, 'full_init'):
            dataset.full_init()  # a lazily initialised dataset
        data_ids = dataset.metainfo.get('num_identities')
        if data_ids is None:
            raise KeyError(
                'IdentityCountCheckHook: the training dataset '
                f'({type(dataset).__name__}) has no "num_identities" in its '
                'metainfo; use MOTReIDDataset with annotations from '
                'tools/dataset_converters/mot2coco.py')
        if head_ids < data_ids:
            raise ValueError(
                f'{key} = {head_ids} is smaller than the number of '
                f'identities in the training set, {data_ids} '
                f'({getattr(dataset, "ann_file", type(dataset).__name__)}); '
                f'set {key} (the config\'s num_identities) to {data_ids}')
        if head_ids > data_ids:
            print_log(
                f'{key} = {head_ids} exceeds the {data_ids} identities of '
                'the training set; the extra classes are never targets',
                logger='current', level=30)
