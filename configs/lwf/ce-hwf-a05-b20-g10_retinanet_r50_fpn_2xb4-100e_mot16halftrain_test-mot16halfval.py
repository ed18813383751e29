# LWF paper Table I: hard weighting factors alpha, beta, gamma = 0.5, 2.0, 1.0.
_base_ = './ce-hwf-a10-b10-g10_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(weights=dict(cls=0.5, reg=2.0, reid=1.0)))
