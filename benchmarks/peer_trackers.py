"""mmdet's trackers as the benchmarks build them (the settings of mmdet's
ByteTrack and OC-SORT configs), shared by ``bench_tracker.py`` and
``bench_tracker_quality.py``."""
MMDET_BYTE = dict(
    type='ByteTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thrs=dict(high=0.6, low=0.1),
    init_track_thr=0.7,
    weight_iou_with_det_scores=True,
    match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
    num_frames_retain=30)
MMDET_OCSORT = dict(
    type='OCSORTTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thr=0.3,
    init_track_thr=0.7,
    weight_iou_with_det_scores=True,
    match_iou_thr=0.3,
    num_tentatives=3,
    vel_consist_weight=0.2,
    vel_delta_t=3,
    num_frames_retain=30)
