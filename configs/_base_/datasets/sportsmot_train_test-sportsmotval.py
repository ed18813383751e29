# SportsMOT: the 45 training clips train, the 45 validation clips (ground
# truth public) are tracked and evaluated, every frame. One class (players,
# class 1; referees and spectators are not annotated), no distractors:
# benchmark='SportsMOT'. 1280x720 at 25 fps (each seqinfo.ini). The layout
# is DanceTrack's (train -> val, the validation folder itself is the ground
# truth in the MOTChallenge layout, read directly by the metric), so only
# the root, the identity count and the benchmark differ. Prepare with
#   python tools/dataset_converters/mot2coco.py -i data/SportsMOT \
#       -o data/SportsMOT/annotations
# (see docs/dataset_prepare.md).
_base_ = './dancetrack_train_test-dancetrackval.py'

data_root = 'data/SportsMOT/'
# SportsMOT train: 639 identities (counted from the training ground truth
# the SportsMOT repository publishes with its TrackEval data); the
# converter prints the count and IdentityCountCheckHook stops training if
# the head is smaller.
num_identities = 639

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(benchmark='SportsMOT', gt_root=data_root + 'val')
test_evaluator = val_evaluator
