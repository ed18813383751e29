"""A Runner that does not print its whole config at start."""
import logging

from mmengine.runner import Runner

__all__ = ['QuietConfigRunner']


class _DropConfigRecord(logging.Filter):
    """Drops the ``Config:`` record that ``Runner._log_env`` logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str)
                    and record.msg.startswith('Config:\n'))


class QuietConfigRunner(Runner):
    """mmengine's Runner without the config dump in its start-up log.

    ``Runner`` logs the whole config (hundreds of lines, several hundred
    for an eight-frame test) at INFO level when it starts. This runner logs
    the environment as usual and the config only when its logger is set to
    DEBUG (``log_level='DEBUG'``); the config is still saved beside the
    logs by the visualisation back-ends. ``tools/test.py`` uses it unless
    ``--verbose``.
    """

    def _log_env(self, env_cfg: dict) -> None:
        """Log the environment; the config only at DEBUG level.

        Args:
            env_cfg (dict): The environment config of the runner.
        """
        drop = _DropConfigRecord()
        self.logger.addFilter(drop)
        try:
            super()._log_env(env_cfg)
        finally:
            self.logger.removeFilter(drop)
        if self.cfg._cfg_dict and self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug(f'Config:\n{self.cfg.pretty_text}')
