# Table III of the CE paper: CE head with E = 32 hidden channels.
_base_ = './ce-head_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py'

model = dict(
    detector=dict(bbox_head=dict(ce_cfg=dict(topk=2, hidden_channels=32))))
