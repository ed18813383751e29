"""Tests of LWFLoss: the MLP of eq. 9-10, its safeguard and its guards."""
import glob
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.logging import MessageHub

from mmmtl.models.loss_balancers import LWFLoss

TASKS = ('cls', 'reg', 'reid')


def build(**kwargs) -> LWFLoss:
    return MODELS.build(dict(type='LWFLoss', **kwargs))


def make_losses(cls=0.8, reg=(1.0, 1.0), reid=4.0, requires_grad=True):
    """Loss dict as a detector returns it (reg as a per-level list)."""

    def t(v):
        return torch.tensor(float(v), requires_grad=requires_grad)

    return dict(
        loss_cls=t(cls),
        loss_bbox=[t(v) for v in reg],
        loss_reid=t(reid),
        acc=torch.tensor(97.0))


# (C, paper's #params) of Table IV, N = 1.
TABLE_IV = [(4, 0.04), (8, 0.11), (16, 0.35), (32, 1.22), (64, 4.48),
            (128, 17.15)]
# (N, paper's #params) of Table V, C = 32.
TABLE_V = [(1, 1.22), (2, 2.24), (3, 3.26)]


@pytest.mark.parametrize('channels,k_params', TABLE_IV)
def test_param_count_table_iv(channels, k_params):
    bal = build(hidden_channels=channels, num_hidden_layers=1)
    weights = sum(m.weight.numel() for m in bal.mlp
                  if isinstance(m, nn.Linear))
    assert bal.num_weights == weights == 6 * channels + channels**2
    assert round(weights / 1000, 2) == k_params
    # Biases: (N + 1) C + T on top.
    total = sum(p.numel() for p in bal.parameters())
    assert total - weights == 2 * channels + 3


