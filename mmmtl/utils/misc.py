"""Small run-time helpers shared by models and tools."""
from mmengine.logging import MessageHub


def current_iter_str() -> str:
    """Describe the current training iteration for error messages.

    Returns:
        str: ``'iteration I'`` with ``I`` the 1-based iteration as the
        mmengine log prints it (``runner.iter + 1``), or
        ``'an unknown iteration'`` outside a Runner.
    """
    it = MessageHub.get_current_instance().get_info('iter')
    if it is None:
        return 'an unknown iteration'
    return f'iteration {int(it) + 1}'
