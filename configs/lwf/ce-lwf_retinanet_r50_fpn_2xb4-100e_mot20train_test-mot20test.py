# CE head + LWF trained on the full MOT20 training set; testing writes
# MOTChallenge submission files (format_only) for the test server.
_base_ = [
    '../_base_/datasets/mot20_train_test-mot20test.py',
    '../_base_/ce-lwf_retinanet_r50_fpn_2xb4-100e.py'
]

model = dict(
    detector=dict(bbox_head=dict(num_identities=_base_.num_identities)))
