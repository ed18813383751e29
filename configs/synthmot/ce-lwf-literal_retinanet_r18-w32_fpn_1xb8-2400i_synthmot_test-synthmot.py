# LWF as eq. 9-10 are printed (hidden sigmoid, output ReLU, raw losses
# with their graphs, Gaussian init, no safeguard). Collapses by design.
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    loss_balancer=dict(
        type='LWFLiteralLoss', hidden_channels=32, num_hidden_layers=1))
