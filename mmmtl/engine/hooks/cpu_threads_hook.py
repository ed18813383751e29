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


def _sample() -> Optional[tuple]:
    """(busy ticks, niced ticks, own CPU seconds, monotonic seconds) now,
    None where there is no ``/proc/stat``."""
    ticks = _cpu_ticks()
    if ticks is None:
        return None
    own = os.times()
    return ticks[0], ticks[1], own.user + own.system, time.monotonic()


def _busy_between(first: tuple, last: tuple) -> float:
    """Cores other processes kept busy between two :func:`_sample` s."""
    hz = os.sysconf('SC_CLK_TCK')
    span = max(last[3] - first[3], 1e-3)
    busy = (last[0] - first[0]) / hz / span
    nice = (last[1] - first[1]) / hz / span
    other = busy - (last[2] - first[2]) / span
    if os.getpriority(os.PRIO_PROCESS, 0) <= 0:
        other -= nice  # niced work yields its cores to this process
    return max(0.0, other)


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
    first = _sample()
    if first is None:
        return _load_average()
    time.sleep(window)
    last = _sample()
    if last is None:
        return _load_average()
    return _busy_between(first, last)


@HOOKS.register_module()
class CPUThreadsHook(Hook):
    """Set torch's intra-op threads for training on the CPU.

    torch starts one OpenMP thread per core. When other processes keep
    those cores busy, every parallel region of a convolution waits at its
    barrier for a thread that the OS has descheduled, and a step becomes
    many times slower than with fewer threads (measured here with a load
    average of 13 on 2 cores: 18.9 s against 2.3 s per quickstart
    iteration with 2 and 1 threads). ``num_threads='auto'`` uses the cores
    the other work leaves idle, ``round(cores - busy)``, at least 1 and at
    most torch's default, where ``busy`` is what other processes of this
    or higher priority use (:func:`busy_other_cores`); on an idle machine,
    or one busy only with niced work, that is torch's default, so nothing
    changes there. It measures half a second when training starts and
    then, every ``interval`` iterations, the time since its last look
    (without waiting), so a load that was passing at the start does not
    hold a long run at fewer threads, nor one that starts later slow it
    down. The processes of this run's data loader count as other work.
    An int sets the count once. The thread count changes the order of
    floating-point sums inside some kernels, not what is computed; each
    choice is logged. With a GPU the hook does nothing.

    Args:
        num_threads (int | str): Threads, or ``'auto'``. Defaults to
            ``'auto'``.
        busy_cores (Callable[[], float], optional): Source of the busy
            cores of other work (tests). Defaults to None (measured from
            ``/proc/stat``, see :func:`busy_other_cores`).
        interval (int): With ``'auto'``, training iterations between
            looks; 0 looks only at the start. Defaults to 50.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 num_threads: Union[int, str] = 'auto',
                 busy_cores: Optional[Callable[[], float]] = None,
                 interval: int = 50) -> None:
        if num_threads != 'auto' and not (isinstance(num_threads, int)
                                          and num_threads >= 1):
            raise ValueError(
                "CPUThreadsHook: num_threads must be an int >= 1 or 'auto', "
                f'got {num_threads!r}')
        if not (isinstance(interval, int) and interval >= 0):
            raise ValueError('CPUThreadsHook: interval must be an int >= 0, '
                             f'got {interval!r}')
        self.num_threads = num_threads
        self.busy_cores = busy_cores
        self.interval = interval
        self._most: Optional[int] = None  # torch's default before any change
        self._last: Optional[tuple] = None  # the previous /proc/stat sample

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
        default = self._most or torch.get_num_threads()
        cores = os.cpu_count() or default
        busy = self._busy() if busy is None else busy
        idle = math.floor(cores - busy + 0.5)
        return max(1, min(default, idle))

    def _busy(self) -> float:
        """Busy cores of other work: since the last look where there was
        one, else over half a second."""
        if self.busy_cores is not None:
            return self.busy_cores()
        now = _sample() if self._last is not None else None
        if now is None:  # first look, or no /proc/stat
            busy = busy_other_cores()
            self._last = _sample()
            return busy
        busy = _busy_between(self._last, now)
        self._last = now
        return busy

    def _set(self, busy: Optional[float]) -> None:
        threads = self.choose(busy)
        if threads == torch.get_num_threads() and self._most is not None:
            return
        torch.set_num_threads(threads)
        other = '' if busy is None else f', other work busy on {busy:.1f}'
        print_log(
            f'CPUThreadsHook: {threads} intra-op thread(s) '
            f'({os.cpu_count()} cores{other})',
            logger='current')

    def before_run(self, runner) -> None:
        """Set the threads (CPU training only) and log the choice."""
        if torch.cuda.is_available():
            return
        self._most, self._last = None, None  # a new run looks afresh
        most = torch.get_num_threads()
        self._set(self._busy() if self.num_threads == 'auto' else None)
        self._most = most

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Look again every ``interval`` iterations (``'auto'`` only)."""
        if (self.num_threads != 'auto' or self._most is None
                or not self.every_n_train_iters(runner, self.interval)):
            return
        self._set(self._busy())
