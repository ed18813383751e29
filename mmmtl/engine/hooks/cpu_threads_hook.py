"""Intra-op threads for CPU training on a machine shared with other work."""
import math
import os
import time
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


def _cpu_ticks() -> Optional[tuple]:
    """(busy, nice) clock ticks of all cores since boot from
    ``/proc/stat``, None where there is no such file."""
    try:
        with open('/proc/stat') as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != 'cpu' or len(fields) < 8:
        return None
    # user nice system idle iowait irq softirq [steal ...]
    ticks = [int(v) for v in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy, ticks[1]


def busy_other_cores(window: float = 0.5) -> float:
    """Cores that other processes keep busy now, as seen by this one.

    Measured over ``window`` seconds from ``/proc/stat``, minus this
    process's own CPU time; time of lower-priority (niced) processes is
    left out when this process is not niced itself, as the scheduler
    gives their cores to it. Where ``/proc/stat`` is missing, the
    1-minute load average. A load average lags by minutes and counts
    this process's own start-up, so on a 2-core machine that has just
    finished other work it reads as "busy" while the cores are idle.

    Args:
        window (float): Seconds to measure. Defaults to 0.5.

    Returns:
        float: Busy cores of the other processes, >= 0.
    """
    first = _cpu_ticks()
    if first is None:
        return _load_average()
    own0, t0 = os.times(), time.monotonic()
    time.sleep(window)
    last = _cpu_ticks()
    own1, t1 = os.times(), time.monotonic()
    if last is None:
        return _load_average()
    hz = os.sysconf('SC_CLK_TCK')
    span = max(t1 - t0, 1e-3)
    busy = (last[0] - first[0]) / hz / span
    nice = (last[1] - first[1]) / hz / span
    own = ((own1.user + own1.system) - (own0.user + own0.system)) / span
    other = busy - own
    if os.getpriority(os.PRIO_PROCESS, 0) <= 0:
        other -= nice  # niced work yields its cores to this process
    return max(0.0, other)


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
    ``round(cores - busy)``, at least 1 and at most torch's default, where
    ``busy`` is what other processes of this or higher priority use over
    half a second (:func:`busy_other_cores`); on an idle machine, or one
    busy only with niced work, that is torch's default, so nothing
    changes there. An int sets the count. The thread count changes the
    order of floating-point sums inside some kernels, not what is
    computed; the choice is logged. With a GPU the hook does nothing.

    Args:
        num_threads (int | str): Threads, or ``'auto'``. Defaults to
            ``'auto'``.
        busy_cores (Callable[[], float], optional): Source of the busy
            cores of other work (tests). Defaults to None
            (:func:`busy_other_cores`).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 num_threads: Union[int, str] = 'auto',
                 busy_cores: Optional[Callable[[], float]] = None) -> None:
        if num_threads != 'auto' and not (isinstance(num_threads, int)
                                          and num_threads >= 1):
            raise ValueError(
                "CPUThreadsHook: num_threads must be an int >= 1 or 'auto', "
                f'got {num_threads!r}')
        self.num_threads = num_threads
        self.busy_cores = busy_cores or busy_other_cores

    def choose(self, busy: Optional[float] = None) -> int:
        """The thread count for this machine now.

        Args:
            busy (float, optional): Busy cores of other work. Defaults to
                None (measured).

        Returns:
            int: Threads.
        """
        if self.num_threads != 'auto':
            return self.num_threads
        default = torch.get_num_threads()
        cores = os.cpu_count() or default
        busy = self.busy_cores() if busy is None else busy
        idle = math.floor(cores - busy + 0.5)
        return max(1, min(default, idle))

    def before_run(self, runner) -> None:
        """Set the threads (CPU training only) and log the choice."""
        if torch.cuda.is_available():
            return
        busy = self.busy_cores() if self.num_threads == 'auto' else None
        threads = self.choose(busy)
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        other = '' if busy is None else f', other work busy on {busy:.1f}'
        print_log(
            f'CPUThreadsHook: {threads} intra-op thread(s) '
            f'({os.cpu_count()} cores{other})',
            logger='current')
