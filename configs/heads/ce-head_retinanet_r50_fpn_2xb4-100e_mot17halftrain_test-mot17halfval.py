# Head (f) of the CE paper: DoubleBranch-reg + Correlation Estimation
# (E = 128, top-k = 2), RetinaNet-R50-FPN, MOT17 half-train, 2 GPUs x 4
# images, Adam 5e-5, 100 epochs. The other head structures inherit this
# config and change the head type only.
_base_ = [
    '../_base_/datasets/mot17_halftrain_test-mot17halfval.py',
    '../_base_/ce-head_retinanet_r50_fpn_2xb4-100e.py'
]

model = dict(
    detector=dict(
        bbox_head=dict(type='CEHead', num_identities=_base_.num_identities)))
