# CE head + Learned Weighting Factors (C = 32, N = 1, the LWF paper's best),
# trained with the log-barrier safeguard (see docs/lwf.md): the head-(f)
# config of configs/heads/ with its losses weighted by LWF.
_base_ = [
    '../_base_/datasets/mot17_halftrain_test-mot17halfval.py',
    '../_base_/ce-lwf_retinanet_r50_fpn_2xb4-100e.py'
]

model = dict(
    detector=dict(bbox_head=dict(num_identities=_base_.num_identities)))
