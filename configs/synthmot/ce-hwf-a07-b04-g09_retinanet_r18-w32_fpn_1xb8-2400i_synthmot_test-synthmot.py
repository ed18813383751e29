# Hard weighting factors alpha=0.7, beta=0.4, gamma=0.9 (LWF paper, Table I).
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    loss_balancer=dict(
        type='FixedWeightLoss', weights=dict(cls=0.7, reg=0.4, reid=0.9)))
