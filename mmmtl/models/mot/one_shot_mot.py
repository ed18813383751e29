"""One-shot (joint detection and embedding) multiple object tracker."""
from typing import Dict, Optional, Union

from mmdet.models.mot import BaseMOTModel
from mmdet.registry import MODELS
from mmdet.structures import SampleList, TrackSampleList
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.structures import InstanceData
from torch import Tensor


@MODELS.register_module()
class OneShotMOT(BaseMOTModel):
    """A detector with a Re-ID branch and an online tracker.

    Training sees single images, as a detector does (configure
    ``TrackDataPreprocessor(use_det_processor=True)`` and a detection
    pipeline with instance ids); the detector returns its detection and
    Re-ID losses, optionally re-weighted by a loss balancer (the multi-task
    weighting of the LWF paper and its baselines). Testing walks a video
    frame by frame like mmdet's ``ByteTrack``: the detector predicts boxes,
    scores, labels and an embedding per box, and the tracker (e.g.
    :class:`JDETracker`) links them into tracks, so mmdet's
    ``TrackTestLoop``, ``MOTChallengeMetric`` and ``TrackLocalVisualizer``
    work unchanged.

    Args:
        detector (dict): Config of a detector whose ``predict`` fills
            ``pred_instances.embeds`` (N, D) besides ``bboxes``, ``scores``
            and ``labels``.
        tracker (dict): Config of the tracker, with a
            ``track(data_sample)`` method returning the tracks.
        loss_balancer (dict, optional): Config of a module mapping the
            detector's loss dict to the weighted loss dict. Defaults to
            None (losses unchanged).
        data_preprocessor (dict, optional): Config of the
            ``TrackDataPreprocessor``. Defaults to None.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 detector: dict,
                 tracker: dict,
                 loss_balancer: Optional[dict] = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.detector = MODELS.build(detector)
        self.tracker = MODELS.build(tracker)
        self.loss_balancer = (
            MODELS.build(loss_balancer) if loss_balancer is not None else None)
        # set by DetectionCacheHook: pred_det_instances then keep embeds
        self.keep_det_embeds = False
        # A balancer that reads the model (GradNorm: the shared layer whose
        # gradient norms it equalises) finds what it needs once, here.
        if hasattr(self.loss_balancer, 'bind'):
            self.loss_balancer.bind(self)

    @property
    def with_loss_balancer(self) -> bool:
        """bool: Whether the task losses are re-weighted."""
        return self.loss_balancer is not None

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Union[Tensor, list]]:
        """Detection and Re-ID losses of a batch of single images.

        Args:
            inputs (Tensor): (B, C, H, W) normalised images of B samples.
            data_samples (list[:obj:`DetDataSample`]): Their annotations,
                with ``gt_instances.instances_ids`` for the Re-ID loss.

        Returns:
            dict: The detector's losses (``loss_cls``, ``loss_bbox``,
            ``loss_reid``, ...), passed through the loss balancer when one
            is set.
        """
        if inputs.dim() != 4:
            raise ValueError(
                'OneShotMOT.loss expects single images (B, C, H, W); got '
                f'shape {tuple(inputs.shape)}. Train with '
                'TrackDataPreprocessor(use_det_processor=True) and a '
                'detection pipeline.')
        losses = self.detector.loss(inputs, data_samples, **kwargs)
        if self.loss_balancer is not None:
            losses = self.loss_balancer(losses)
        return losses

    def predict(self,
                inputs: Tensor,
                data_samples: TrackSampleList,
                rescale: bool = True,
                **kwargs) -> TrackSampleList:
        """Track the objects of one video.

        The frame metainfo (``frame_id``, ``scale_factor`` and the
        ``frame_rate`` that ``PackTrackInputs(meta_keys=('frame_rate', ))``
        packs) reaches the tracker with the detections; a tracker with
        ``with_gmc`` also gets the frame as ``img`` (1, C, H, W).

        Args:
            inputs (Tensor): (1, T, C, H, W) normalised frames of a video
                of T frames.
            data_samples (list[:obj:`TrackDataSample`]): One sample whose
                T frames carry ``frame_id`` (0 for the first frame of a
                video) in their metainfo.
            rescale (bool): Whether the detector returns boxes in the
                original image scale. Defaults to True.

        Returns:
            list[:obj:`TrackDataSample`]: The input sample; each frame gets
            ``pred_track_instances`` (``bboxes``, ``scores``, ``labels``,
            ``instances_id``) and ``pred_det_instances`` (the detections,
            for visualisation; with their ``embeds`` (N, D) while
            ``keep_det_embeds`` is set, for a detection cache).
        """
        if inputs.dim() != 5 or inputs.size(0) != 1 or len(data_samples) != 1:
            raise ValueError(
                'OneShotMOT.predict expects one video: inputs (1, T, C, H, '
                f'W) and one TrackDataSample; got inputs of shape '
                f'{tuple(inputs.shape)} and {len(data_samples)} samples')
        track_data_sample = data_samples[0]
        if len(track_data_sample) != inputs.size(1):
            raise ValueError(
                f'OneShotMOT.predict: inputs hold {inputs.size(1)} frames '
                f'but the TrackDataSample {len(track_data_sample)}')
        for frame_id in range(len(track_data_sample)):
            img_data_sample = track_data_sample[frame_id]
            single_img = inputs[:, frame_id].contiguous()
            det_results = self.detector.predict(
                single_img, [img_data_sample], rescale=rescale)
            det_result = det_results[0]
            pred = det_result.pred_instances
            img_data_sample.pred_det_instances = InstanceData(
                bboxes=pred.bboxes, scores=pred.scores, labels=pred.labels)
            if self.keep_det_embeds:  # for a DetectionCacheHook
                img_data_sample.pred_det_instances.embeds = pred.embeds
            # a tracker that compensates camera motion reads the frame
            if getattr(self.tracker, 'with_gmc', False):
                kwargs['img'] = single_img
            img_data_sample.pred_track_instances = self.tracker.track(
                data_sample=det_result, **kwargs)
        return [track_data_sample]

    def _forward(self,
                 inputs: Tensor,
                 data_samples: Optional[SampleList] = None,
                 **kwargs):
        """Raw head outputs of the detector for single images.

        Args:
            inputs (Tensor): (B, C, H, W) images, or (B, 1, C, H, W).
            data_samples (list[:obj:`DetDataSample`], optional): Unused by
                most detectors. Defaults to None.

        Returns:
            tuple: The detector's ``_forward`` output.
        """
        if inputs.dim() == 5 and inputs.size(1) == 1:
            inputs = inputs[:, 0]
        return self.detector._forward(inputs, data_samples)
