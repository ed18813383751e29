# ce-head_retinanet_r50_fpn_2xb4-100e.py with the task losses weighted by
# Learned Weighting Factors (C = 32 hidden channels, N = 1 hidden layer, the
# LWF paper's best), the safeguarded LWFLoss (docs/lwf.md). Composed with a
# dataset base in the same way.
_base_ = './ce-head_retinanet_r50_fpn_2xb4-100e.py'

model = dict(
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1))
