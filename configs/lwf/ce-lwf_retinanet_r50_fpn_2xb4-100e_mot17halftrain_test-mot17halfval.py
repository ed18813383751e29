# CE head + Learned Weighting Factors (C = 32, N = 1, the LWF paper's best),
# trained with the log-barrier safeguard (see docs/lwf.md).
_base_ = '../heads/ce-head_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py'

model = dict(
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1))
