# LWF paper Table I: hard weighting factors alpha, beta, gamma = 0.7, 0.4, 0.9.
_base_ = './ce-hwf-a10-b10-g10_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(weights=dict(cls=0.7, reg=0.4, reid=0.9)))
