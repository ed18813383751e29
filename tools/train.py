"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

The same as MMDetection's ``tools/train.py`` (which this runs, so options
such as ``--work-dir``, ``--resume``, ``--amp``, ``--auto-scale-lr``,
``--cfg-options`` and ``--launcher`` behave identically), with mmmtl
imported first. ``mim train mmmtl CONFIG`` runs this file.

``--amp`` on a machine without a GPU trains with bfloat16 autocast on the
CPU (``CPUAmpOptimWrapper``, no loss scaler) instead of failing in
mmengine's ``AmpOptimWrapper``; with a GPU it is mmdet's float16 AMP.

A ``load_from`` or ``--resume`` checkpoint holding NaN or inf weights is
loaded with a warning naming the tensors (:data:`CHECKPOINT_CHECK`, mmmtl's
``CheckpointCheckHook`` on the Runner's ``after_load_checkpoint``).

The runner is mmmtl's ``ResumableRunner`` unless the config names its own
``runner_type``: a ``--resume``d run is built with the seed of the
checkpoint it resumes from, so it continues the interrupted run's data
order instead of drawing a new seed for its sampler and augmentation.
"""
import os.path as osp
import runpy
import sys

import mmdet

import mmmtl  # noqa: F401  (registers mmmtl's components)
from mmmtl.engine import ResumableRunner, cpu_amp_argv
from mmmtl.utils import init_cpu_dist_if_needed, quiet_third_party_warnings

#: ``--cfg-options`` adding ``CheckpointCheckHook`` to the default hooks:
#: the checkpoints mmengine's Runner loads for ``load_from`` and resume pass
#: through it, and NaN or inf weights are named in a warning (keys are not
#: compared: training loads ``load_from`` non-strictly on purpose).
CHECKPOINT_CHECK = [
    'default_hooks.checkpoint_check.type=CheckpointCheckHook',
    'default_hooks.checkpoint_check.check_keys=False',
    'default_hooks.checkpoint_check.require_checkpoint=False',
    'default_hooks.checkpoint_check.allow_nonfinite=True',
]


def main() -> None:
    quiet_third_party_warnings()
    script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                      'train.py')
    if not osp.isfile(script):
        sys.exit(f'mmdet tools not found at {script}; reinstall mmdet 3.x')
    sys.argv[0] = script
    # without a GPU, --amp becomes bfloat16 autocast on the CPU
    sys.argv = cpu_amp_argv(sys.argv)
    sys.argv += ['--cfg-options'] + CHECKPOINT_CHECK
    if init_cpu_dist_if_needed(sys.argv):
        # DDP over CPU modules takes no device_ids
        sys.argv += ['--cfg-options', 'model_wrapper_cfg.device_ids=None',
                     'model_wrapper_cfg.type=MMDistributedDataParallel']
    # mmdet's script builds ``Runner`` unless the config names a
    # runner_type; its default becomes the runner that resumes the seed
    main_fn = runpy.run_path(script)['main']
    if 'Runner' not in main_fn.__globals__:
        sys.exit(f'{script} no longer builds mmengine\'s Runner by name; '
                 'this mmdet version is not supported (mmdet 3.x)')
    main_fn.__globals__['Runner'] = ResumableRunner
    main_fn()


if __name__ == '__main__':
    main()
