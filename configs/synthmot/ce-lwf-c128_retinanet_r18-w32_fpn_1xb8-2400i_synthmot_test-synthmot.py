# Safeguarded LWF with C = 128 hidden channels (LWF paper, Table IV).
_base_ = ['../quickstart/ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(loss_balancer=dict(hidden_channels=128))
