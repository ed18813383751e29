# CE head + LWF trained on the full MOT16 training set; testing writes
# MOTChallenge submission files (format_only) for the test server.
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/datasets/mot16_train_test-mot16test.py',
    '../_base_/schedules/adam_100e.py', '../_base_/default_runtime.py'
]

model = dict(
    detector=dict(
        bbox_head=dict(
            type='CEHead', num_identities=_base_.num_identities)),
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1),
    # the papers' tables are measured with FairMOT's association
    tracker=dict(preset='fairmot'))
