# LWF paper Table IV: C = 64 hidden channels (N = 1).
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(hidden_channels=64))
