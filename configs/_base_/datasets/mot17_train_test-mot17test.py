# MOT17 for the test server: all training frames (-FRCNN copies) train;
# the test videos (all 21, -DPM/-FRCNN/-SDP, one result file each) are
# tracked and written as MOTChallenge txt files to `outfile_prefix`, with no
# evaluation. Validation runs on the second halves of the training videos,
# which are part of the training data here: a sanity check, not a
# held-out score. The MOT16 and MOT20 test-server configs are this one on
# their own data.
_base_ = './mot17_halftrain_test-mot17halfval.py'

# MOT17 train: 546 pedestrian tracks (MOTChallenge statistics); the
# converter prints the count of train_cocoformat.json and
# IdentityCountCheckHook stops training if the head is smaller.
num_identities = 546

train_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test/')))
test_evaluator = dict(
    format_only=True,
    outfile_prefix='./work_dirs/mot17_test_results',
    gt_root=None)  # test videos have no ground truth
