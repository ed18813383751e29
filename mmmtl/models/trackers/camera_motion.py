"""Frame-to-frame camera motion, estimated with OpenCV (BoT-SORT's GMC)."""
from typing import Optional, Tuple

import cv2
import numpy as np
import torch
from mmdet.registry import TASK_UTILS

_METHODS = ('sparse_flow', 'ecc')


def to_grey_uint8(img) -> np.ndarray:
    """A frame as an (H, W) uint8 grey image.

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
    lo, hi = float(grey.min()), float(grey.max())
    scale = 255. / (hi - lo) if hi > lo else 0.
    return ((grey - lo) * scale).astype(np.uint8)


@TASK_UTILS.register_module()
class CameraMotionEstimator:
    """Affine motion of the image between consecutive frames.

    BoT-SORT's global motion compensation (``tracker/gmc.py``, methods
    ``sparseOptFlow`` and ``ecc``): the previous grey frame is matched to
    the current one at ``1 / downscale`` resolution, and the 2x3 affine
    warp ``x_now = A @ x_prev + t`` is returned in full-resolution pixels.

    - ``'sparse_flow'``: Shi-Tomasi corners (``cv2.goodFeaturesToTrack``
      with BoT-SORT's ``maxCorners=1000, qualityLevel=0.01,
      minDistance=1, blockSize=3``) followed by pyramidal Lucas-Kanade
      flow and a RANSAC partial affine (rotation, uniform scale,
      translation: ``cv2.estimateAffinePartial2D``).
    - ``'ecc'``: mmdet's :class:`CameraMotionCompensation`
      (``cv2.findTransformECC``, Euclidean warp), on the downscaled
      frames.

    Where the estimate fails (too few corners, no convergence) the
    identity is returned, so the tracker falls back to its motion model.

    Args:
        method (str): ``'sparse_flow'`` or ``'ecc'``. Defaults to
            ``'sparse_flow'``.
        downscale (int): Frames are shrunk by this factor first. Defaults
            to 2 (BoT-SORT's ``downscale=2``).
        max_corners (int): Corners tracked by ``'sparse_flow'``. Defaults
            to 1000.
        min_points (int): Fewest flow matches accepted. Defaults to 8.
    """

    def __init__(self,
                 method: str = 'sparse_flow',
                 downscale: int = 2,
                 max_corners: int = 1000,
                 min_points: int = 8) -> None:
        if method not in _METHODS:
            raise ValueError(f'CameraMotionEstimator: method must be one '
                             f'of {_METHODS}, got {method!r}')
        if downscale < 1:
            raise ValueError('CameraMotionEstimator: downscale must be >= '
                             f'1, got {downscale}')
        self.method = method
        self.downscale = int(downscale)
        self.max_corners = int(max_corners)
        self.min_points = int(min_points)
        self._ecc = None
        if method == 'ecc':
            self._ecc = TASK_UTILS.build(
                dict(type='CameraMotionCompensation'))

    def _shrink(self, grey: np.ndarray) -> np.ndarray:
        if self.downscale == 1:
            return grey
        h, w = grey.shape
        return cv2.resize(grey, (w // self.downscale, h // self.downscale),
                          interpolation=cv2.INTER_AREA)

    def estimate(self, prev: np.ndarray, curr: np.ndarray) -> np.ndarray:
        """Warp from the previous to the current frame.

        Args:
            prev (np.ndarray): (H, W) uint8 grey previous frame.
            curr (np.ndarray): (H, W) uint8 grey current frame.

        Returns:
            np.ndarray: (2, 3) float64 affine ``[A | t]`` mapping previous
            full-resolution pixel coordinates to current ones.
        """
        warp = np.eye(2, 3)
        if prev.shape != curr.shape:
            return warp
        p, c = self._shrink(prev), self._shrink(curr)
        if self.method == 'ecc':
            warp = self._estimate_ecc(p, c)
        else:
            warp = self._estimate_flow(p, c)
        warp[:, 2] *= self.downscale
        return warp

    def _estimate_flow(self, prev: np.ndarray,
                       curr: np.ndarray) -> np.ndarray:
        warp = np.eye(2, 3)
        pts = cv2.goodFeaturesToTrack(
            prev, maxCorners=self.max_corners, qualityLevel=0.01,
            minDistance=1, blockSize=3, useHarrisDetector=False, k=0.04)
        if pts is None or len(pts) < self.min_points:
            return warp
        nxt, status, _ = cv2.calcOpticalFlowPyrLK(prev, curr, pts, None)
        ok = status.reshape(-1) == 1
        if ok.sum() < self.min_points:
            return warp
        est, _ = cv2.estimateAffinePartial2D(
            pts[ok], nxt[ok], method=cv2.RANSAC)
        return warp if est is None else est.astype(np.float64)

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
