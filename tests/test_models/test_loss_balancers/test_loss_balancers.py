"""Exact maths and guards of the peer loss balancers."""
import math

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.logging import MessageHub

from mmmtl.models.loss_balancers import BaseLossBalancer

TASKS = ('cls', 'reg', 'reid')
ALL_TYPES = ('LWFLoss', 'FixedWeightLoss', 'UncertaintyWeightLoss',
             'DWALoss', 'RLWLoss')


def losses_of(cls, reg, reid):
    return dict(
        loss_cls=torch.tensor(float(cls), requires_grad=True),
        loss_bbox=[
            torch.tensor(float(reg) / 2, requires_grad=True),
            torch.tensor(float(reg) / 2, requires_grad=True)
        ],
        loss_reid=torch.tensor(float(reid), requires_grad=True),
        num_pos=torch.tensor(5.0))


def weights_of(out):
    return torch.stack([out[f'w_{n}'] for n in TASKS])


def extra_args(type_):
    return dict(by_epoch=False) if type_ == 'DWALoss' else {}


@pytest.mark.parametrize('type_', ALL_TYPES)
def test_common_contract(type_):
    bal = MODELS.build(dict(type=type_, **extra_args(type_)))
    assert isinstance(bal, BaseLossBalancer)
    losses = losses_of(1.0, 2.0, 3.0)
    out = bal(losses)
    assert out['num_pos'] is losses['num_pos']
    for n, key in zip(TASKS, ('loss_cls', 'loss_bbox', 'loss_reid')):
        assert out[key].shape == ()
        assert out[f'w_{n}'].shape == () and out[f'raw_{n}'].shape == ()
        assert 'loss' not in f'w_{n}' and not out[f'w_{n}'].requires_grad
    torch.testing.assert_close(
        torch.stack([out[f'raw_{n}'] for n in TASKS]),
        torch.tensor([1.0, 2.0, 3.0]))
    w = weights_of(out)
    torch.testing.assert_close(
        torch.stack([out['loss_cls'], out['loss_bbox'], out['loss_reid']]),
        w * torch.tensor([1.0, 2.0, 3.0]))
    total = sum(v for k, v in out.items() if 'loss' in k)
    total.backward()
    assert all(v.grad is not None for v in losses['loss_bbox'])


@pytest.mark.parametrize('type_', ALL_TYPES)
def test_non_finite_raises_before_state_update(type_):
    bal = MODELS.build(dict(type=type_, **extra_args(type_)))
    bal(losses_of(1.0, 2.0, 3.0))
    state = {k: v.clone() for k, v in bal.state_dict().items()}
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 9)
    try:
        with pytest.raises(FloatingPointError,
                           match=r'loss_cls=nan.*iteration 10'):
            bal(losses_of(float('nan'), 2.0, 3.0))
    finally:
        hub.runtime_info.pop('iter', None)
    for k, v in bal.state_dict().items():
        torch.testing.assert_close(v, state[k], msg=k)


def test_fixed_weights_exact():
    bal = MODELS.build(
        dict(type='FixedWeightLoss', weights=dict(cls=0.5, reg=1.0,
                                                  reid=1.5)))
    out = bal(losses_of(2.0, 4.0, 4.0))
    assert float(out['loss_cls']) == 1.0
    assert float(out['loss_bbox']) == 4.0
    assert float(out['loss_reid']) == 6.0
    assert weights_of(out).tolist() == [0.5, 1.0, 1.5]
    with pytest.raises(KeyError, match=r"missing \['reid'\]"):
        MODELS.build(
            dict(type='FixedWeightLoss', weights=dict(cls=1.0, reg=1.0)))


