# MOT16 for the test server: all training frames train; the test videos
# are tracked and written as MOTChallenge txt files to `outfile_prefix`,
# with no evaluation. Validation runs on the second halves of the training
# videos (part of the training data here: a sanity check only). The MOT17
# test-server config on MOT16's videos and ground truth.
_base_ = './mot17_train_test-mot17test.py'

data_root = 'data/MOT16/'
# MOT16 train: 517 pedestrian tracks (MOT16 paper, Table 2); the converter
# prints the count and IdentityCountCheckHook checks the head against it.
num_identities = 517

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
val_evaluator = dict(
    benchmark='MOT16', gt_root=data_root + 'annotations/half-val_gt')
test_evaluator = dict(
    benchmark='MOT16', outfile_prefix='./work_dirs/mot16_test_results')
