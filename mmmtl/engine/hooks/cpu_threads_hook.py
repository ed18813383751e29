"""Intra-op threads for CPU training on a machine shared with other work."""
import math
import os
from typing import Callable, Optional, Union

import torch
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log


def _load_average() -> float:
    """The 1-minute load average (0 where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


@HOOKS.register_module()
class CPUThreadsHook(Hook):
    """Set torch's intra-op threads before training on the CPU.

    torch starts one OpenMP thread per core. When other processes keep
    those cores busy, every parallel region of a convolution waits at its
    barrier for a thread that the OS has descheduled, and a step becomes
    many times slower than with fewer threads (measured here with a load
    average of 13 on 2 cores: 18.9 s against 2.3 s per quickstart
    iteration with 2 and 1 threads). ``num_threads='auto'`` uses the cores
    the other work leaves idle when training starts,
    ``round(cores - load average)``, at least 1 and at most torch's
    default; on an idle machine that is torch's default, so nothing
    changes there. An int sets the count. The thread count changes the
    order of floating-point sums inside some kernels, not what is
    computed; the choice is logged. With a GPU the hook does nothing.

    Args:
        num_threads (int | str): Threads, or ``'auto'``. Defaults to
            ``'auto'``.
        load_average (Callable[[], float], optional): Source of the load
            average (tests). Defaults to None (``os.getloadavg()[0]``).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 num_threads: Union[int, str] = 'auto',
                 load_average: Optional[Callable[[], float]] = None) -> None:
        if num_threads != 'auto' and not (isinstance(num_threads, int)
                                          and num_threads >= 1):
            raise ValueError(
                "CPUThreadsHook: num_threads must be an int >= 1 or 'auto', "
                f'got {num_threads!r}')
        self.num_threads = num_threads
        self.load_average = load_average or _load_average

    def choose(self) -> int:
        """int: The thread count for this machine now."""
        if self.num_threads != 'auto':
            return self.num_threads
        default = torch.get_num_threads()
        cores = os.cpu_count() or default
        idle = math.floor(cores - self.load_average() + 0.5)
        return max(1, min(default, idle))

    def before_run(self, runner) -> None:
        """Set the threads (CPU training only) and log the choice."""
        if torch.cuda.is_available():
            return
        threads = self.choose()
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        print_log(
            f'CPUThreadsHook: {threads} intra-op thread(s) '
            f'({os.cpu_count()} cores, load average '
            f'{self.load_average():.1f})',
            logger='current')
