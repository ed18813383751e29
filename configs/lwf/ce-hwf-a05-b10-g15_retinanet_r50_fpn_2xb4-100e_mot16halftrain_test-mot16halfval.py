# LWF paper Table I: hard weighting factors alpha, beta, gamma = 0.5, 1.0, 1.5.
_base_ = './ce-hwf-a10-b10-g10_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(weights=dict(cls=0.5, reg=1.0, reid=1.5)))
