# RetinaNet-R50-FPN with a Re-ID head (CE paper, Fig. 1): ResNet-50,
# FPN P3-P7 with 256 channels, 4-conv towers, A = 1 pedestrian-shaped
# anchor per location, 128-d embeddings. The head is the CE head (Fig. 2f);
# configs/heads/ swaps its type for the other structures of Fig. 2.
#
# `loss_cls` and `ce_cfg` are left to each head's defaults so that changing
# only `type` gives a valid head: logits + sigmoid FocalLoss for heads
# (a)-(e), probabilities J = sigmoid(I) * Q + FocalLoss(activated=True) and
# ce_cfg=dict(topk=2, hidden_channels=128) for CEHead.
# `num_identities` is the training set's identity count; configs that add a
# dataset set it from the dataset base's top-level `num_identities`.
detector = dict(
    type='RetinaNet',
    data_preprocessor=None,  # OneShotMOT's TrackDataPreprocessor runs
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        start_level=1,
        add_extra_convs='on_input',
        num_outs=5),
    bbox_head=dict(
        type='CEHead',
        num_classes=1,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        embed_channels=128,
        num_identities=1000,
        # one anchor, height / width = 2.5 (MOT17's median box shape),
        # base size 4 x stride: ~50 px at P3 up to ~800 px at P7
        anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=4,
            scales_per_octave=1,
            ratios=[2.5],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[0.0, 0.0, 0.0, 0.0],
            target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0),
        loss_reid=dict(type='ReIDFocalLoss', gamma=2.0, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner',
            pos_iou_thr=0.5,
            neg_iou_thr=0.4,
            min_pos_iou=0,
            ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=200))
