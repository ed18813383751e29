"""Frame-to-frame camera motion, estimated with OpenCV (BoT-SORT's GMC,
made cheap: a small working size, few well-spread corners off the
detections, keypoints reused while they track)."""
from typing import Optional, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmdet.registry import TASK_UTILS

_METHODS = ('sparse_flow', 'ecc')

#: BoT-SORT's ``GMC('sparseOptFlow', downscale=2)`` settings: the
#: estimator as it was before it worked at a small working size (1000
#: corners 1 px apart at half size, OpenCV's default Lucas-Kanade window
#: and RANSAC threshold, no masks, corners found again every frame).
BOTSORT_GMC = dict(
    type='CameraMotionEstimator',
    working_size=None,
    downscale=2,
    max_corners=1000,
    min_distance=1.,
    win_size=21,
    ransac_thr=3.,
    mask_detections=False,
    reuse_keypoints=False)


def to_grey_uint8(img) -> np.ndarray:
    """A frame as an (H, W) uint8 grey image, at full resolution.

    Kept for two-frame use (:meth:`CameraMotionEstimator.estimate`);
    :meth:`CameraMotionEstimator.apply` converts at its working size
    instead, which costs far less on large frames.

    Args:
        img (np.ndarray | torch.Tensor): (H, W, 3) or (H, W) image (any
            dtype), or a (1, C, H, W) / (C, H, W) tensor as a detector
            gets it (normalised floats). Floats are stretched to 0..255
            per frame, which optical flow and ECC do not mind.

    Returns:
        np.ndarray: (H, W) uint8 grey image.
    """
    if isinstance(img, torch.Tensor):
        t = img.detach().float().cpu()
        if t.dim() == 4:
            t = t[0]
        if t.dim() != 3:
            raise ValueError('camera motion: expected a (1, C, H, W) or '
                             f'(C, H, W) tensor, got {tuple(img.shape)}')
        grey = t.mean(0).numpy()
    else:
        arr = np.asarray(img)
        if arr.ndim == 3:
            arr = arr.astype(np.float32).mean(2)
        elif arr.ndim != 2:
            raise ValueError('camera motion: expected an (H, W, C) or '
                             f'(H, W) image, got shape {arr.shape}')
        if arr.dtype == np.uint8:
            return arr
        grey = arr.astype(np.float32)
    return _stretch(grey)


def _stretch(grey: np.ndarray) -> np.ndarray:
    """(H, W) floats to uint8, min to 0 and max to 255."""
    lo, hi = float(grey.min()), float(grey.max())
    scale = 255. / (hi - lo) if hi > lo else 0.
    return ((grey - lo) * scale).astype(np.uint8)


