# Your own multi-class data in the MOTChallenge layout (here pedestrians
# and cars, the `custom` profile of tools/misc/gen_synthetic_mot.py): the
# first half of each training video trains, the rest validates, every class
# is tracked on its own and evaluated per class and combined
# (MultiClassMOTMetric). Prepare with
#   python tools/dataset_converters/mot2coco.py -i data/custom \
#       -o data/custom/annotations --split-train --classes pedestrian car
# (see docs/custom_dataset.md). Change `classes` (MOT class names, as
# written in gt.txt's class column) and `num_identities` for your data.
_base_ = './mot17_halftrain_test-mot17halfval.py'

data_root = 'data/custom/'
classes = ('pedestrian', 'car')
# Upper bound of the identities of the training subset (the converter
# prints the count; IdentityCountCheckHook stops training if it is larger).
num_identities = 1000

train_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes)))
val_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
# ground truth from the dataset (its `bbox_label`s name the classes)
val_evaluator = dict(
    type='MultiClassMOTMetric', classes=classes, gt_root=None)
test_evaluator = val_evaluator
