# Closed form of the safeguarded LWF's optimum: w_i = GM(L) / L_i from an
# EMA of the losses, capped at 2 like LWFLoss; no parameters.
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    loss_balancer=dict(
        type='GeometricLossBalance', momentum=0.9, max_weight=2.0))
