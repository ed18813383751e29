# DanceTrack: the 40 training videos train, the 25 validation videos
# (ground truth public) are tracked and evaluated, every frame. One class
# (dancers, class 1), no distractors: benchmark='DanceTrack'. The
# validation folder itself is the ground truth in the MOTChallenge layout
# (frames numbered from 1), so the metric reads it directly. 20 fps (each
# seqinfo.ini), handed to the tracker through the converter. Prepare with
#   python tools/dataset_converters/mot2coco.py -i data/DanceTrack \
#       -o data/DanceTrack/annotations
# (see docs/dataset_prepare.md).
_base_ = './mot17_halftrain_test-mot17halfval.py'

data_root = 'data/DanceTrack/'
# DanceTrack has 990 identities in its 100 videos (DanceTrack paper), an
# upper bound of the training videos' count, which the converter prints;
# IdentityCountCheckHook stops training if the head is smaller.
num_identities = 990

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
val_evaluator = dict(benchmark='DanceTrack', gt_root=data_root + 'val')
test_evaluator = val_evaluator
