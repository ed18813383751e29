from .amp_args import cpu_amp_argv
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper

__all__ = ['CPUAmpOptimWrapper', 'cpu_amp_argv']
