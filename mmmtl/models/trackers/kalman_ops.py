"""Batched forms of the steps of mmdet's :class:`KalmanFilter`.

mmdet's ``KalmanFilter`` (``mmdet/models/task_modules/tracking/
kalman_filter.py``) handles one track per call, which costs about 20 us a
call in Python; a tracker holding hundreds of tracks then spends
milliseconds in the filter alone. The functions below run the same maths
over a stack of M tracks at once, reading the model matrices and noise
weights from a built ``KalmanFilter`` instance, so its configuration
(``use_nsa``, the motion matrix) stays the single source. The state is
``(cx, cy, a, h, vcx, vcy, va, vh)`` with ``a = w / h``; measurements are
``(cx, cy, a, h)``. Each function is checked against the per-track method
of the same name in the tests.
"""
from typing import Optional, Tuple

import numpy as np
from mmdet.models.task_modules.tracking import KalmanFilter


def check_kalman_filter(kf: object) -> KalmanFilter:
    """Check that ``kf`` is mmdet's Kalman filter (or a subclass).

    Args:
        kf (object): The motion model built from the tracker config.

    Returns:
        KalmanFilter: ``kf`` itself.
    """
    if not isinstance(kf, KalmanFilter):
        raise TypeError(
            'motion must build an mmdet KalmanFilter (or a subclass), e.g. '
            f"motion=dict(type='KalmanFilter'); got {type(kf).__name__}")
    return kf


def _noise_std(h: np.ndarray,
               position: float,
               aspect: float,
               velocity: Optional[float] = None) -> np.ndarray:
    """Standard deviations of mmdet's filter noise for M tracks of heights
    ``h`` (M,): ``position * h`` for the centre and height, ``aspect`` for
    the aspect ratio, and with ``velocity``, ``velocity * h`` for their
    velocities and 1e-5 for the aspect ratio's.

    Returns:
        np.ndarray: (M, 4), or (M, 8) with ``velocity``.
    """
    std = np.empty((h.shape[0], 4 if velocity is None else 8))
    # column by column: cheaper than a fancy index for a few tracks
    std[:, 0] = std[:, 1] = std[:, 3] = position * h
    std[:, 2] = aspect
    if velocity is not None:
        std[:, 4] = std[:, 5] = std[:, 7] = velocity * h
        std[:, 6] = 1e-5
    return std


def _diagonal(mat: np.ndarray) -> np.ndarray:
    """A writable view of the diagonals (M, k) of C-contiguous (M, k, k)
    matrices."""
    k = mat.shape[1]
    return mat.reshape(mat.shape[0], k * k)[:, ::k + 1]