@pytest.mark.parametrize('layers,k_params', TABLE_V)
def test_param_count_table_v(layers, k_params):
    bal = build(hidden_channels=32, num_hidden_layers=layers)
    assert round(bal.num_weights / 1000, 2) == k_params
    linears = [m for m in bal.mlp if isinstance(m, nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == (
        [(32, 3)] + [(32, 32)] * layers + [(3, 32)])
    assert isinstance(bal.mlp[-1], nn.Linear)  # sigmoid in forward


def test_forward_keys_shapes_and_range():
    bal = build()
    losses = make_losses()
    out = bal(losses)
    assert set(out) == {
        'loss_cls', 'loss_bbox', 'loss_reid', 'loss_lwf', 'acc', 'w_cls',
        'w_reg', 'w_reid', 'raw_cls', 'raw_reg', 'raw_reid'
    }
    assert out['acc'] is losses['acc']
    for n in TASKS:
        assert out[f'w_{n}'].shape == () and out[f'raw_{n}'].shape == ()
        assert not out[f'w_{n}'].requires_grad
        assert 0 < float(out[f'w_{n}']) < bal.max_weight
    # Fresh MLP: output layer ~0, so every weight starts at max_weight / 2.
    for n in TASKS:
        assert float(out[f'w_{n}']) == 1.0
    assert float(out['raw_reg']) == pytest.approx(2.0)
    w = torch.stack([out[f'w_{n}'] for n in TASKS])
    assert float(out['loss_bbox']) == pytest.approx(float(w[1]) * 2.0)
    gm = (0.8 * 2.0 * 4.0)**(1 / 3)
    assert float(out['loss_lwf']) == pytest.approx(
        float(-gm * torch.log(w).sum()), rel=1e-6, abs=1e-6)


def test_exact_weights_from_set_mlp():
    """With the MLP set by hand, weights and barrier are known exactly."""
    bal = build(max_weight=2.0, barrier_weight=0.5)  # fixed lam
    with torch.no_grad():
        for m in bal.mlp:
            if isinstance(m, nn.Linear):
                m.weight.zero_()
                m.bias.zero_()
        bal.mlp[-1].bias.copy_(torch.tensor([0.0, math.log(3.0), -1.0]))
    out = bal(make_losses())
    sig = torch.sigmoid(torch.tensor([0.0, math.log(3.0), -1.0]))
    expected = 2.0 * sig  # (1.0, 1.5, 2 sigmoid(-1))
    got = torch.stack([out[f'w_{n}'] for n in TASKS])
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(
        out['loss_lwf'], -0.5 * torch.log(expected).sum())
    torch.testing.assert_close(out['loss_cls'], expected[0] * 0.8)
    torch.testing.assert_close(out['loss_reid'], expected[2] * 4.0)


def test_input_transforms():
    stats = torch.tensor([0.5, 2.0, 4.0])
    bal = build(input_transform='log')
    torch.testing.assert_close(bal.mlp_input(stats), torch.log(stats + 1e-8))
    bal = build(input_transform='none')
    torch.testing.assert_close(bal.mlp_input(stats), stats)
    bal = build(input_transform='running_mean', ema_momentum=0.5)
    torch.testing.assert_close(bal.mlp_input(stats), torch.ones(3))
    x = bal.mlp_input(3 * stats)  # EMA: (s + 3 s) / 2 = 2 s
    torch.testing.assert_close(x, torch.full((3, ), 1.5))
    torch.testing.assert_close(bal.running_mean, 2 * stats)
    bal.eval()
    bal.mlp_input(100 * stats)  # no update in eval mode
    torch.testing.assert_close(bal.running_mean, 2 * stats)


def _fit_weights(regularizer, losses=(0.8, 2.0, 4.0), steps=400, **kwargs):
    """Train only the MLP against constant task losses."""
    torch.manual_seed(0)
    bal = build(regularizer=regularizer, **kwargs)
    opt = torch.optim.Adam(bal.parameters(), lr=0.02)
    for _ in range(steps):
        out = bal(make_losses(losses[0], (losses[1], ), losses[2]))
        total = sum(v for k, v in out.items() if 'loss' in k)
        opt.zero_grad()
        total.backward()
        opt.step()
    return torch.stack([out[f'w_{n}'] for n in TASKS])


def test_log_barrier_drives_weights_to_lam_over_loss():
    """Safeguard: optimum w_i = lam / L_i, capped at max_weight."""
    w = _fit_weights(
        'log_barrier', losses=(0.8, 2.0, 4.0), barrier_weight=1.0)
    torch.testing.assert_close(
        w, torch.tensor([1.25, 0.5, 0.25]), rtol=0.03, atol=0.0)
    # A loss below lam / max_weight saturates at the cap, not beyond.
    w = _fit_weights(
        'log_barrier', losses=(0.1, 2.0, 4.0), barrier_weight=1.0)
    assert 1.9 < float(w[0]) < 2.0


def test_geometric_mean_barrier_is_scale_free():
    """Default lam = GM(L): w_i = GM / L_i, prod w = 1, any loss scale."""
    losses = torch.tensor([1.0, 1.5, 3.0])
    gm = float(losses.prod()**(1 / 3))
    for scale in (1.0, 0.01):
        w = _fit_weights('log_barrier', losses=(scale * losses).tolist())
        torch.testing.assert_close(w, gm / losses, rtol=0.03, atol=0.0)
        assert float(w.prod()) == pytest.approx(1.0, rel=0.05)


def test_barrier_lam():
    bal = build()
    stats = torch.tensor([0.5, 2.0, 8.0])
    torch.testing.assert_close(bal.barrier_lam(stats), torch.tensor(2.0))
    # A zero loss (no identities in the batch) is left out of the mean.
    torch.testing.assert_close(
        bal.barrier_lam(torch.tensor([0.5, 2.0, 0.0])), torch.tensor(1.0))
    torch.testing.assert_close(
        bal.barrier_lam(torch.zeros(3)), torch.tensor(1.0))
    bal = build(barrier_weight=0.5)
    torch.testing.assert_close(bal.barrier_lam(stats), torch.tensor(0.5))


def test_training_without_barrier_collapses():
    """Without the safeguard every weight decays towards 0."""
    with pytest.warns(UserWarning, match='decays to 0'):
        w = _fit_weights('none', steps=200)
    assert float(w.max()) < 0.02


def test_non_finite_loss_names_key_and_iteration():
    bal = build(input_transform='running_mean')
    bal(make_losses())
    state = {k: v.clone() for k, v in bal.state_dict().items()}
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 41)
    try:
        with pytest.raises(FloatingPointError,
                           match=r'loss_reid=nan.*iteration 42'):
            bal(make_losses(reid=float('nan')))
        with pytest.raises(FloatingPointError, match=r'loss_bbox=inf'):
            bal(make_losses(reg=(1.0, float('inf'))))
    finally:
        hub.runtime_info.pop('iter', None)
    for k, v in bal.state_dict().items():
        torch.testing.assert_close(v, state[k], msg=k)


def test_non_finite_mlp_state_is_caught():
    bal = build()
    with torch.no_grad():
        bal.mlp[0].weight[0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match='non-finite weight'):
        bal(make_losses())


@pytest.mark.parametrize('kwargs,match', [
    (dict(hidden_channels=0), 'hidden_channels'),
    (dict(num_hidden_layers=-1), 'num_hidden_layers'),
    (dict(regularizer='l2'), 'regularizer'),
    (dict(input_transform='sqrt'), 'input_transform'),
    (dict(barrier_weight=0.0), 'barrier_weight'),
    (dict(barrier_weight='mean'), 'barrier_weight'),
    (dict(max_weight=-1.0), 'max_weight'),
    (dict(task_keys=dict(loss_cls='loss_cls')), "contains 'loss'"),
])
def test_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(**kwargs)


def test_missing_loss_key_is_named():
    bal = build()
    losses = make_losses()
    losses.pop('loss_reid')
    with pytest.raises(KeyError, match="'loss_reid'"):
        bal(losses)


CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
        __file__))))), 'configs', 'lwf')
