# LWF paper Table I: hard weighting factors alpha, beta, gamma = 1.0, 1.0, 1.0
# (the three losses summed as they are). The base of the other HWF rows,
# which change the three weights only.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(
        _delete_=True,
        type='FixedWeightLoss',
        weights=dict(cls=1.0, reg=1.0, reid=1.0)))
