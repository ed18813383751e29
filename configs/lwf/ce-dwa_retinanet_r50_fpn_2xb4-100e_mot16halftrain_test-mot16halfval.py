# Peer: Dynamic Weight Average (Liu et al. 2019), T = 2, weights from the
# loss ratios of the last two epochs.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(
        _delete_=True, type='DWALoss', temperature=2.0, by_epoch=True))
