"""mmmtl.apis.demo: SIGTERM handled as an interruption."""
import os
import signal

import pytest

from mmmtl.apis.demo import Terminated, sigterm_as_interrupt


def test_sigterm_inside_the_block_raises_terminated():
    with pytest.raises(Terminated, match='terminated by SIGTERM'):
        with sigterm_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)


def test_a_signal_that_c_code_reports_as_its_own_error_is_terminated():
    """The handler's exception raised inside C code that replaces it with
    its own (matplotlib's Agg renderer: ``ValueError``) still ends the
    block as :class:`Terminated`, chained to that error."""

    def c_code_that_masks_the_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except KeyboardInterrupt:
            raise ValueError('Invalid affine transformation matrix')

    with pytest.raises(Terminated) as info:
        with sigterm_as_interrupt():
            c_code_that_masks_the_interrupt()
    assert isinstance(info.value.__cause__, ValueError)


def test_other_errors_pass_and_the_handler_is_restored():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(ValueError, match='not a signal'):
        with sigterm_as_interrupt():
            raise ValueError('not a signal')
    assert signal.getsignal(signal.SIGTERM) is before
