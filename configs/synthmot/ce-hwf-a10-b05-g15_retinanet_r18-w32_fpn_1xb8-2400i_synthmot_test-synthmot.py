# Hard weighting factors alpha=1.0, beta=0.5, gamma=1.5 (LWF paper, Table I).
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    loss_balancer=dict(
        type='FixedWeightLoss', weights=dict(cls=1.0, reg=0.5, reid=1.5)))
