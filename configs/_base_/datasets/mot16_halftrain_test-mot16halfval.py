# MOT16 half split (see mot17_halftrain_test-mot17halfval.py): first half
# of each training video trains, the rest validates. Prepare with
#   python tools/dataset_converters/mot2coco.py -i data/MOT16 \
#       -o data/MOT16/annotations --split-train
_base_ = './mot17_halftrain_test-mot17halfval.py'

data_root = 'data/MOT16/'
# MOT16 train has 517 pedestrian tracks (MOT16 paper, Table 2); the
# half-train subset has fewer (printed by the converter), so 517 is an
# upper bound that IdentityCountCheckHook accepts.
num_identities = 517

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(
    benchmark='MOT16', gt_root=data_root + 'annotations/half-val_gt')
test_evaluator = val_evaluator
