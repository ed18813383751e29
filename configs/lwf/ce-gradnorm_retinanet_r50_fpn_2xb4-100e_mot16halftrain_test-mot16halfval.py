# GradNorm (Chen et al. 2018, LWF paper's reference [18]), alpha 1.5, on
# the last layer the three tasks share: the neck's output convs for the CE
# head. Its weights train at GradNorm's 0.025 (lr_mult 500 x 5e-5).
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(_delete_=True, type='GradNormLoss', alpha=1.5))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'loss_balancer': dict(lr_mult=500.0)}))
