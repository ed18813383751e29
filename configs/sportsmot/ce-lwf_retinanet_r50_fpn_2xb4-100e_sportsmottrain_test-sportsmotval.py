# CE head + LWF (C = 32, N = 1) trained on SportsMOT train, evaluated on
# SportsMOT val (HOTA, DetA, AssA, MOTA, IDF1). Fast players in two
# look-alike kits; the model base's tracker preset is kept (see
# docs/tracker.md).
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/datasets/sportsmot_train_test-sportsmotval.py',
    '../_base_/schedules/adam_100e.py', '../_base_/default_runtime.py'
]

model = dict(
    detector=dict(
        bbox_head=dict(
            type='CEHead', num_identities=_base_.num_identities)),
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1))
