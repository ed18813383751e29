# GradNorm (LWF paper's reference [18]), alpha 1.5, on the neck's output
# convs (head (f)'s towers are separate); its weights at 10x the lr.
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(loss_balancer=dict(type='GradNormLoss', alpha=1.5))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'loss_balancer': dict(lr_mult=10.0)}))
