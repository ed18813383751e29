# CE head + LWF on your own multi-class data (pedestrians and cars): one
# detector with one output per class and one Re-ID embedding space, tracked
# per class, evaluated per class and combined. See docs/custom_dataset.md.
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/datasets/custom_halftrain_test-customhalfval.py',
    '../_base_/schedules/adam_100e.py', '../_base_/default_runtime.py'
]

model = dict(
    detector=dict(
        bbox_head=dict(
            type='CEHead',
            num_classes=len(_base_.classes),
            num_identities=_base_.num_identities,
            # cars are wider than people: a second anchor shape
            anchor_generator=dict(ratios=[0.5, 2.5]))),
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1))
