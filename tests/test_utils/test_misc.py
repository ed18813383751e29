"""current_iter_str names the iteration as the mmengine log prints it."""
from mmengine.logging import MessageHub

from mmmtl.utils import current_iter_str


def test_current_iter_str():
    hub = MessageHub.get_instance('test_current_iter_str')
    hub.update_info('iter', 41)
    assert current_iter_str() == 'iteration 42'
