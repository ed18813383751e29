# Offline quickstart: the full method of both papers (CE head + LWF
# balancer + JDE-style tracker) on synthetic MOT video, trained from scratch
# on a CPU. Lighter than the papers' model so it trains in minutes:
# ResNet-18 at half width (no pretrained weights), FPN P3-P5 with 64
# channels, 2-conv towers, 64-d embeddings, 320x192 input.
_base_ = [
    '../_base_/models/oneshot-mot_retinanet_r50_fpn.py',
    '../_base_/default_runtime.py'
]

data_root = 'outputs/quickstart/data/'
train_root = data_root + 'synthmot-train/'
test_root = data_root + 'synthmot-test/'
num_identities = 200  # upper bound; tools/quickstart.py sets the real count
max_iters = 2400
img_scale = (320, 192)  # (w, h)

# the papers' model (CE head, one anchor, JDE tracker) at CPU size
model = dict(
    detector=dict(
        backbone=dict(
            _delete_=True,
            type='ResNet',
            depth=18,
            base_channels=32,
            num_stages=4,
            out_indices=(1, 2, 3),
            frozen_stages=-1,
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=False,
            style='pytorch'),
        neck=dict(
            in_channels=[64, 128, 256],
            out_channels=64,
            start_level=0,
            add_extra_convs=False,
            num_outs=3),
        bbox_head=dict(
            in_channels=64,
            stacked_convs=2,
            feat_channels=64,
            embed_channels=64,
            num_identities=num_identities,
            # synthetic people are 20-110 px tall at 320x192
            anchor_generator=dict(
                octave_base_scale=3, ratios=[2.4], strides=[8, 16, 32]),
            # MOTChallenge boxes are amodal: a person half out of the frame
            # keeps the full-body box, so boxes are not clipped when decoded
            bbox_coder=dict(clip_border=False)),
        # with one anchor per location, 1 in 4 people has no anchor at IoU
        # 0.5; at 0.4 every person gets ~4 positives. Amodal boxes cropped
        # to a sliver at the right border can overlap no anchor; with
        # RetinaNet's min_pos_iou=0 such a box would claim every anchor.
        train_cfg=dict(
            assigner=dict(pos_iou_thr=0.4, neg_iou_thr=0.3,
                          min_pos_iou=0.1)),
        # one anchor per location gives neighbouring near-duplicates; JDE
        # suppresses at 0.4, the held-out validation split picked 0.3
        test_cfg=dict(
            nms_pre=500, nms=dict(iou_threshold=0.3), max_per_img=100)),
    loss_balancer=dict(
        type='LWFLoss', hidden_channels=32, num_hidden_layers=1),
    # the model base's default tracker (docs/tracker.md, "One default
    # tracker"); the study of the papers' claims tests with FairMOT's
    # association (tools/analysis_tools/run_ablation.py)
    tracker=dict(preset='adaptive'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTrackAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.8, 1.25),
        keep_ratio=True,
        clip_object_border=False),  # amodal boxes, as in the GT
    dict(type='RandomCrop', crop_size=(320, 192), bbox_clip_border=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackReIDDetInputs')
]
test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(type='LoadTrackAnnotations'),
        ]),
    # seqinfo.ini's frame rate (written by the converter) for the tracker
    dict(type='PackTrackInputs', meta_keys=('frame_rate', ))
]

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='MOTReIDDataset',
        data_root=train_root,
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img='train'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type='MOTChallengeDataset',
        data_root=test_root,
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img_path='train'),
        metainfo=dict(classes=('pedestrian', )),
        test_mode=True,
        pipeline=test_pipeline))
# ground truth from the sequences' gt.txt (the dataset's instances lack
# boxes lying on the image border), so the numbers equal TrackEval on the
# written files; tools/quickstart.py points it at the generated data
test_evaluator = dict(
    type='MMMTLMOTMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    gt_root=test_root + 'train')
# no validation during this short run: the quickstart tests once at the end
val_dataloader = None
val_cfg = None
val_evaluator = None

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=0.0),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - 100,
        eta_min=1e-5,
        by_epoch=False,
        begin=100,
        end=max_iters)
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25),
    checkpoint=dict(
        type='CheckpointHook', interval=max_iters, by_epoch=False,
        max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
# speed only: on a CPU shared with other work, as many intra-op threads
# as the other work leaves cores idle (benchmarks/bench_train_speed.py)
custom_hooks = [
    dict(type='IdentityCountCheckHook'),
    dict(type='CPUThreadsHook', num_threads='auto')
]
