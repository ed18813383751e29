from collections import deque
from typing import Deque, Dict, Optional, Tuple, Union

import cv2
import numpy as np
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.visualization import TrackLocalVisualizer
from mmdet.visualization.local_visualizer import random_color
from mmengine.dist import master_only
from mmengine.structures import InstanceData


@VISUALIZERS.register_module()
class MMMTLTrackVisualizer(TrackLocalVisualizer):
    """Tracking visualizer that draws identities and trajectory tails.

    Each box is drawn in its identity's colour (mmdet's ``random_color``)
    and labelled with the identity number just above its top-left corner,
    so the label covers the background rather than the person; the class
    name is added only when the dataset has several classes and the score
    only with ``show_score``. Line width and font size follow the frame
    size (1 px and 6 pt at 320x192, 5 px and 16 pt at 1920x1080), so that
    boxes and labels stay visible without hiding the people. For every
    tracked identity a polyline runs through the bottom centres of its last
    ``tail_length`` boxes, like the trajectory curves of the CE paper's
    qualitative figure. Tails follow the predicted
    tracks (``pred_track_instances`` above ``pred_score_thr``) of successive
    :meth:`add_datasample` calls and restart when a data sample's
    ``frame_id`` is 0 or :meth:`reset_tails` is called.

    Args:
        name (str): Name of the instance. Defaults to 'visualizer'.
        image (np.ndarray, optional): RGB image to draw on.
            Defaults to None.
        vis_backends (list, optional): Visual backend configs.
            Defaults to None.
        save_dir (str, optional): Save folder of the backends.
            Defaults to None.
        line_width (int | float, optional): Box line width in pixels.
            Defaults to None: ``max(1, round(short side / 200))``.
        alpha (float): Box transparency. Defaults to 0.8.
        tail_length (int): Number of past positions kept per identity;
            0 disables tails. Defaults to 30.
        tail_width (int, optional): Line width of the tails in pixels.
            Defaults to None: the box line width.
        font_size (int, optional): Label font size in points. Defaults to
            None: ``max(6, round(short side / 68))``.
        show_score (bool): Whether labels show the track score. Defaults
            to False.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[Dict] = None,
                 save_dir: Optional[str] = None,
                 line_width: Optional[Union[int, float]] = None,
                 alpha: float = 0.8,
                 tail_length: int = 30,
                 tail_width: Optional[int] = None,
                 font_size: Optional[int] = None,
                 show_score: bool = False) -> None:
        super().__init__(name, image, vis_backends, save_dir,
                         3 if line_width is None else line_width, alpha)
        self.fixed_line_width = line_width
        self.font_size = font_size
        self.show_score = show_score
        if tail_length < 0:
            raise ValueError(f'tail_length must be >= 0, got {tail_length}')
        self.tail_length = tail_length
        self.tail_width = tail_width
        self._tails: Dict[int, Deque[Tuple[int, Tuple[float, float]]]] = {}
        self._step = -1
        # Index of the `_draw_instances` call (within one `add_datasample`)
        # that draws predictions: the parent draws GT first, then
        # predictions.
        self._pred_call = -1
        self._calls = 0

    def style(self, height: int, width: int) -> Tuple[float, int, int]:
        """Box line width (px), tail width (px) and font size (pt) for a
        frame of ``height`` x ``width`` pixels."""
        short = min(height, width)
        line = (self.fixed_line_width if self.fixed_line_width is not None
                else max(1, round(short / 200)))
        tail = self.tail_width if self.tail_width is not None else max(
            1, int(round(line)))
        font = (self.font_size if self.font_size is not None else max(
            6, round(short / 68)))
        return line, tail, font

    def label(self, track_id: int, label: int,
              score: Optional[float] = None) -> str:
        """Text of a box: identity, class name if several, score if
        ``show_score``."""
        text = str(int(track_id))
        classes = (self.dataset_meta or {}).get('classes', None)
        if classes is not None and len(classes) > 1:
            text = f'{classes[int(label)]} {text}'
        if self.show_score and score is not None:
            text += f' {float(score):.2f}'
        return text

    def reset_tails(self) -> None:
        """Forget all trajectories (e.g. when a new video starts)."""
        self._tails.clear()
        self._step = -1

    def _update_tails(self, instances: InstanceData) -> None:
        """Append the bottom centres of ``instances`` to their tails.

        Args:
            instances (InstanceData): Tracked instances with ``bboxes``
                of shape (N, 4) in ``(x1, y1, x2, y2)`` and
                ``instances_id`` of shape (N, ).
        """
        self._step += 1
        if self.tail_length == 0 or 'bboxes' not in instances:
            return
        boxes = instances.bboxes.cpu().numpy().reshape(-1, 4)
        ids = instances.instances_id.cpu().numpy().reshape(-1)
        for box, track_id in zip(boxes, ids):
            point = ((box[0] + box[2]) / 2, box[3])
            tail = self._tails.setdefault(
                int(track_id), deque(maxlen=self.tail_length))
            tail.append((self._step, point))
        # Drop identities not seen for a whole tail length.
        stale = [
            k for k, v in self._tails.items()
            if self._step - v[-1][0] >= self.tail_length
        ]
        for k in stale:
            del self._tails[k]

    def _draw_tails(self, image: np.ndarray,
                    instances: InstanceData) -> np.ndarray:
        """Draw the tails of the identities in ``instances`` on a copy.

        Args:
            image (np.ndarray): RGB image of shape (H, W, 3).
            instances (InstanceData): Instances being drawn.

        Returns:
            np.ndarray: RGB image of shape (H, W, 3) with the tails.
        """
        if not self._tails or 'instances_id' not in instances:
            return image
        image = np.ascontiguousarray(image).copy()
        for track_id in instances.instances_id.cpu().numpy().reshape(-1):
            tail = self._tails.get(int(track_id))
            if tail is None or len(tail) < 2:
                continue
            # Gaps where the identity was lost are bridged by the line.
            points = np.array([p for _, p in tail], np.float32)
            cv2.polylines(
                image, [np.round(points).astype(np.int32)],
                isClosed=False,
                color=random_color(int(track_id)),
                thickness=self.style(*image.shape[:2])[1],
                lineType=cv2.LINE_AA)
        return image

    def _draw_instances(self, image: np.ndarray,
                        instances: InstanceData) -> np.ndarray:
        """Draw tails (for predictions), then boxes and their labels.

        Args:
            image (np.ndarray): RGB image of shape (H, W, 3).
            instances (InstanceData): Instances to draw.

        Returns:
            np.ndarray: The drawn RGB image of shape (H, W, 3).
        """
        if self._calls == self._pred_call:
            image = self._draw_tails(image, instances)
        self._calls += 1
        if 'bboxes' in instances and len(instances) > 0:
            # Tracks may extend past the border (amodal boxes); matplotlib
            # would then widen the canvas and shrink the frame inside it.
            # mmengine accepts 0 <= x < width only.
            instances = instances.clone()
            height, width = image.shape[:2]
            bboxes = instances.bboxes.clone()
            bboxes[:, 0::2] = bboxes[:, 0::2].clamp(0, width - 1)
            bboxes[:, 1::2] = bboxes[:, 1::2].clamp(0, height - 1)
            instances.bboxes = bboxes
        return self._draw_boxes_and_labels(image, instances)

    def _draw_boxes_and_labels(self, image: np.ndarray,
                               instances: InstanceData) -> np.ndarray:
        """Boxes in identity colours, labels above their top-left corner.

        Args:
            image (np.ndarray): RGB image of shape (H, W, 3).
            instances (InstanceData): ``bboxes`` (N, 4), ``labels`` (N,),
                ``instances_id`` (N,), optionally ``scores`` (N,).

        Returns:
            np.ndarray: The drawn RGB image of shape (H, W, 3).
        """
        self.set_image(image)
        if 'bboxes' not in instances or len(instances) == 0:
            return self.get_image()
        line, _, font = self.style(*image.shape[:2])
        ids = instances.instances_id.tolist()
        colors = [random_color(i) for i in ids]
        bboxes = instances.bboxes.clone()
        self.draw_bboxes(
            bboxes, edge_colors=colors, alpha=self.alpha, line_widths=line)
        scores = (instances.scores.tolist()
                  if 'scores' in instances else [None] * len(ids))
        for k, (i, label) in enumerate(zip(ids, instances.labels.tolist())):
            x1, y1 = float(bboxes[k, 0]), float(bboxes[k, 1])
            # above the box; inside it where the box touches the top
            above = y1 > 1.6 * font
            self.draw_texts(
                self.label(i, label, scores[k]),
                np.array([x1, y1 if above else y1 + line]),
                colors='black',
                font_sizes=font,
                vertical_alignments='bottom' if above else 'top',
                bboxes=[{
                    'facecolor': [c / 255 for c in colors[k]],
                    'alpha': 0.8,
                    'pad': 0.1,
                    'edgecolor': 'none'
                }])
        return self.get_image()

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: Union[int, float] = 0,
                       out_file: Optional[str] = None,
                       pred_score_thr: float = 0.3,
                       step: int = 0) -> None:
        """Update the tails with the predictions, then draw as the parent.

        Args are those of :meth:`TrackLocalVisualizer.add_datasample`;
        ``image`` is RGB of shape (H, W, 3).
        """
        self._calls = 0
        self._pred_call = -1
        if (draw_pred and data_sample is not None
                and 'pred_track_instances' in data_sample):
            if data_sample.metainfo.get('frame_id', -1) == 0:
                self.reset_tails()
            pred = data_sample.pred_track_instances
            if 'scores' in pred:
                pred = pred[pred.scores > pred_score_thr]
            self._update_tails(pred)
            has_gt = draw_gt and 'gt_instances' in data_sample
            self._pred_call = 1 if has_gt else 0
        super().add_datasample(
            name,
            image,
            data_sample=data_sample,
            draw_gt=draw_gt,
            draw_pred=draw_pred,
            show=show,
            wait_time=wait_time,
            out_file=out_file,
            pred_score_thr=pred_score_thr,
            step=step)