def test_uncertainty_per_task_exact():
    bal = MODELS.build(
        dict(
            type='UncertaintyWeightLoss',
            init_log_vars=dict(cls=-4.15, reg=-4.85, reid=-2.3)))
    out = bal(losses_of(0.5, 0.25, 3.0))
    s = torch.tensor([-4.15, -4.85, -2.3])
    raw = torch.tensor([0.5, 0.25, 3.0])
    # JDE: 0.5 * (sum exp(-s) L + sum s).
    expected = 0.5 * ((torch.exp(-s) * raw).sum() + s.sum())
    total = sum(v for k, v in out.items() if 'loss' in k)
    torch.testing.assert_close(total, expected)
    torch.testing.assert_close(weights_of(out), 0.5 * torch.exp(-s))
    total.backward()
    # d total / d s = 0.5 (1 - exp(-s) L)
    torch.testing.assert_close(bal.log_vars_param.grad,
                               0.5 * (1 - torch.exp(-s) * raw))


def test_uncertainty_det_reid_groups_fairmot():
    bal = MODELS.build(
        dict(
            type='UncertaintyWeightLoss',
            groups=dict(det=['cls', 'reg'], reid=['reid']),
            init_log_vars=dict(det=-1.85, reid=-1.05)))
    out = bal(losses_of(0.5, 0.25, 3.0))
    w_det, w_id = 0.5 * math.exp(1.85), 0.5 * math.exp(1.05)
    assert weights_of(out).tolist() == pytest.approx([w_det, w_det, w_id])
    total = sum(v for k, v in out.items() if 'loss' in k)
    # FairMOT: 0.5 * (exp(-s_det) L_det + exp(-s_id) L_id + s_det + s_id)
    assert float(total) == pytest.approx(
        w_det * 0.75 + w_id * 3.0 + 0.5 * (-1.85 - 1.05), rel=1e-6)
    with pytest.raises(ValueError, match=r"missing \['reid'\]"):
        MODELS.build(
            dict(type='UncertaintyWeightLoss', groups=dict(det=['cls',
                                                                'reg'])))


def test_dwa_interval_ratios_exact():
    bal = MODELS.build(
        dict(type='DWALoss', temperature=2.0, by_epoch=False, interval=2))
    seq = [(1.0, 2.0, 4.0), (3.0, 2.0, 4.0),  # window 0: mean 2, 2, 4
           (1.0, 1.0, 4.0), (1.0, 1.0, 2.0),  # window 1: mean 1, 1, 3
           (9.0, 9.0, 9.0)]  # window 2 uses r = (1/2, 1/2, 3/4)
    ws = [weights_of(bal(losses_of(*ls))) for ls in seq]
    for w in ws[:4]:
        torch.testing.assert_close(w, torch.ones(3))
    r = torch.tensor([0.5, 0.5, 0.75])
    torch.testing.assert_close(ws[4], 3 * torch.softmax(r / 2.0, dim=0))
    assert float(ws[4].sum()) == pytest.approx(3.0)
    assert float(ws[4][2]) > float(ws[4][0])  # slower-falling task


def test_dwa_by_epoch_reads_message_hub():
    bal = MODELS.build(dict(type='DWALoss', temperature=1.0))
    hub = MessageHub.get_current_instance()
    try:
        for epoch, ls in enumerate([(2.0, 2.0, 2.0), (1.0, 2.0, 4.0),
                                    (1.0, 1.0, 1.0)]):
            hub.update_info('epoch', epoch)
            out = bal(losses_of(*ls))
        r = torch.tensor([0.5, 1.0, 2.0])
        torch.testing.assert_close(weights_of(out),
                                   3 * torch.softmax(r, dim=0))
    finally:
        hub.runtime_info.pop('epoch', None)
    with pytest.raises(RuntimeError, match='by_epoch=False'):
        MODELS.build(dict(type='DWALoss'))(losses_of(1.0, 1.0, 1.0))


