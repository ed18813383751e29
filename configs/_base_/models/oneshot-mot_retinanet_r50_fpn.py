# One-shot MOT model: the Re-ID RetinaNet of retinanet-reid_r50_fpn.py,
# trained on single frames, and a JDE-style online tracker at test time.
# Multi-task loss weighting (LWF and baselines): configs add
# `model.loss_balancer`; without one the losses are summed as they are (the
# key is left out here, not set to None, so that a child's dict merges).
_base_ = './retinanet-reid_r50_fpn.py'

model = dict(
    type='OneShotMOT',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        use_det_processor=True),
    detector=_base_.detector,
    # BYTE + BoT-SORT fused cost + occlusion-safe appearance memory; the
    # the default tracker: motion first, appearance where it separates
    # people (docs/tracker.md); the configs of the papers' tables set
    # preset='fairmot'
    tracker=dict(type='JDETracker', preset='adaptive'))
