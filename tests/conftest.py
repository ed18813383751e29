"""Test-wide set-up: mmmtl's components and mmdet's default scope.

Configs set ``default_scope = 'mmdet'``; building modules straight from the
registries in tests needs the same scope, set once here so that no test
depends on another having set it.
"""
import os

os.environ.setdefault('OMP_NUM_THREADS', '1')

from mmengine.registry import init_default_scope  # noqa: E402

import mmmtl  # noqa: E402,F401

init_default_scope('mmdet')


import functools  # noqa: E402
import http.server  # noqa: E402
import os.path as osp  # noqa: E402
import threading  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402


class _Evil:
    """Pickles to a call of ``os.system`` that creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture
def evil_checkpoint(tmp_path):
    """``make(path, marker, state_dict=None)``: a checkpoint that runs
    ``touch marker`` when unpickled without ``weights_only``."""

    def make(path, marker, state_dict=None):
        torch.save({'state_dict': state_dict or {'w': torch.zeros(1)},
                    'meta': {'x': _Evil(marker)}}, str(path))
        return str(path)

    return make


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path, monkeypatch):
    """A folder served over HTTP on 127.0.0.1 for the test's duration.

    Yields ``(folder, base_url)``. torch's download cache is moved into the
    test's folder, so nothing is cached across tests. The server thread
    serves only this loopback address and is shut down at teardown.
    """
    folder = tmp_path / 'served'
    folder.mkdir()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.timeout = 10
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def torch_cache(tmp_path):
    """Where torch's hub caches downloads under :func:`http_root`."""
    return osp.join(str(tmp_path), 'torch_home', 'hub', 'checkpoints')
