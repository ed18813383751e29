# Schedule of both papers, exactly as they state it: Adam, lr 5e-5,
# 100 epochs, batch 8 (2 GPUs x 4), and nothing else: constant learning
# rate, no warm-up, no gradient clipping, no weight decay.
# adam_100e_warmup-step.py is this package's variant (warm-up, step decay,
# clipping), not the papers'.
max_epochs = 100
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=5e-5, weight_decay=0.0))

param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]

# lr above is for 2 GPUs x 4 images; mmengine rescales it with --auto-scale-lr
auto_scale_lr = dict(enable=False, base_batch_size=8)
