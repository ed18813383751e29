# LWF paper Table I: hard weighting factors alpha, beta, gamma = 2.0, 0.9, 1.7.
_base_ = './ce-hwf-a10-b10-g10_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(weights=dict(cls=2.0, reg=0.9, reid=1.7)))
