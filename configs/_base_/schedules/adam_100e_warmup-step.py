# Ours, not the papers': the papers' Adam schedule (adam_100e.py) plus
#  - a 500-iteration linear warm-up: the heads start from random weights
#    and Adam's first steps, normalised per parameter, are as large for a
#    barely-trained Re-ID classifier over ~500 identities as for the rest;
#  - a x0.1 step at epochs 70 and 90 (mmdet's usual 1x/3x practice), so
#    that the last epochs settle instead of ending at the full rate;
#  - gradient clipping at max-norm 35 (mmdet's RetinaNet setting), against
#    the occasional spike of the focal losses on crowded frames.
# None of these was validated against the papers' constant rate on MOT.
_base_ = './adam_100e.py'

optim_wrapper = dict(clip_grad=dict(max_norm=35, norm_type=2))

param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=_base_.max_epochs,
        by_epoch=True,
        milestones=[70, 90],
        gamma=0.1)
]
