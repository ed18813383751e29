# Peer: uncertainty weighting as FairMOT (Kendall et al.): learnable s_det
# (cls + reg) and s_id, 0.5 * (exp(-s) L + s), FairMOT's initial values.
_base_ = './ce-lwf_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'

model = dict(
    loss_balancer=dict(
        _delete_=True,
        type='UncertaintyWeightLoss',
        groups=dict(det=['cls', 'reg'], reid=['reid']),
        init_log_vars=dict(det=-1.85, reid=-1.05)))
