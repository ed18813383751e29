"""Test a MOT model: ``python tools/test.py CONFIG [CHECKPOINT] [options]``.

Runs MMDetection's ``tools/test_tracking.py`` (the tracking test loop,
metrics and visualisation hooks) with mmmtl imported first. The checkpoint
may be given positionally, as ``mim test mmmtl CONFIG --checkpoint CKPT``
passes it, or with ``--checkpoint``. Other options: ``--work-dir``,
``--cfg-options``, ``--launcher``.
"""
import os.path as osp
import runpy
import sys

import mmdet

import mmmtl  # noqa: F401  (registers mmmtl's components)
from mmmtl.utils.dist import init_cpu_dist_if_needed


def _normalise_argv(argv: list) -> list:
    """Turn ``CONFIG CKPT`` into ``CONFIG --checkpoint CKPT``."""
    if len(argv) >= 2 and not argv[1].startswith('-') and \
            '--checkpoint' not in argv:
        ckpt = argv[1]
        if not osp.isfile(ckpt):
            sys.exit(f'checkpoint {ckpt} not found')
        return [argv[0], '--checkpoint', ckpt] + argv[2:]
    return argv


def main() -> None:
    script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                      'test_tracking.py')
    if not osp.isfile(script):
        sys.exit(f'mmdet tools not found at {script}; reinstall mmdet 3.x')
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] in ('-h', '--help'):
        print(__doc__)
        # the wrapped script's own options follow
        sys.argv = [script, '--help']
        runpy.run_path(script, run_name='__main__')
    config, rest = sys.argv[1], sys.argv[2:]
    if not osp.isfile(config):
        sys.exit(f'config {config} not found')
    sys.argv = [script, config] + _normalise_argv([config] + rest)[1:]
    if init_cpu_dist_if_needed(sys.argv):
        # DDP over CPU modules takes no device_ids
        sys.argv += ['--cfg-options', 'model_wrapper_cfg.device_ids=None',
                     'model_wrapper_cfg.type=MMDistributedDataParallel']
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
