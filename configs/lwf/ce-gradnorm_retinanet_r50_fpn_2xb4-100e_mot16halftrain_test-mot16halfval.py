# GradNorm (Chen et al. 2018, LWF paper's reference [18]), alpha 0.5, on
# the last layer the three tasks share: the neck's output convs for the CE
# head. Its weights train at GradNorm's 0.025 (lr_mult 500 x 5e-5). alpha
# 0.5, not the paper's NYUv2 1.5, for the reason measured on SynthMOT: the
# focal loss's ratio L/L(0) falls fastest (its L(0) is mostly easy
# negatives), so 1.5 starves the classification weight (docs/lwf.md).
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(_delete_=True, type='GradNormLoss', alpha=0.5))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'loss_balancer': dict(lr_mult=500.0)}))
