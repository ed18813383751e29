# FAMO (Liu et al., NeurIPS 2023): softmax(xi) weights on the log-losses,
# logits moved by the next step's change of the log-losses (Adam, lr
# 0.025, decay 1e-3: the official code's).
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    loss_balancer=dict(type='FAMOLoss', lr=0.025, weight_decay=0.001))
