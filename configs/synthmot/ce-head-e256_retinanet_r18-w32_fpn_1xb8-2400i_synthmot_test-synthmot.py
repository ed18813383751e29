# CE module with E = 256 hidden channels (CE paper, Table III).
_base_ = ['./ce-head_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py']

model = dict(
    detector=dict(bbox_head=dict(ce_cfg=dict(topk=2, hidden_channels=256))))
