# LWF exactly as eq. 9-10 are printed: FC(3,C)-sigmoid-FC(C,C)-sigmoid-
# FC(C,3)-ReLU on the raw task losses (not detached), Gaussian init, no
# cap, no safeguard. Collapses to zero weights by design (docs/lwf.md).
# C = 32 and N = 1 are the base's.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(type='LWFLiteralLoss', reading='printed'))
