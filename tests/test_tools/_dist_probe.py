"""A hook for the 2-process test: each rank saves its LWF state."""
import os.path as osp

import torch
from mmdet.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


@HOOKS.register_module()
class LWFStateProbeHook(Hook):
    """Save the balancer's state and last logged weights per rank."""

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        hub = runner.message_hub
        weights = {
            k: hub.get_scalar(f'train/{k}').current()
            for k in ('w_cls', 'w_reg', 'w_reid')
        }
        torch.save(
            dict(
                state={
                    k: v.detach().clone()
                    for k, v in model.loss_balancer.state_dict().items()
                },
                weights=weights,
                iter=runner.iter),
            osp.join(runner.work_dir, f'lwf_rank{get_rank()}.pth'))
