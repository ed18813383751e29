# Random Loss Weighting (Lin et al.).
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(loss_balancer=dict(type='RLWLoss'))
