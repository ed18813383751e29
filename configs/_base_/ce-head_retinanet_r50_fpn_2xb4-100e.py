# The papers' setup without its data: RetinaNet-R50-FPN with the CE head
# (head (f) of the CE paper, E = 128, top-k = 2; the head of
# models/retinanet-reid_r50_fpn.py), the three task losses summed, Adam 5e-5
# for 100 epochs on 2 GPUs x 4 images (schedules/adam_100e.py), tested with
# FairMOT's association, as the papers' tables are measured. A config adds a
# dataset base and hands the head that base's identity count:
#   _base_ = ['../_base_/datasets/<dataset>.py',
#             '../_base_/ce-head_retinanet_r50_fpn_2xb4-100e.py']
#   model = dict(
#       detector=dict(bbox_head=dict(num_identities=_base_.num_identities)))
_base_ = [
    './models/oneshot-mot_retinanet_r50_fpn.py', './schedules/adam_100e.py',
    './default_runtime.py'
]

model = dict(tracker=dict(preset='fairmot'))
