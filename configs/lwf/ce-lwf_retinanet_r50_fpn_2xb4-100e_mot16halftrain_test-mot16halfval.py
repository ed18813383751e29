# CE head + LWF (C = 32, N = 1) on the MOT16 half split, the split of the
# LWF paper's ablations (Tables I, IV, V). Same model as the MOT17 config
# ce-lwf_retinanet_r50_fpn_2xb4-100e_mot17halftrain_test-mot17halfval.py,
# composed on the MOT16 dataset base; the ablations below inherit it.
_base_ = [
    '../_base_/datasets/mot16_halftrain_test-mot16halfval.py',
    '../_base_/ce-lwf_retinanet_r50_fpn_2xb4-100e.py'
]

model = dict(
    detector=dict(bbox_head=dict(num_identities=_base_.num_identities)))
