# Head (e) regression and Re-ID share a tower (CE paper, Fig. 2), losses summed.
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(detector=dict(bbox_head=dict(type='DoubleBranchRegHead')))
