# Peer: FAMO (Liu et al., NeurIPS 2023): softmax(xi) weights on the
# log-losses; the logits follow the change of the log-losses from one
# step to the next (Adam, lr 0.025, decay 1e-3: the official code's).
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(
        _delete_=True, type='FAMOLoss', lr=0.025, weight_decay=0.001))