def test_rlw_reproducible_and_normalised():
    a = MODELS.build(dict(type='RLWLoss', seed=3))
    b = MODELS.build(dict(type='RLWLoss', seed=3))
    wa = [weights_of(a(losses_of(1.0, 2.0, 3.0))) for _ in range(5)]
    wb = [weights_of(b(losses_of(1.0, 2.0, 3.0))) for _ in range(5)]
    for x, y in zip(wa, wb):
        torch.testing.assert_close(x, y)
        assert float(x.sum()) == pytest.approx(3.0)
        assert bool((x > 0).all())
    assert not torch.allclose(wa[0], wa[1])
    gen = torch.Generator().manual_seed(3 * 1_000_003 + 0)
    torch.testing.assert_close(
        wa[0], 3 * torch.softmax(torch.randn(3, generator=gen), dim=0))
    a.eval()
    torch.testing.assert_close(
        weights_of(a(losses_of(1.0, 2.0, 3.0))), torch.ones(3))


def test_rlw_follows_the_runs_seed_and_resumes_with_its_own():
    """Without ``seed`` the weight sequence is the run's
    (``torch.initial_seed()``): runs with different seeds draw different
    sequences, and a resumed balancer continues its checkpointed one."""
    def draws(bal, n=3):
        return [weights_of(bal(losses_of(1.0, 2.0, 3.0))) for _ in range(n)]

    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(1)
        a = MODELS.build(dict(type='RLWLoss'))
        torch.manual_seed(1)
        same = MODELS.build(dict(type='RLWLoss'))
        torch.manual_seed(2)
        other = MODELS.build(dict(type='RLWLoss'))
        wa = draws(a)
        for x, y in zip(wa, draws(same)):
            torch.testing.assert_close(x, y)
        assert not torch.allclose(wa[0], draws(other, 1)[0])
        # a run with seed 0 draws what seed=0 draws
        torch.manual_seed(0)
        zero = MODELS.build(dict(type='RLWLoss'))
        torch.testing.assert_close(
            draws(zero, 1)[0], draws(MODELS.build(
                dict(type='RLWLoss', seed=0)), 1)[0])
        # resuming under another torch seed continues a's sequence
        torch.manual_seed(7)
        resumed = MODELS.build(dict(type='RLWLoss'))
        resumed.load_state_dict(a.state_dict())
        torch.manual_seed(1)
        ref = MODELS.build(dict(type='RLWLoss'))
        draws(ref)
        torch.testing.assert_close(draws(resumed, 1)[0], draws(ref, 1)[0])
    finally:
        torch.random.set_rng_state(state)


def test_custom_task_keys_two_tasks():
    bal = MODELS.build(
        dict(
            type='LWFLoss',
            task_keys=dict(det='loss_det', reid='loss_reid'),
            hidden_channels=4))
    out = bal(
        dict(loss_det=torch.tensor(1.0), loss_reid=torch.tensor(2.0)))
    assert {'w_det', 'w_reid', 'raw_det', 'raw_reid'} <= set(out)
    assert bal.num_weights == 2 * 2 * 4 + 4 * 4


def _dist_worker(rank, world_size, port, result_path):
    """Each rank feeds different losses; weights must agree."""
    import torch.distributed as dist

    import mmmtl.models.loss_balancers  # noqa: F401  (registers them)
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size)
    try:
        torch.manual_seed(0)  # same MLP on both ranks, as DDP ensures
        bal = MODELS.build(dict(type='LWFLoss'))
        opt = torch.optim.SGD(bal.parameters(), lr=0.1)
        for step in range(3):
            local = (1.0 + rank, 2.0 * (rank + 1), 3.0 + step)
            out = bal(losses_of(*local))
            total = sum(v for k, v in out.items() if 'loss' in k)
            opt.zero_grad()
            total.backward()
            for p in bal.parameters():  # what DDP does
                dist.all_reduce(p.grad)
                p.grad /= world_size
            opt.step()
        torch.save(
            dict(w=weights_of(out),
                 raw=torch.stack([out[f'raw_{n}'] for n in TASKS])),
            f'{result_path}.{rank}')
    finally:
        dist.destroy_process_group()


