# Head (f), CE with E = 128, the three task losses summed with weight 1
# (the CE paper's setting, no LWF; identical to HWF 1, 1, 1): the
# quickstart model with its LWF balancer replaced.
_base_ = ['../quickstart/ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(loss_balancer=dict(_delete_=True, type='FixedWeightLoss'))
