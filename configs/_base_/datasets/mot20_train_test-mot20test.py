# MOT20 for the test server: all training frames train; the test videos
# are tracked and written as MOTChallenge txt files to `outfile_prefix`,
# with no evaluation. Validation runs on the second halves of the training
# videos (part of the training data here: a sanity check only). MOT20
# evaluation also counts non-MOT vehicles as distractors
# (benchmark='MOT20'). Prepare with
#   python tools/dataset_converters/mot2coco.py -i data/MOT20 \
#       -o data/MOT20/annotations --split-train
_base_ = './mot17_train_test-mot17test.py'

data_root = 'data/MOT20/'
# MOT20 train: 2215 pedestrian tracks (MOTChallenge statistics); the
# converter prints the count of train_cocoformat.json and
# IdentityCountCheckHook stops training if the head is smaller.
num_identities = 2215

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
val_evaluator = dict(
    benchmark='MOT20', gt_root=data_root + 'annotations/half-val_gt')
test_evaluator = dict(
    benchmark='MOT20', outfile_prefix='./work_dirs/mot20_test_results')
