# Closed form of the safeguarded LWF's optimum, no parameters:
# w_i = GM(L) / L_i from an EMA of the task losses, capped at 2.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(
        _delete_=True,
        type='GeometricLossBalance',
        momentum=0.9,
        max_weight=2.0))
