"""Multi-process training on machines without CUDA."""
import os
from typing import Sequence

import torch
import torch.distributed as torch_dist


def init_cpu_dist_if_needed(argv: Sequence[str]) -> bool:
    """Start a gloo process group for ``--launcher pytorch`` without CUDA.

    mmengine 0.10.7's ``init_dist('pytorch')`` calls
    ``torch.cuda.set_device`` unconditionally, which fails on CPU builds of
    torch. The Runner skips ``init_dist`` when a process group already
    exists, so starting one here with the gloo backend (from torchrun's
    ``RANK``/``WORLD_SIZE``/``MASTER_*`` variables) lets
    ``tools/dist_train.sh`` run on CPUs. With CUDA nothing is done.

    Args:
        argv (Sequence[str]): The command line of the train/test script.

    Returns:
        bool: True when a process group was started here.
    """
    args = list(argv)
    launcher = None
    for i, a in enumerate(args):
        if a == '--launcher' and i + 1 < len(args):
            launcher = args[i + 1]
        elif a.startswith('--launcher='):
            launcher = a.split('=', 1)[1]
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    if torch_dist.is_available() and torch_dist.is_initialized():
        return False
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if key not in os.environ:
            raise RuntimeError(
                f'--launcher pytorch needs the environment variable {key}; '
                'start the script with torchrun or tools/dist_train.sh')
    torch_dist.init_process_group(backend='gloo')
    return True
