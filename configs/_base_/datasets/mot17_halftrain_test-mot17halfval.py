# MOT17 half split, for ablations: the first half (n // 2 + 1 frames) of
# each training video trains, the rest validates; every frame of the second
# halves is evaluated, also frames where the tracker outputs nothing. Only
# the -FRCNN copy of each training video is used (the -DPM and -SDP copies
# hold the same frames and boxes). Prepare the data with
#   python tools/dataset_converters/mot2coco.py -i data/MOT17 \
#       -o data/MOT17/annotations --split-train
# (see docs/dataset_prepare.md).
dataset_type = 'MOTReIDDataset'
data_root = 'data/MOT17/'
backend_args = None
img_scale = (1088, 608)  # (w, h), the input size of JDE and FairMOT

# Identities of the training split, the classifier size of the Re-ID head.
# MOT17 train has 546 pedestrian tracks (MOTChallenge statistics); the
# half-train subset has fewer, which the converter prints (and writes as
# `num_identities` into half-train_cocoformat.json). 546 is a safe upper
# bound: IdentityCountCheckHook stops training when the head is smaller
# than the training set, and a larger head only leaves classes unused.
num_identities = 546

# Only transforms that keep `gt_instances_ids` aligned with the boxes
# (no Mosaic, MixUp, RandomAffine or FilterAnnotations).
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadTrackAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.8, 1.2),
        keep_ratio=True,
        clip_object_border=True),
    dict(type='RandomCrop', crop_size=img_scale, bbox_clip_border=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Pad', size=img_scale),
    dict(type='PackReIDDetInputs')
]
test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(type='LoadTrackAnnotations')
        ]),
    # seqinfo.ini's frame rate (written by the converter) for the tracker
    dict(type='PackTrackInputs', meta_keys=('frame_rate', ))
]

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/half-train_cocoformat.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline))
# All 13 MOT classes are loaded at test time so that the evaluation can
# discard predictions matched to distractors (static persons, reflections,
# persons on vehicles), as the official evaluation does.
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type='MOTChallengeDataset',
        data_root=data_root,
        ann_file='annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path='train/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# mmmtl's MOTChallenge metric (percentages, key IDS): the ground truth is
# read from the converter's renumbered half-val_gt files, not from the
# dataset's instances, which lack distractors and boxes lying on the image
# border; the numbers then equal TrackEval on the written result files.
val_evaluator = dict(
    type='MMMTLMOTMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    benchmark='MOT17',
    gt_root=data_root + 'annotations/half-val_gt')
test_evaluator = val_evaluator

# A config that sets its own `custom_hooks` must keep this one.
custom_hooks = [dict(type='IdentityCountCheckHook')]