def _shrink(arr: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Area-average an (H, W[, C]) image down to ``size`` = (w, h).

    Halving first: OpenCV's 2x area resize has a fast path, several times
    cheaper per input pixel than a general factor; the last step covers
    at most a factor of 2. Pixel centres map as ``x' = (x + 0.5) s - 0.5``
    with ``s = w / W`` overall, whatever the steps.
    """
    w, h = size
    while arr.shape[1] >= 2 * w and arr.shape[0] >= 2 * h:
        arr = cv2.resize(arr, (arr.shape[1] // 2, arr.shape[0] // 2),
                         interpolation=cv2.INTER_AREA)
    if arr.shape[:2] != (h, w):
        arr = cv2.resize(arr, (w, h), interpolation=cv2.INTER_AREA)
    return arr


@TASK_UTILS.register_module()
class CameraMotionEstimator:
    """Affine motion of the image between consecutive frames.

    BoT-SORT's global motion compensation (``tracker/gmc.py``, method
    ``sparseOptFlow``; boxmot's ``SOF`` is the same at 0.15 scale) made
    cheap enough to leave on:

    - the frame is reduced once, straight from what the tracker is given,
      to a grey image whose longest side is ``working_size`` (area
      averaging, so no aliasing; boxmot's ``SOF`` converts at full size
      and resizes bilinearly);
    - at most ``max_corners`` Shi-Tomasi corners
      (``cv2.goodFeaturesToTrack``), at least ``min_distance`` working
      pixels apart so they spread over the frame, found outside the
      detection boxes (moving people are not the camera);
    - pyramidal Lucas-Kanade flow of those corners into the new frame and
      a RANSAC partial affine (rotation, uniform scale, translation:
      ``cv2.estimateAffinePartial2D``, refined on its inliers);
    - the corners that tracked (RANSAC inliers, still off the detections
      and inside the frame) are the next frame's corners; new ones are
      searched for only when fewer than ``redetect_ratio`` of those last
      found survive.

    ``method='ecc'`` runs mmdet's :class:`CameraMotionCompensation`
    (``cv2.findTransformECC``, Euclidean warp) on the working frames
    instead. :data:`BOTSORT_GMC` holds the settings of BoT-SORT's own
    estimator (half size, 1000 corners, no masks, no reuse).

    Where the estimate fails (too few corners, no convergence) the
    identity is returned, so the tracker falls back to its motion model.

    Args:
        method (str): ``'sparse_flow'`` or ``'ecc'``. Defaults to
            ``'sparse_flow'``.
        working_size (int, optional): Longest side, in pixels, of the
            frame the motion is estimated on (never enlarged). None to
            shrink by ``downscale`` instead. Defaults to 320.
        downscale (int): Shrink factor used when ``working_size`` is None.
            Defaults to 2 (BoT-SORT's ``downscale=2``).
        max_corners (int): Most corners tracked. Defaults to 150.
        min_distance (float, optional): Least distance between corners, in
            working pixels. None for ``working_size / 24`` (20 without a
            ``working_size``). Defaults to None.
        quality_level (float): ``goodFeaturesToTrack``'s corner quality,
            relative to the best corner. Defaults to 0.01.
        block_size (int): Corner response window. Defaults to 3.
        win_size (int): Lucas-Kanade window, in working pixels. Defaults
            to 11.
        max_level (int): Lucas-Kanade pyramid levels above the frame.
            Defaults to 3.
        ransac_thr (float): RANSAC inlier distance, in working pixels.
            Defaults to 0.5.
        mask_detections (bool): Search corners outside the boxes given to
            :meth:`apply`. Defaults to True.
        box_margin (float): Each box is widened by this many working
            pixels on every side before masking (the flow window reaches
            past a corner). Defaults to 2.
        reuse_keypoints (bool): Keep tracking the corners that tracked
            instead of searching anew every frame. Defaults to True.
        redetect_ratio (float): With ``reuse_keypoints``, search anew when
            fewer than this fraction of the corners last found survive.
            Defaults to 0.5.
        min_points (int): Fewest flow matches accepted. Defaults to 8.
    """

    def __init__(self,
                 method: str = 'sparse_flow',
                 working_size: Optional[int] = 320,
                 downscale: int = 2,
                 max_corners: int = 150,
                 min_distance: Optional[float] = None,
                 quality_level: float = 0.01,
                 block_size: int = 3,
                 win_size: int = 11,
                 max_level: int = 3,
                 ransac_thr: float = 0.5,
                 mask_detections: bool = True,
                 box_margin: float = 2.,
                 reuse_keypoints: bool = True,
                 redetect_ratio: float = 0.5,
                 min_points: int = 8) -> None:
        name = 'CameraMotionEstimator'
        if method not in _METHODS:
            raise ValueError(f'{name}: method must be one of {_METHODS}, '
                             f'got {method!r}')
        if working_size is not None and int(working_size) < 16:
            raise ValueError(f'{name}: working_size must be >= 16 pixels '
                             f'(or None), got {working_size}')
        if int(downscale) < 1:
            raise ValueError(f'{name}: downscale must be >= 1, got '
                             f'{downscale}')
        if int(max_corners) < int(min_points) or int(min_points) < 3:
            raise ValueError(f'{name}: need 3 <= min_points <= max_corners,'
                             f' got min_points={min_points}, max_corners='
                             f'{max_corners}')
        if not 0. <= redetect_ratio <= 1.:
            raise ValueError(f'{name}: redetect_ratio must be in [0, 1], '
                             f'got {redetect_ratio}')
        self.method = method
        self.working_size = None if working_size is None else int(
            working_size)
        self.downscale = int(downscale)
        self.max_corners = int(max_corners)
        if min_distance is None:
            min_distance = (self.working_size or 480) / 24.
        self.min_distance = float(min_distance)
        self.quality_level = float(quality_level)
        self.block_size = int(block_size)
        self.win_size = int(win_size)
        self.max_level = int(max_level)
        self.ransac_thr = float(ransac_thr)
        self.mask_detections = bool(mask_detections)
        self.box_margin = float(box_margin)
        self.reuse_keypoints = bool(reuse_keypoints)
        self.redetect_ratio = float(redetect_ratio)
        self.min_points = int(min_points)
        self._ecc = None
        if method == 'ecc':
            self._ecc = TASK_UTILS.build(
                dict(type='CameraMotionCompensation'))
        self.reset()

    # ------------------------------------------------------------ state --
    def reset(self) -> None:
        """Forget the previous frame (a new video starts)."""
        self._prev: Optional[np.ndarray] = None  # (h, w) uint8 working grey
        self._prev_scale: Optional[Tuple[float, float]] = None
        self._keypoints: Optional[np.ndarray] = None  # (K, 1, 2) float32
        self._num_found = 0  # corners found by the last search
        self.num_searches = 0  # corner searches since the reset

    def apply(self,
              img: Union[np.ndarray, torch.Tensor],
              bboxes: Optional[Union[np.ndarray, torch.Tensor]] = None
              ) -> np.ndarray:
        """Warp from the previous frame given to this one.

        Args:
            img (np.ndarray | torch.Tensor): The frame: an (H, W, 3) BGR
                or (H, W) grey image, uint8 or floating, or a (1, C, H, W)
                / (C, H, W) tensor (a detector's input, normalised
                floats).
            bboxes (np.ndarray | torch.Tensor, optional): (N, 4) boxes
                x1y1x2y2 in ``img``'s pixels: the detections of this
                frame, kept out of the corner search. Defaults to None.

        Returns:
            np.ndarray: (2, 3) float64 affine ``[A | t]`` mapping the
            previous frame's pixel coordinates to this frame's (in
            ``img``'s pixels); the identity on the first frame, after a
            change of frame size, or where the estimate fails.
        """
        grey, scale = self.working_grey(img)
        mask = self._background_mask(grey.shape, scale, bboxes)
        prev, self._prev = self._prev, grey
        prev_scale, self._prev_scale = self._prev_scale, scale
        if prev is None or prev.shape != grey.shape or prev_scale != scale:
            if self.method == 'sparse_flow':
                self._search(grey, mask)
            return np.eye(2, 3)
        if self.method == 'ecc':
            return self._to_full(self._estimate_ecc(prev, grey), scale)
        if self._keypoints is None or len(self._keypoints) < self.min_points:
            # the last search found too little: try the previous frame
            self._search(prev, None)
        warp, kept = self._estimate_flow(prev, grey, self._keypoints, mask)
        if (self.reuse_keypoints and kept is not None
                and len(kept) >= max(self.min_points,
                                     self.redetect_ratio * self._num_found)):
            self._keypoints = kept
        else:
            self._search(grey, mask)
        return self._to_full(warp, scale)

    def estimate(self, prev: np.ndarray, curr: np.ndarray) -> np.ndarray:
        """Warp between two frames, without state, masks or reuse.

        Args:
            prev (np.ndarray): (H, W) or (H, W, 3) previous frame.
            curr (np.ndarray): The current frame, same shape.

        Returns:
            np.ndarray: (2, 3) float64 affine ``[A | t]`` mapping previous
            pixel coordinates to current ones.
        """
        if prev.shape != curr.shape:
            return np.eye(2, 3)
        p, scale = self.working_grey(prev)
        c, _ = self.working_grey(curr)
        if self.method == 'ecc':
            return self._to_full(self._estimate_ecc(p, c), scale)
        warp, _ = self._estimate_flow(p, c, self._corners(p, None), None)
        return self._to_full(warp, scale)

    # ------------------------------------------------------- the frame --
    def _working_hw(self, height: int, width: int) -> Tuple[int, int]:
        if self.working_size is None:
            return (max(height // self.downscale, 1),
                    max(width // self.downscale, 1))
        s = min(1., self.working_size / max(height, width))
        return max(int(round(height * s)), 1), max(int(round(width * s)), 1)

    def working_grey(
        self, img: Union[np.ndarray, torch.Tensor]
    ) -> Tuple[np.ndarray, Tuple[float, float]]:
        """The frame as a uint8 grey image at the working size.

        Args:
            img (np.ndarray | torch.Tensor): See :meth:`apply`.

        Returns:
            tuple[np.ndarray, tuple[float, float]]: The (h, w) uint8 grey
            image and the scale ``(w / W, h / H)`` from the frame's
            pixels to it.

        Raises:
            TypeError: ``img`` is neither an array nor a tensor, or its
                dtype is neither uint8 nor floating.
            ValueError: Its shape is not an image's.
        """
        name = 'CameraMotionEstimator'
        if isinstance(img, torch.Tensor):
            return self._grey_from_tensor(img)
        if not isinstance(img, np.ndarray):
            raise TypeError(f'{name}: the frame must be a numpy array or '
                            f'a torch tensor, got {type(img).__name__}')
        if img.ndim == 3 and img.shape[2] == 1:
            img = img[..., 0]
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
            raise ValueError(f'{name}: expected an (H, W, 3) or (H, W) '
                             f'image, got shape {img.shape}')
        if img.shape[0] < 8 or img.shape[1] < 8:
            raise ValueError(f'{name}: the frame is too small to estimate '
                             f'motion on: shape {img.shape}')
        floating = np.issubdtype(img.dtype, np.floating)
        if img.dtype != np.uint8 and not floating:
            raise TypeError(f'{name}: the frame must be uint8 or floating, '
                            f'got dtype {img.dtype}')
        height, width = img.shape[:2]
        h, w = self._working_hw(height, width)
        if floating:
            small = _shrink(img.astype(np.float32, copy=False), (w, h))
            grey = _stretch(small.mean(2) if small.ndim == 3 else small)
        else:
            if img.ndim == 3:
                # one 2x colour step (OpenCV's fast path), then grey:
                # cheaper than converting at full size or shrinking all
                # the way in colour
                if width >= 2 * w and height >= 2 * h:
                    img = cv2.resize(img, (width // 2, height // 2),
                                     interpolation=cv2.INTER_AREA)
                img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
            grey = _shrink(img, (w, h))
        return np.ascontiguousarray(grey), (w / width, h / height)

    def _grey_from_tensor(
            self, img: torch.Tensor
    ) -> Tuple[np.ndarray, Tuple[float, float]]:
        name = 'CameraMotionEstimator'
        t = img.detach()
        if t.dim() == 4:
            if t.size(0) != 1:
                raise ValueError(f'{name}: a (1, C, H, W) tensor holds one '
                                 f'frame, got {tuple(img.shape)}')
            t = t[0]
        if t.dim() != 3:
            raise ValueError(f'{name}: expected a (1, C, H, W) or (C, H, '
                             f'W) tensor, got {tuple(img.shape)}')
        if t.dtype != torch.uint8 and not t.is_floating_point():
            raise TypeError(f'{name}: the frame must be uint8 or floating, '
                            f'got dtype {t.dtype}')
        height, width = t.shape[1:]
        if height < 8 or width < 8:
            raise ValueError(f'{name}: the frame is too small to estimate '
                             f'motion on: shape {tuple(img.shape)}')
        h, w = self._working_hw(height, width)
        # channels averaged first: one plane to shrink instead of C
        grey = t.float().mean(0, keepdim=True)[None]
        if (h, w) != (height, width):
            grey = F.interpolate(grey, size=(h, w), mode='area')
        return (_stretch(grey[0, 0].cpu().numpy()),
                (w / width, h / height))

    def _background_mask(
            self, shape: Tuple[int, int], scale: Tuple[float, float],
            bboxes: Optional[Union[np.ndarray, torch.Tensor]]
    ) -> Optional[np.ndarray]:
        """(h, w) uint8 mask, 0 on the (widened) boxes, else 255; None
        where nothing is masked."""
        if bboxes is None or not self.mask_detections:
            return None
        if isinstance(bboxes, torch.Tensor):
            bboxes = bboxes.detach().cpu().numpy()
        bboxes = np.asarray(bboxes, np.float64)
        if bboxes.size == 0:
            return None
        if bboxes.ndim != 2 or bboxes.shape[1] != 4:
            raise ValueError('CameraMotionEstimator: bboxes must be (N, 4) '
                             f'x1y1x2y2, got shape {bboxes.shape}')
        h, w = shape
        sx, sy = scale
        m = self.box_margin
        x0 = np.clip(np.floor(bboxes[:, 0] * sx - m), 0, w).astype(int)
        x1 = np.clip(np.ceil(bboxes[:, 2] * sx + m), 0, w).astype(int)
        y0 = np.clip(np.floor(bboxes[:, 1] * sy - m), 0, h).astype(int)
        y1 = np.clip(np.ceil(bboxes[:, 3] * sy + m), 0, h).astype(int)
        mask = np.full(shape, 255, np.uint8)
        for a, b, c, d in zip(y0, y1, x0, x1):
            mask[a:b, c:d] = 0
        return mask

    # ------------------------------------------------------ the motion --
    def _corners(self, grey: np.ndarray,
                 mask: Optional[np.ndarray]) -> Optional[np.ndarray]:
        """Shi-Tomasi corners (K, 1, 2) float32 of ``grey`` where
        ``mask`` allows; the whole frame where the mask leaves too few
        (a crowd covering the view)."""
        kwargs = dict(
            maxCorners=self.max_corners,
            qualityLevel=self.quality_level,
            minDistance=self.min_distance,
            blockSize=self.block_size)
        pts = cv2.goodFeaturesToTrack(grey, mask=mask, **kwargs)
        if mask is not None and (pts is None or len(pts) < self.min_points):
            pts = cv2.goodFeaturesToTrack(grey, mask=None, **kwargs)
        return pts

    def _search(self, grey: np.ndarray, mask: Optional[np.ndarray]) -> None:
        self._keypoints = self._corners(grey, mask)
        self._num_found = 0 if self._keypoints is None else len(
            self._keypoints)
        self.num_searches += 1

    def _estimate_flow(
        self, prev: np.ndarray, curr: np.ndarray,
        pts: Optional[np.ndarray], mask: Optional[np.ndarray]
    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Flow of ``pts`` (K, 1, 2) from ``prev`` to ``curr``.

        Returns:
            tuple[np.ndarray, np.ndarray | None]: The (2, 3) warp in
            working pixels and the corners (J, 1, 2) worth tracking on in
            ``curr`` (None where the estimate failed).
        """
        warp = np.eye(2, 3)
        if pts is None or len(pts) < self.min_points:
            return warp, None
        nxt, status, _ = cv2.calcOpticalFlowPyrLK(
            prev, curr, pts, None,
            winSize=(self.win_size, self.win_size),
            maxLevel=self.max_level,
            criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30,
                      0.01))
        ok = status.reshape(-1) == 1
        if ok.sum() < self.min_points:
            return warp, None
        est, inliers = cv2.estimateAffinePartial2D(
            pts[ok], nxt[ok], method=cv2.RANSAC,
            ransacReprojThreshold=self.ransac_thr)
        if est is None:
            return warp, None
        kept = nxt[ok][inliers.reshape(-1) == 1]
        h, w = curr.shape
        xy = kept.reshape(-1, 2)
        inside = ((xy[:, 0] >= 0) & (xy[:, 0] <= w - 1) & (xy[:, 1] >= 0)
                  & (xy[:, 1] <= h - 1))
        if mask is not None:
            xi = np.clip(np.round(xy[:, 0]), 0, w - 1).astype(int)
            yi = np.clip(np.round(xy[:, 1]), 0, h - 1).astype(int)
            inside &= mask[yi, xi] > 0
        return est.astype(np.float64), kept[inside]

    def _estimate_ecc(self, prev: np.ndarray,
                      curr: np.ndarray) -> np.ndarray:
        try:
            # findTransformECC(template=curr, input=prev) finds W with
            # prev(W x) ~ curr(x): W maps current to previous pixels.
            inv = self._ecc.get_warp_matrix(
                cv2.cvtColor(curr, cv2.COLOR_GRAY2RGB),
                cv2.cvtColor(prev, cv2.COLOR_GRAY2RGB)).numpy()
        except cv2.error:
            return np.eye(2, 3)
        full = np.vstack([inv.astype(np.float64), [0., 0., 1.]])
        return np.linalg.inv(full)[:2]

    @staticmethod
    def _to_full(warp: np.ndarray, scale: Tuple[float, float]) -> np.ndarray:
        """A (2, 3) warp in working pixels expressed in frame pixels:
        ``T^-1 W T`` with ``T`` the pixel-centre map ``x' = (x + 0.5) s -
        0.5``."""
        sx, sy = scale
        if sx == 1. and sy == 1.:
            return warp
        t = np.array([[sx, 0., 0.5 * sx - 0.5], [0., sy, 0.5 * sy - 0.5],
                      [0., 0., 1.]])
        full = np.vstack([warp, [0., 0., 1.]])
        return (np.linalg.inv(t) @ full @ t)[:2]


def rescale_warp(warp: np.ndarray,
                 scale_factor: Optional[Tuple[float, float]]) -> np.ndarray:
    """Express a warp estimated on a resized frame in original pixels.

    Args:
        warp (np.ndarray): (2, 3) affine in resized-frame pixels.
        scale_factor (tuple[float, float], optional): ``(w_scale,
            h_scale)`` from original to resized pixels (mmdet's
            ``scale_factor`` metainfo). None for no resize.

    Returns:
        np.ndarray: (2, 3) affine in original pixels, ``S^-1 W S``.
    """
    if scale_factor is None:
        return warp
    sx, sy = float(scale_factor[0]), float(scale_factor[1])
    full = np.vstack([warp, [0., 0., 1.]])
    s = np.diag([sx, sy, 1.])
    s_inv = np.diag([1. / sx, 1. / sy, 1.])
    return (s_inv @ full @ s)[:2]


def warp_kalman_states(mean: np.ndarray, cov: np.ndarray,
                       warp: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Move M Kalman states ``(cx, cy, a, h, vx, vy, va, vh)`` by a warp.

    BoT-SORT's ``STrack.multi_gmc`` for the ``(cx, cy, a, h)`` state of
    mmdet's Kalman filter: the centre goes through the full affine, the
    centre velocity through its linear part ``A``; height and height
    velocity are scaled by ``s = sqrt(|det A|)`` and the aspect ratio is
    kept (a partial affine has one scale).

    Args:
        mean (np.ndarray): (M, 8) state means.
        cov (np.ndarray): (M, 8, 8) state covariances.
        warp (np.ndarray): (2, 3) affine ``[A | t]``.

    Returns:
        tuple[np.ndarray, np.ndarray]: Warped means (M, 8) and covariances
        (M, 8, 8).
    """
    a, t = warp[:, :2], warp[:, 2]
    s = float(np.sqrt(abs(np.linalg.det(a))))
    jac = np.eye(8)
    jac[:2, :2] = a
    jac[4:6, 4:6] = a
    jac[3, 3] = jac[7, 7] = s
    new_mean = mean @ jac.T
    new_mean[:, :2] += t
    new_cov = jac @ cov @ jac.T
    return new_mean, new_cov
