# CE head + LWF (C = 32, N = 1) trained on DanceTrack train, evaluated on
# DanceTrack val (HOTA, DetA, AssA, MOTA, IDF1). Dancers look alike, so
# appearance helps little; instead of the papers' FairMOT association the
# model base's default tracker preset is used (the 'adaptive' one weighs
# appearance only where it separates people; see docs/tracker.md).
_base_ = [
    '../_base_/datasets/dancetrack_train_test-dancetrackval.py',
    '../_base_/ce-lwf_retinanet_r50_fpn_2xb4-100e.py'
]

model = dict(
    detector=dict(bbox_head=dict(num_identities=_base_.num_identities)),
    tracker=dict(preset='adaptive'))
