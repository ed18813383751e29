# CE head + LWF (C = 32, N = 1) trained on SportsMOT train, evaluated on
# SportsMOT val (HOTA, DetA, AssA, MOTA, IDF1). Fast players in two
# look-alike kits; the model base's default tracker preset ('adaptive') is
# used instead of the papers' FairMOT association (see docs/tracker.md).
_base_ = [
    '../_base_/datasets/sportsmot_train_test-sportsmotval.py',
    '../_base_/ce-lwf_retinanet_r50_fpn_2xb4-100e.py'
]

model = dict(
    detector=dict(bbox_head=dict(num_identities=_base_.num_identities)),
    tracker=dict(preset='adaptive'))
