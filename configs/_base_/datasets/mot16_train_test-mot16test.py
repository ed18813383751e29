# MOT16 for the test server: all training frames train; the test videos
# are tracked and written as MOTChallenge txt files to `outfile_prefix`,
# with no evaluation. Validation runs on the second halves of the training
# videos (part of the training data here: a sanity check only).
_base_ = './mot16_halftrain_test-mot16halfval.py'

# MOT16 train: 517 pedestrian tracks (MOT16 paper, Table 2); the converter
# prints the count and IdentityCountCheckHook checks the head against it.
num_identities = 517

train_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test/')))
test_evaluator = dict(
    format_only=True,
    outfile_prefix='./work_dirs/mot16_test_results',
    gt_root=None)  # test videos have no ground truth