def test_lwf_weights_agree_across_gloo_ranks(tmp_path):
    import socket

    import torch.multiprocessing as mp
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    path = str(tmp_path / 'res')
    mp.spawn(_dist_worker, args=(2, port, path), nprocs=2, join=True)
    r0, r1 = (torch.load(f'{path}.{r}') for r in range(2))
    torch.testing.assert_close(r0['w'], r1['w'], rtol=0, atol=0)
    # raw_* is the mean over ranks: ((1 + 2) / 2, (2 + 4) / 2, 5)
    torch.testing.assert_close(r0['raw'], torch.tensor([1.5, 3.0, 5.0]))
    torch.testing.assert_close(r1['raw'], r0['raw'])


# Balancer configs for the tiny-detector training test, and whether their
# weights change during training.
TRAIN_CASES = [
    (dict(type='LWFLoss'), True),
    (dict(type='FixedWeightLoss', weights=dict(cls=1.0, reg=0.5,
                                               reid=1.5)), False),
    (dict(type='UncertaintyWeightLoss'), True),
    (dict(type='UncertaintyWeightLoss', groups=dict(det=['cls', 'reg'],
                                                    reid=['reid'])), True),
    (dict(type='DWALoss', by_epoch=False, interval=40), True),
    (dict(type='RLWLoss'), True),
]


def train_tiny_detector(balancer_cfg, steps=150, lr=2e-3):
    """Train the tiny CE detector on one fixed batch with a balancer.

    Returns:
        tuple[Tensor, Tensor, Tensor]: weights (S, 3), raw task losses
        (S, 3) and totals (S, ) over the S steps.
    """
    from mmmtl.testing import demo_det_inputs, tiny_detector_cfg
    register_all_modules()  # builds the data preprocessor in mmdet's scope
    torch.manual_seed(0)
    detector = MODELS.build(tiny_detector_cfg())
    balancer = MODELS.build(balancer_cfg)
    inputs, samples = demo_det_inputs(batch=2, seed=0)
    params = list(detector.parameters()) + list(balancer.parameters())
    optim = torch.optim.Adam(params, lr=lr)
    ws, raws, totals = [], [], []
    detector.train()
    balancer.train()
    for _ in range(steps):
        out = balancer(detector.loss(inputs, samples))
        total = sum(v for k, v in out.items() if 'loss' in k)
        optim.zero_grad()
        total.backward()
        optim.step()
        ws.append(weights_of(out))
        raws.append(torch.stack([out[f'raw_{n}'] for n in TASKS]))
        totals.append(total.detach())
    return torch.stack(ws), torch.stack(raws), torch.stack(totals)


@pytest.mark.parametrize(
    'cfg,moves', TRAIN_CASES, ids=lambda c: c.get('type') if isinstance(
        c, dict) else None)
def test_tiny_detector_trains_with_balancer(cfg, moves):
    ws, raws, totals = train_tiny_detector(cfg)
    assert bool(torch.isfinite(ws).all())
    if cfg['type'] == 'RLWLoss':
        # Random by design: positive, averaging 1, occasionally small.
        assert float(ws.min()) > 0
        torch.testing.assert_close(ws.sum(1), torch.full((len(ws), ), 3.0))
    else:
        # Bounded away from 0 all along: every task keeps learning.
        assert float(ws.min()) > 0.1, ws.min(0).values
    if moves:
        assert float((ws.max(0).values - ws.min(0).values).min()) > 0.03
    else:
        assert bool((ws == ws[0]).all())
    # The detector learns: the unweighted task losses fall.
    raw_sum = raws.sum(1)
    assert float(raw_sum[-20:].mean()) < 0.7 * float(raw_sum[:20].mean())
    if cfg['type'] != 'RLWLoss':  # RLW's total is noisy by design
        assert float(totals[-20:].mean()) < float(totals[:20].mean())


def test_tiny_detector_lwf_without_barrier_collapses():
    """Without the safeguard every LWF weight decays towards 0 (the
    barrier case is the LWFLoss row above: all weights stay > 0.1)."""
    with pytest.warns(UserWarning, match='decays to 0'):
        ws, raws, _ = train_tiny_detector(
            dict(type='LWFLoss', regularizer='none'))
    assert float(ws[-1].max()) < 0.01
    assert bool((ws[-1] < ws[len(ws) // 2]).all())  # still falling
