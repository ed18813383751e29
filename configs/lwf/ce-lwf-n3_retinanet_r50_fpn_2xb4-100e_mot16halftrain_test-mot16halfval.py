# LWF paper Table V: N = 3 hidden FC(C, C) layers (C = 32).
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(num_hidden_layers=3))
