from .checkpoint import (
    CheckpointMismatchError,
    NonFiniteWeightsError,
    check_finite_state_dict,
    nonfinite_tensors,
    register_checkpoint_loader,
    safe_torch_load,
)
from .cli import (
    MAX_FLOAT,
    MAX_INT,
    add_cfg_options,
    add_shape_arg,
    bounded_float,
    bounded_int,
    finite_float,
    load_config,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    probability,
    quiet_third_party_warnings,
    tool_parser,
    unit_interval,
)
from .dist import init_cpu_dist_if_needed
from .misc import current_iter_str
from .output_guard import (
    OutputClashError,
    atomic_open,
    atomic_path,
    check_output_dir,
    check_outputs,
    partial_path,
)
from .stats import paired_interval, seeds_for_power

__all__ = [
    'CheckpointMismatchError', 'MAX_FLOAT', 'MAX_INT',
    'NonFiniteWeightsError', 'OutputClashError',
    'atomic_open', 'atomic_path', 'bounded_float', 'bounded_int',
    'check_finite_state_dict', 'check_output_dir', 'check_outputs',
    'current_iter_str', 'finite_float', 'init_cpu_dist_if_needed',
    'nonfinite_tensors', 'nonnegative_float', 'nonnegative_int',
    'paired_interval', 'partial_path', 'positive_float', 'positive_int',
    'probability',
    'quiet_third_party_warnings', 'register_checkpoint_loader',
    'safe_torch_load', 'seeds_for_power', 'unit_interval'
]
__all__ += ['add_cfg_options', 'add_shape_arg', 'load_config', 'tool_parser']
