# Head (f) of the CE paper: DoubleBranch-reg + Correlation Estimation
# (E = 128, top-k = 2), RetinaNet-R50-FPN, MOT17 half-train, 2 GPUs x 4
# images, Adam 5e-5, 100 epochs. The other head structures inherit this
# config and change the head type only.
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/datasets/mot17_halftrain_test-mot17halfval.py',
    '../_base_/schedules/adam_100e.py', '../_base_/default_runtime.py'
]

model = dict(
    detector=dict(
        bbox_head=dict(
            type='CEHead', num_identities=_base_.num_identities)),
    # the papers' tables are measured with FairMOT's association
    tracker=dict(preset='fairmot'))
