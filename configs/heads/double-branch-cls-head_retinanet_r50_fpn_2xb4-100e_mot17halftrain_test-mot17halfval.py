# Head (d) of the CE paper: classification and Re-ID share a tower.
_base_ = './ce-head_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py'

model = dict(detector=dict(bbox_head=dict(type='DoubleBranchClsHead')))
