# Head (c) of the CE paper: one tower shared by the three tasks.
_base_ = './ce-head_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py'

model = dict(detector=dict(bbox_head=dict(type='SharedBranchHead')))
