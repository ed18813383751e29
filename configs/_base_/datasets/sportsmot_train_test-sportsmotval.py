# SportsMOT: the 45 training clips train, the 45 validation clips (ground
# truth public) are tracked and evaluated, every frame. One class (players,
# class 1; referees and spectators are not annotated), no distractors:
# benchmark='SportsMOT'. The validation folder itself is the ground truth
# in the MOTChallenge layout, so the metric reads it directly. 1280x720 at
# 25 fps (each seqinfo.ini). Prepare with
#   python tools/dataset_converters/mot2coco.py -i data/SportsMOT \
#       -o data/SportsMOT/annotations
# (see docs/dataset_prepare.md).
_base_ = './mot17_halftrain_test-mot17halfval.py'

data_root = 'data/SportsMOT/'
# SportsMOT train: 639 identities (counted from the training ground truth
# the SportsMOT repository publishes with its TrackEval data); the
# converter prints the count and IdentityCountCheckHook stops training if
# the head is smaller.
num_identities = 639

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json'))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/val_cocoformat.json',
        data_prefix=dict(img_path='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(benchmark='SportsMOT', gt_root=data_root + 'val')
test_evaluator = val_evaluator
