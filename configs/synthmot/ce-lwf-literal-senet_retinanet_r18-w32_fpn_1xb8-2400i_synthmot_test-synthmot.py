# LWF eq. 10 in the SENet reading (hidden ReLU, output sigmoid), otherwise
# as printed (raw losses with graphs, Gaussian init, no safeguard).
_base_ = ['./ce-lwf-literal_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(loss_balancer=dict(reading='senet'))
