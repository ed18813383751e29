# Dynamic Weight Average; the loop is iteration-based, so windows are
# blocks of 50 steps instead of epochs.
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(loss_balancer=dict(type='DWALoss', by_epoch=False, interval=50))
