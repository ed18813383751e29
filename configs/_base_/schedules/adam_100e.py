# Schedule of both papers: Adam, lr 5e-5, 100 epochs, batch 8 (2 GPUs x 4).
max_epochs = 100
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-5, weight_decay=0.0),
    clip_grad=dict(max_norm=35, norm_type=2))

param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[70, 90],
        gamma=0.1)
]

# lr above is for 2 GPUs x 4 images; mmengine rescales it with --auto-scale-lr
auto_scale_lr = dict(enable=False, base_batch_size=8)
