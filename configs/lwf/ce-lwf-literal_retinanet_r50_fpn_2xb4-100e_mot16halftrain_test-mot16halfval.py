# Paper-literal LWF: the MLP trained by the loss it weights, without the
# log barrier. Every weight decays to 0 (docs/lwf.md); ablation only.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(regularizer='none'))
