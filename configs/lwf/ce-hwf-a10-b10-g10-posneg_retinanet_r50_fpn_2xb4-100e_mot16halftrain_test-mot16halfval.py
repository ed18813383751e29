# HWF 1, 1, 1 with the classification loss divided by positives plus
# negatives, as LWF eq. 1 writes it (RetinaNet divides by positives).
_base_ = './ce-hwf-a10-b10-g10_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(detector=dict(bbox_head=dict(cls_normalizer='num_pos_neg')))