def _linear_step(mat: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                 std: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """``(F x, F P F^T + diag(std^2))`` for M states: the prediction with
    the motion matrix, or the projection with the update matrix."""
    new_mean = mean @ mat.T
    new_cov = mat @ cov @ mat.T
    _diagonal(new_cov)[...] += std**2
    return new_mean, new_cov


# mmdet's update matrix, ``[I 0]``: it reads the box out of the state.
_BOX_OF_STATE = np.eye(4, 8).tobytes()


def _reads_box(update_mat: np.ndarray) -> bool:
    """Whether ``update_mat`` is mmdet's ``[I 0]`` (4, 8): projecting
    with it then copies the leading block, the same numbers as the
    products with ones and zeros, without them."""
    return (update_mat.shape == (4, 8) and update_mat.dtype == np.float64
            and update_mat.tobytes() == _BOX_OF_STATE)


def kf_initiate(kf: KalmanFilter,
                measurements: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Start M tracks from M measurements (``KalmanFilter.initiate``).

    Args:
        kf (KalmanFilter): The filter whose noise weights are used.
        measurements (np.ndarray): (M, 4) boxes as (cx, cy, a, h).

    Returns:
        tuple[np.ndarray, np.ndarray]: Means (M, 8), velocities zero, and
        covariances (M, 8, 8).
    """
    std = _noise_std(measurements[:, 3], 2 * kf._std_weight_position,
                     1e-2, 10 * kf._std_weight_velocity)
    mean = np.concatenate([measurements, np.zeros_like(measurements)], 1)
    cov = np.zeros((measurements.shape[0], 8, 8))
    _diagonal(cov)[...] = std**2
    return mean, cov


def kf_predict(kf: KalmanFilter, mean: np.ndarray,
               cov: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Predict M tracks one step ahead (``KalmanFilter.predict``).

    Args:
        kf (KalmanFilter): The filter.
        mean (np.ndarray): (M, 8) state means.
        cov (np.ndarray): (M, 8, 8) state covariances.

    Returns:
        tuple[np.ndarray, np.ndarray]: Predicted means (M, 8) and
        covariances (M, 8, 8).
    """
    std = _noise_std(mean[:, 3], kf._std_weight_position, 1e-2,
                     kf._std_weight_velocity)
    return _linear_step(kf._motion_mat, mean, cov, std)


def kf_project(
        kf: KalmanFilter,
        mean: np.ndarray,
        cov: np.ndarray,
        scores: Optional[np.ndarray] = None
) -> Tuple[np.ndarray, np.ndarray]:
    """Project M states to measurement space (``KalmanFilter.project``).

    Args:
        kf (KalmanFilter): The filter.
        mean (np.ndarray): (M, 8) state means.
        cov (np.ndarray): (M, 8, 8) state covariances.
        scores (np.ndarray, optional): (M,) detection scores, used only by
            an NSA filter (``use_nsa=True``) to scale the measurement noise
            by ``1 - score``. Defaults to None (score 0, as mmdet's
            default).

    Returns:
        tuple[np.ndarray, np.ndarray]: Projected means (M, 4) and
        innovation covariances (M, 4, 4).
    """
    std = _noise_std(mean[:, 3], kf._std_weight_position, 1e-1)
    if kf.use_nsa and scores is not None:
        std = std * (1 - scores)[:, None]
    if not _reads_box(kf._update_mat):
        return _linear_step(kf._update_mat, mean, cov, std)
    proj_cov = cov[:, :4, :4].copy()
    _diagonal(proj_cov)[...] += std**2
    return mean[:, :4].copy(), proj_cov


def kf_update(
        kf: KalmanFilter,
        mean: np.ndarray,
        cov: np.ndarray,
        measurements: np.ndarray,
        scores: Optional[np.ndarray] = None
) -> Tuple[np.ndarray, np.ndarray]:
    """Correct M states with M measurements (``KalmanFilter.update``).

    Args:
        kf (KalmanFilter): The filter.
        mean (np.ndarray): (M, 8) predicted state means.
        cov (np.ndarray): (M, 8, 8) predicted state covariances.
        measurements (np.ndarray): (M, 4) boxes as (cx, cy, a, h).
        scores (np.ndarray, optional): (M,) detection scores for an NSA
            filter. Defaults to None.

    Returns:
        tuple[np.ndarray, np.ndarray]: Corrected means (M, 8) and
        covariances (M, 8, 8).
    """
    proj_mean, proj_cov = kf_project(kf, mean, cov, scores)
    # K^T = S^-1 (P H^T)^T = S^-1 H P, solved rather than inverted.
    cov_t = cov[:, :4] if _reads_box(kf._update_mat) else (
        kf._update_mat @ cov)  # H P (M, 4, 8)
    gain_t = np.linalg.solve(proj_cov, cov_t)  # (M, 4, 8)
    gain = gain_t.transpose(0, 2, 1)
    innovation = measurements - proj_mean
    new_mean = mean + np.einsum('mij,mj->mi', gain, innovation)
    new_cov = cov - gain @ proj_cov @ gain_t
    return new_mean, new_cov


def kf_pair_gating_distance(kf: KalmanFilter,
                            mean: np.ndarray,
                            cov: np.ndarray,
                            measurements: np.ndarray,
                            rows: np.ndarray,
                            cols: np.ndarray,
                            only_position: bool = False) -> np.ndarray:
    """Squared Mahalanobis distances of P chosen (track, measurement) pairs.

    mmdet's ``KalmanFilter.gating_distance`` of each pair's state and
    measurement, computed for those pairs only.

    Args:
        kf (KalmanFilter): The filter.
        mean (np.ndarray): (M, 8) state means.
        cov (np.ndarray): (M, 8, 8) state covariances.
        measurements (np.ndarray): (N, 4) boxes as (cx, cy, a, h).
        rows (np.ndarray): (P,) track index of each pair.
        cols (np.ndarray): (P,) measurement index of each pair.
        only_position (bool): Use the box centre only. Defaults to False.

    Returns:
        np.ndarray: (P,) squared Mahalanobis distances.
    """
    if rows.size == 0:
        return np.zeros(0)
    proj_mean, proj_cov, measurements, rows = _project_for_pairs(
        kf, mean, cov, measurements, rows, only_position)
    inv = np.linalg.inv(proj_cov)
    diff = measurements[cols] - proj_mean[rows]  # (P, k)
    return np.einsum('pi,pij,pj->p', diff, inv[rows], diff)


def kf_pair_within_gate(kf: KalmanFilter,
                        mean: np.ndarray,
                        cov: np.ndarray,
                        measurements: np.ndarray,
                        rows: np.ndarray,
                        cols: np.ndarray,
                        gating_thr: float,
                        only_position: bool = False) -> np.ndarray:
    """Whether P chosen (track, measurement) pairs lie inside the gate:
    :func:`kf_pair_gating_distance` at most ``gating_thr``.

    Where the projected covariances are diagonal (the box coordinates
    uncorrelated, as mmdet's filter keeps them unless camera motion
    mixes them) the distance is the sum of ``d_i^2 / S_ii``, without
    inverting them: the same test up to the last bit of rounding.

    Args:
        kf (KalmanFilter): The filter.
        mean (np.ndarray): (M, 8) state means.
        cov (np.ndarray): (M, 8, 8) state covariances.
        measurements (np.ndarray): (N, 4) boxes as (cx, cy, a, h).
        rows (np.ndarray): (P,) track index of each pair.
        cols (np.ndarray): (P,) measurement index of each pair.
        gating_thr (float): Largest squared distance inside the gate.
        only_position (bool): Use the box centre only. Defaults to False.

    Returns:
        np.ndarray: (P,) bool.
    """
    if rows.size == 0:
        return np.zeros(0, bool)
    k = 2 if only_position else 4
    block = cov[:, :k, :k]
    var = np.diagonal(block, axis1=1, axis2=2)  # (M, k)
    if not _reads_box(kf._update_mat) or (np.count_nonzero(block) !=
                                          np.count_nonzero(var)):
        return kf_pair_gating_distance(kf, mean, cov, measurements, rows,
                                       cols, only_position) <= gating_thr
    # the diagonal of kf_project's covariances, the same numbers
    std = _noise_std(mean[:, 3], kf._std_weight_position, 1e-1)
    var = var + std[:, :k]**2
    # (P, k) gathers by take, a sum of k columns: cheaper for many pairs
    diff = (measurements[:, :k].take(cols, axis=0) -
            mean[:, :k].take(rows, axis=0))
    diff *= diff
    diff /= var.take(rows, axis=0)
    dist = diff[:, 0].copy()
    for i in range(1, k):
        dist += diff[:, i]
    return dist <= gating_thr


def _project_for_pairs(kf: KalmanFilter, mean: np.ndarray, cov: np.ndarray,
                       measurements: np.ndarray, rows: np.ndarray,
                       only_position: bool) -> Tuple[np.ndarray, ...]:
    """The projections of the M states that some of the P pairs
    ``rows`` (P,) need, U of them: means (U, k) and covariances (U, k,
    k), the measurements (N, k) and each pair's state among the U, with
    ``k = 2`` for ``only_position``, else 4."""
    used = np.zeros(mean.shape[0], bool)
    used[rows] = True
    if not used.all():
        mean, cov = mean[used], cov[used]
        rows = (np.cumsum(used) - 1)[rows]
    proj_mean, proj_cov = kf_project(kf, mean, cov)
    if only_position:
        proj_mean, proj_cov = proj_mean[:, :2], proj_cov[:, :2, :2]
        measurements = measurements[:, :2]
    return proj_mean, proj_cov, measurements, rows
