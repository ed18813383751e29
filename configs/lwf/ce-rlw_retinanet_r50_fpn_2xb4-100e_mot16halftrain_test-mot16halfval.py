# Peer: Random Loss Weighting (Lin et al. 2022), w = 3 softmax(N(0, I))
# drawn anew at every step, from a sequence seeded by the run's seed.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(loss_balancer=dict(_delete_=True, type='RLWLoss'))
