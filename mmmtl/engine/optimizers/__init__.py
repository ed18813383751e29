from .amp_args import CPU_AMP_OPTIONS, amp_cfg_options, cpu_amp_argv
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper

__all__ = [
    'CPU_AMP_OPTIONS', 'CPUAmpOptimWrapper', 'amp_cfg_options', 'cpu_amp_argv'
]
