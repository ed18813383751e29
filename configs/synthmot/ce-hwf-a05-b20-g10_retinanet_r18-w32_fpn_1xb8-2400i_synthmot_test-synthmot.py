# Hard weighting factors alpha=0.5, beta=2.0, gamma=1.0 (LWF paper, Table I).
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    loss_balancer=dict(
        type='FixedWeightLoss', weights=dict(cls=0.5, reg=2.0, reid=1.0)))
