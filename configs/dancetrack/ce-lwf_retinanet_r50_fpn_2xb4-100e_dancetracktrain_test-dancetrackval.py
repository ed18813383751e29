# CE head + LWF (C = 32, N = 1) trained on DanceTrack train, evaluated on
# DanceTrack val (HOTA, DetA, AssA, MOTA, IDF1). Dancers look alike, so
# appearance helps little; the model base's tracker preset is kept (the
# 'adaptive' one weighs appearance only where it separates people; see
# docs/tracker.md).
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/datasets/dancetrack_train_test-dancetrackval.py',
    '../_base_/schedules/adam_100e.py', '../_base_/default_runtime.py'
]

model = dict(
    detector=dict(
        bbox_head=dict(
            type='CEHead', num_identities=_base_.num_identities)),
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1))
