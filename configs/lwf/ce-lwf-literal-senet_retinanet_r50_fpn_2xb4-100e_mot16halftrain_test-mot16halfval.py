# LWF eq. 10 read with SENet's letters (hidden ReLU, output sigmoid),
# otherwise as printed: raw losses with their graphs, Gaussian init, no
# safeguard (docs/lwf.md).
_base_ = './ce-lwf-literal_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(reading='senet'))
