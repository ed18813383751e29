"""Value checks for command-line flags (``argparse`` ``type=`` functions).

Every numeric flag of every tool goes through one of these so that a bad
value (``0`` where a count must be positive, ``nan``, ``inf``, ``1.5`` for
an IoU threshold, an absurdly large number) stops at the parser with
``error: argument --flag: must be ...`` and exit status 2, instead of
running and printing a meaningless result.

Each checker is a callable object that also describes its range
(``checker.range_text``) and answers ``checker.contains(x)``, so a test can
tell whether a value a parser accepted is one the flag documents as valid.

Example:
    >>> parser.add_argument('--iou-thr', type=unit_interval, default=0.5)
    >>> parser.add_argument('--frames', type=positive_int, default=150)
    >>> parser.add_argument('--size', type=bounded_int(16, 8192))
"""
import argparse
import math
import warnings
from typing import Optional, Union

from mmengine.config import Config, DictAction

__all__ = [
    'MAX_FLOAT', 'MAX_INT', 'bounded_float', 'bounded_int', 'finite_float',
    'nonnegative_float', 'nonnegative_int', 'positive_float', 'positive_int',
    'probability', 'quiet_third_party_warnings', 'unit_interval',
    'add_cfg_options', 'add_shape_arg', 'load_config', 'tool_parser'
]

#: Largest integer a count, size or index flag accepts by default: more
#: than any frame count, image size or seed (NumPy seeds stop at 2**32 - 1)
#: can mean, and small enough for every C integer a library may pass it to.
MAX_INT = 2**31 - 1

#: Largest magnitude a scale, rate or duration flag accepts by default.
MAX_FLOAT = 1e9

Number = Union[int, float]


def _fmt(bound: Number) -> str:
    """Write a range bound for a message (``1``, ``0.5``, ``1e+09``)."""
    return str(bound) if isinstance(bound, int) else f'{bound:g}'


class _RangeType:
    """An ``argparse`` type that parses a number and checks its range.

    Args:
        kind (type): ``int`` or ``float``.
        low (int | float | None): Lower bound; ``None`` for none.
        high (int | float | None): Upper bound; ``None`` for none.
        low_open (bool): Whether ``low`` itself is refused. Defaults to
            False.
        high_open (bool): Whether ``high`` itself is refused. Defaults to
            False.
        name (str): Name shown by ``argparse`` and ``repr``.
    """

    def __init__(self,
                 kind: type,
                 low: Optional[Number],
                 high: Optional[Number],
                 low_open: bool = False,
                 high_open: bool = False,
                 name: str = '') -> None:
        if kind not in (int, float):
            raise TypeError(f'kind must be int or float, got {kind!r}')
        if low is not None and high is not None and low > high:
            raise ValueError(f'empty range: low {low} > high {high}')
        self.kind = kind
        self.low = low
        self.high = high
        self.low_open = low_open
        self.high_open = high_open
        # argparse names a type by its __name__ in some messages.
        self.__name__ = name or self.range_text

    @property
    def range_text(self) -> str:
        """str: The accepted values in words, e.g. ``'an integer >= 1'``."""
        what = 'an integer' if self.kind is int else 'a finite number'
        lo, hi = self.low, self.high
        if lo is not None and hi is not None:
            left = '(' if self.low_open else '['
            right = ')' if self.high_open else ']'
            return f'{what} in {left}{_fmt(lo)}, {_fmt(hi)}{right}'
        if lo is not None:
            return f'{what} {">" if self.low_open else ">="} {_fmt(lo)}'
        if hi is not None:
            return f'{what} {"<" if self.high_open else "<="} {_fmt(hi)}'
        return what

    def contains(self, value: Number) -> bool:
        """Whether ``value`` lies in the accepted range.

        Args:
            value (int | float): A parsed value.

        Returns:
            bool: True if the checker would accept it.
        """
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind is int and not (isinstance(value, int)
                                     or float(value).is_integer()):
            return False
        if not math.isfinite(value):
            return False
        if self.low is not None:
            if value < self.low or (self.low_open and value == self.low):
                return False
        if self.high is not None:
            if value > self.high or (self.high_open and value == self.high):
                return False
        return True

    def _parse(self, text: Union[str, Number]) -> Number:
        """Turn the flag's text into a number of ``self.kind``.

        Args:
            text (str | int | float): The raw value (``argparse`` passes a
                string; defaults may already be numbers).

        Returns:
            int | float: The parsed number (may be out of range).
        """
        if isinstance(text, bool):
            raise ValueError
        if self.kind is int:
            if isinstance(text, int):
                return text
            if isinstance(text, float):
                if text.is_integer():
                    return int(text)
                raise ValueError
            return int(str(text).strip())
        value = float(text)
        return value

    def __call__(self, text: Union[str, Number]) -> Number:
        """Parse and check a flag's value.

        Args:
            text (str | int | float): The raw value.

        Returns:
            int | float: The value, of the checker's kind.

        Raises:
            argparse.ArgumentTypeError: If ``text`` is not a number of the
                right kind, is NaN or infinite, or is out of range; the
                message states the accepted range.
        """
        try:
            value = self._parse(text)
        except (TypeError, ValueError, OverflowError):
            raise argparse.ArgumentTypeError(
                f'must be {self.range_text}, got {text!r}') from None
        if not self.contains(value):
            raise argparse.ArgumentTypeError(
                f'must be {self.range_text}, got {text!r}')
        return value

    def __repr__(self) -> str:
        return f'<{self.__name__}: {self.range_text}>'


