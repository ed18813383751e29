# CE head + LWF (C = 32, N = 1) on the MOT16 half split, the split of the
# LWF paper's ablations (Tables I, IV, V). Same model as the MOT17 config
# ce-lwf_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py,
# composed on the MOT16 dataset base; the ablations below inherit it.
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/datasets/mot16_halftrain_test-mot16halfval.py',
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
