"""The weight-curve tool on the logs of a real short Runner run."""
import glob
import json
import os.path as osp
import runpy

import pytest
import torch
from mmengine.runner import Runner

import mmmtl  # noqa: F401  (registers the components)
from mmmtl.visualization import plot_loss_weights

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'plot_loss_weights.py')


class FrameList:
    """In-memory dataset of single frames as a det pipeline packs them."""

    metainfo = dict(classes=('pedestrian', ))

    def __init__(self, length=4, nan_at=None):
        from mmmtl.testing import demo_det_inputs
        inputs, samples = demo_det_inputs(batch=2, seed=0)
        self.items = [(inputs[i % 2].clone(), samples[i % 2])
                      for i in range(length)]
        if nan_at is not None:
            self.items[nan_at][0][:] = float('nan')

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        img, sample = self.items[idx]
        return dict(inputs=img, data_samples=sample)


def make_runner(work_dir, dataset, max_iters, checkpoint_interval=1000,
                head='CEHead'):
    from mmmtl.testing import tiny_mot_cfg
    model = tiny_mot_cfg(head)['model']
    model['loss_balancer'] = dict(type='LWFLoss')
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=2e-3)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type='CheckpointHook',
                interval=checkpoint_interval,
                by_epoch=False)),
        visualizer=dict(
            type='Visualizer',
            vis_backends=[
                dict(type='LocalVisBackend'),
                dict(type='TensorboardVisBackend')
            ]),
        default_scope='mmdet',
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING')


def test_runner_logs_weights_and_tool_plots(tmp_path):
    runner = make_runner(tmp_path, FrameList(), max_iters=8)
    runner.train()
    logs = glob.glob(str(tmp_path / '*' / 'vis_data' / '*.json'))
    assert logs, 'no json log written'
    own = [p for p in logs if not p.endswith('scalars.json')][0]
    records = [json.loads(line) for line in open(own)]
    train = [r for r in records if 'w_cls' in r]
    assert len(train) == 8  # every logging step
    for r in train:
        for key in ('w_cls', 'w_reg', 'w_reid', 'raw_cls', 'raw_reg',
                    'raw_reid', 'loss_lwf'):
            assert isinstance(r[key], float), key
    assert len({r['w_reid'] for r in train}) > 1  # the weights move
    # The weights are logged, not summed into the total loss.
    r = train[-1]
    summed = r['loss_cls'] + r['loss_bbox'] + r['loss_reid'] + r['loss_lwf']
    assert r['loss'] == pytest.approx(summed, rel=1e-4, abs=1e-4)
    events = glob.glob(
        str(tmp_path / '*' / 'vis_data' / 'events.out.tfevents*'))
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    acc = EventAccumulator(events[0])
    acc.Reload()
    for key in ('w_cls', 'w_reg', 'w_reid', 'raw_reid'):
        assert len(acc.Scalars(key)) == 8, key

    out = tmp_path / 'weights.png'
    runpy_main = runpy.run_path(TOOL)['main']
    assert runpy_main([str(tmp_path), '--out', str(out)]) == 0
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    # Through the package function, weights only.
    out2 = tmp_path / 'weights_only.png'
    plot_loss_weights(own, str(out2), show_raw=False)
    assert out2.stat().st_size > 1000


def test_tool_errors_name_the_file(tmp_path, capsys):
    main = runpy.run_path(TOOL)['main']
    assert main([str(tmp_path), '--out', str(tmp_path / 'x.png')]) == 1
    assert str(tmp_path) in capsys.readouterr().err
    log = tmp_path / 'run' / 'vis_data' / 'run.json'
    log.parent.mkdir(parents=True)
    log.write_text('{"loss": 1.0, "iter": 1, "step": 1}\n')
    assert main([str(tmp_path), '--out', str(tmp_path / 'x.png')]) == 1
    err = capsys.readouterr().err
    assert str(log) in err and 'w_' in err
    log.write_text('{"loss": 1.0\n')
    with pytest.raises(ValueError, match=r'run\.json:1'):
        plot_loss_weights(str(log), str(tmp_path / 'x.png'))


@pytest.mark.parametrize('head, message', [
    # the sigmoid-focal head lets the NaN reach the losses: the balancer
    # names the loss
    ('TripleBranchHead', r'loss_\w+=nan.*iteration 3'),
    # the CE head's focal loss on probabilities fails first: the head
    # names the cause
    ('CEHead', r'CEHead: non-finite joint score.*iteration 3'),
])
def test_nan_stops_training_before_a_checkpoint_sees_it(
        tmp_path, head, message):
    """A NaN batch at iteration 3 stops training with a clear error; every
    checkpoint saved (one per iteration) holds finite weights."""
    dataset = FrameList(length=8, nan_at=4)  # batch 3 = items 4, 5
    runner = make_runner(tmp_path, dataset, max_iters=4,
                         checkpoint_interval=1, head=head)
    with pytest.raises(FloatingPointError, match=message):
        runner.train()
    ckpts = sorted(glob.glob(str(tmp_path / 'iter_*.pth')))
    assert [osp.basename(c) for c in ckpts] == ['iter_1.pth', 'iter_2.pth']
    for path in ckpts:
        state = torch.load(path, map_location='cpu',
                           weights_only=False)['state_dict']
        balancer = {k: v for k, v in state.items()
                    if k.startswith('loss_balancer.')}
        assert balancer
        for k, v in state.items():
            if v.is_floating_point():
                assert bool(torch.isfinite(v).all()), (path, k)