def bounded_int(low: Optional[int] = None,
                high: Optional[int] = MAX_INT,
                name: str = '') -> _RangeType:
    """Build an integer checker for ``low <= x <= high``.

    Args:
        low (int | None): Smallest accepted value; ``None`` for no bound.
            Defaults to None.
        high (int | None): Largest accepted value. Defaults to
            :data:`MAX_INT`.
        name (str): Name shown in messages. Defaults to the range.

    Returns:
        Callable[[str], int]: The ``argparse`` type.
    """
    return _RangeType(int, low, high, name=name)


def bounded_float(low: Optional[float] = None,
                  high: Optional[float] = None,
                  low_open: bool = False,
                  high_open: bool = False,
                  name: str = '') -> _RangeType:
    """Build a checker for a finite float in a range.

    Args:
        low (float | None): Lower bound; ``None`` for none. Defaults to
            None.
        high (float | None): Upper bound; ``None`` for none. Defaults to
            None.
        low_open (bool): Refuse ``low`` itself. Defaults to False.
        high_open (bool): Refuse ``high`` itself. Defaults to False.
        name (str): Name shown in messages. Defaults to the range.

    Returns:
        Callable[[str], float]: The ``argparse`` type; NaN and infinities
        are always refused.
    """
    return _RangeType(float, low, high, low_open, high_open, name=name)


#: Counts and sizes where 0 is meaningless: an integer in [1, MAX_INT].
positive_int = bounded_int(1, MAX_INT, name='positive_int')

#: Counts, indices and seeds that may be 0: an integer in [0, MAX_INT].
nonnegative_int = bounded_int(0, MAX_INT, name='nonnegative_int')

#: Scales, rates and durations: a finite number in (0, MAX_FLOAT].
positive_float = bounded_float(
    0.0, MAX_FLOAT, low_open=True, name='positive_float')

#: Margins and tolerances that may be 0: a finite number in [0, MAX_FLOAT].
nonnegative_float = bounded_float(0.0, MAX_FLOAT, name='nonnegative_float')

#: Overlap thresholds such as IoU: a finite number in (0, 1].
unit_interval = bounded_float(0.0, 1.0, low_open=True, name='unit_interval')

#: Score thresholds and fractions: a finite number in [0, 1].
probability = bounded_float(0.0, 1.0, name='probability')

#: Any finite number (offsets, signed values); only NaN and inf refused.
finite_float = bounded_float(name='finite_float')


#: Modules whose warnings stay visible: mmmtl's own and the running tool's.
_OWN_MODULES = r'(?!mmmtl(\.|$)|__main__$)'


def quiet_third_party_warnings() -> None:
    """Hide other packages' deprecation notices; every tool calls this first.

    setuptools' ``pkg_resources is deprecated`` (printed once per package
    that imports it, so twice per run) and the ``DeprecationWarning``,
    ``PendingDeprecationWarning`` and ``FutureWarning`` of third-party
    modules concern those packages' own code, not the user's input, and
    would bury the warnings that do (a frame rate that was replaced, a
    checkpoint with NaN weights). Warnings raised by mmmtl or by the tool
    itself, and every other category, are still shown.
    """
    warnings.filterwarnings(
        'ignore', message=r'pkg_resources is deprecated', category=Warning)
    for category in (DeprecationWarning, PendingDeprecationWarning,
                     FutureWarning):
        warnings.filterwarnings(
            'ignore', category=category, module=_OWN_MODULES)


def tool_parser(doc: str,
                description: Optional[str] = None,
                prog: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of a tool whose module docstring is ``doc``.

    The first paragraph of ``doc`` (or ``description``) heads ``--help``,
    the rest of it (usage examples) ends it, with its line breaks kept.

    Args:
        doc (str): The tool's ``__doc__``.
        description (str, optional): Replaces the first paragraph.
        prog (str, optional): The program name in messages (default: the
            script's).

    Returns:
        argparse.ArgumentParser: The parser.
    """
    head, _, rest = (doc or '').strip().partition('\n\n')
    return argparse.ArgumentParser(
        prog=prog,
        description=description or head,
        epilog=rest or None,
        formatter_class=argparse.RawDescriptionHelpFormatter)


def add_cfg_options(parser: argparse.ArgumentParser,
                    help: str = 'override config keys, e.g. '
                    'model.tracker.obj_score_thr=0.4') -> None:
    """Add mmengine's ``--cfg-options KEY=VALUE ...``; read it with
    :func:`load_config`."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
        help=help)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """``Config.fromfile(path)`` with ``--cfg-options`` merged in.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): Overrides from :func:`add_cfg_options`.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def add_shape_arg(parser: argparse.ArgumentParser,
                  default: tuple,
                  help: str) -> None:
    """Add ``--shape HEIGHT WIDTH``, a network input size (each side in
    [32, 8192])."""
    parser.add_argument(
        '--shape',
        type=bounded_int(32, 8192, name='side'),
        nargs=2,
        default=tuple(default),
        metavar=('HEIGHT', 'WIDTH'),
        help=help)
