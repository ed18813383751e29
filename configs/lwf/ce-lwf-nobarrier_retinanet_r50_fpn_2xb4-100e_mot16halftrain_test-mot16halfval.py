# The safeguarded LWFLoss with only its log barrier removed (log-loss
# inputs, detached, max_weight 2, zero-initialised output layer kept):
# isolates what the barrier does. Every weight decays to 0 (docs/lwf.md).
# Not the paper's LWF as printed: that is ce-lwf-literal_*.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(regularizer='none'))