SUFFIX16 = '_retinanet_r50_fpn_2xb4-100e_mot16halftrain_test-mot16halfval.py'
# Table I of the LWF paper (alpha, beta, gamma), by config tag.
TABLE_I = {
    'a05-b10-g15': (0.5, 1.0, 1.5),
    'a05-b20-g10': (0.5, 2.0, 1.0),
    'a07-b04-g09': (0.7, 0.4, 0.9),
    'a10-b10-g10': (1.0, 1.0, 1.0),
    'a10-b05-g15': (1.0, 0.5, 1.5),
    'a20-b09-g17': (2.0, 0.9, 1.7),
}


def test_lwf_configs_build_shrunk():
    """Every configs/lwf config loads and builds with the tiny detector."""
    from mmengine.config import Config

    from mmmtl.testing import tiny_detector_cfg
    register_all_modules()
    files = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
    assert len(files) >= 19
    for path in files:
        cfg = Config.fromfile(path)
        name = osp.basename(path)
        assert cfg.model.type == 'OneShotMOT', name
        assert cfg.model.detector.bbox_head.type == 'CEHead', name
        model_cfg = cfg.model.to_dict()
        model_cfg['detector'] = tiny_detector_cfg()
        model = MODELS.build(model_cfg)
        bal = model.loss_balancer
        train_data = name.split('_')[-2]  # e.g. mot16halftrain
        assert cfg.train_dataloader.dataset.data_root == (
            f'data/{train_data[:5].upper()}/'), name
        tag = name[:-len(SUFFIX16)] if name.endswith(SUFFIX16) else ''
        if tag.startswith('ce-hwf-'):
            assert type(bal).__name__ == 'FixedWeightLoss'
            weights = tag[len('ce-hwf-'):]
            if weights.endswith('-posneg'):  # LWF eq. 1's normaliser
                weights = weights[:-len('-posneg')]
                assert cfg.model.detector.bbox_head.cls_normalizer == \
                    'num_pos_neg'
            assert tuple(bal.weights.tolist()) == pytest.approx(
                TABLE_I[weights])
        elif tag.startswith('ce-lwf-c'):
            c = int(tag[len('ce-lwf-c'):])
            assert round(bal.num_weights / 1000, 2) == dict(TABLE_IV)[c]
        elif tag == 'ce-lwf-nobarrier':
            assert type(bal).__name__ == 'LWFLoss'
            assert bal.regularizer == 'none'
        elif tag.startswith('ce-lwf-n'):
            n = int(tag[len('ce-lwf-n'):])
            assert round(bal.num_weights / 1000, 2) == dict(TABLE_V)[n]
        elif tag.startswith('ce-lwf-literal'):
            assert type(bal).__name__ == 'LWFLiteralLoss'
            assert bal.reading == ('senet' if tag.endswith('-senet') else
                                   'printed')
            assert bal.num_weights == 1216
        elif tag == 'ce-gm':
            assert type(bal).__name__ == 'GeometricLossBalance'
        elif tag == 'ce-gradnorm':
            assert type(bal).__name__ == 'GradNormLoss'
            assert bal.shared_layer_path == 'detector.neck.fpn_convs'
        elif tag == 'ce-famo':
            assert type(bal).__name__ == 'FAMOLoss'
            assert (bal.lr, bal.weight_decay) == (0.025, 0.001)
        elif tag in ('ce-uw', 'ce-dwa', 'ce-rlw'):
            assert type(bal).__name__ in ('UncertaintyWeightLoss',
                                          'DWALoss', 'RLWLoss')
        else:  # the main configs, one per train/test split
            assert type(bal).__name__ == 'LWFLoss', name
            assert bal.num_weights == 1216
            assert bal.regularizer == 'log_barrier'
