"""A MOTChallenge sequence folder's ``seqinfo.ini`` and frame file names.

``seqinfo.ini`` holds one ``[Sequence]`` section: ``name``, ``imDir``,
``frameRate``, ``seqLength``, ``imWidth``, ``imHeight`` and ``imExt``
(camelCase keys, in this order in MOT17). :func:`read_seqinfo` checks it
and raises :class:`~mmmtl.formats.MOTFormatError` naming the file and the
key; :func:`write_seqinfo` writes what it reads back.
"""
import configparser
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional

from .motchallenge import MOTFormatError, open_new

__all__ = [
    'SeqInfo', 'frame_file_name', 'read_seqinfo', 'read_seqinfo_section',
    'write_seqinfo'
]


def frame_file_name(frame: int, ext: str = '.jpg', digits: int = 6) -> str:
    """Image file name of a 1-based frame number: ``000001.jpg``
    (DanceTrack: ``digits=8``, ``00000001.jpg``)."""
    return f'{int(frame):0{int(digits)}d}{ext}'


@dataclass(frozen=True)
class SeqInfo:
    """The ``[Sequence]`` section of a MOTChallenge ``seqinfo.ini``.

    Attributes:
        name (str): Sequence name.
        im_dir (str): Image folder inside the sequence folder.
        frame_rate (float): Frames per second.
        seq_length (int): Number of frames T.
        im_width (int, optional): Image width.
        im_height (int, optional): Image height.
        im_ext (str): Image file extension, e.g. ``'.jpg'``.
    """
    name: str
    seq_length: int
    im_dir: str = 'img1'
    frame_rate: float = 30.0
    im_width: Optional[int] = None
    im_height: Optional[int] = None
    im_ext: str = '.jpg'


def read_seqinfo_section(path: str) -> Dict[str, str]:
    """The raw ``[Sequence]`` section of a ``seqinfo.ini``.

    For readers that need only some keys (e.g. the frame rate of a frame
    folder); :func:`read_seqinfo` checks the whole section.

    Args:
        path (str): The file, or the sequence folder that holds it.

    Returns:
        dict[str, str]: The section's keys (camelCase) and values.

    Raises:
        MOTFormatError: If the file is missing, is not an ini file or has
            no ``[Sequence]`` section.
    """
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')
    if not osp.isfile(path):
        raise MOTFormatError(f'{path}: seqinfo.ini not found')
    parser = configparser.ConfigParser()
    parser.optionxform = str  # MOT's keys are camelCase
    try:
        parser.read(path, encoding='utf-8')
    except configparser.Error as e:
        raise MOTFormatError(f'{path}: not an ini file ({e})') from e
    if 'Sequence' not in parser:
        raise MOTFormatError(f'{path}: no [Sequence] section')
    return {k: v.strip() for k, v in parser['Sequence'].items()}


def read_seqinfo(path: str, expected_name: Optional[str] = None) -> SeqInfo:
    """Read and check a ``seqinfo.ini``.

    ``name``, ``imDir``, ``frameRate`` and ``seqLength`` are required;
    ``imWidth`` and ``imHeight`` may be missing (None), ``imExt``
    defaults to ``'.jpg'``.

    Args:
        path (str): The file, or the sequence folder that holds it.
        expected_name (str, optional): If given, ``name`` must equal it
            (the sequence folder's name). Defaults to None.

    Returns:
        SeqInfo: The parsed section.

    Raises:
        MOTFormatError: If the file is missing, has no ``[Sequence]``
            section, misses a key or holds a value of the wrong type.
    """
    sec = read_seqinfo_section(path)
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')

    required = object()

    def get(key: str, cast, default=required):
        if key not in sec:
            if default is not required:
                return default
            raise MOTFormatError(f'{path}: [Sequence] has no key {key!r}')
        try:
            value = cast(sec[key])
        except ValueError as e:
            raise MOTFormatError(
                f'{path}: [Sequence] {key}={sec[key]!r} is not a valid '
                f'{cast.__name__}') from e
        return value

    info = SeqInfo(
        name=get('name', str),
        im_dir=get('imDir', str),
        frame_rate=get('frameRate', float),
        seq_length=get('seqLength', int),
        im_width=get('imWidth', int, None),
        im_height=get('imHeight', int, None),
        im_ext=get('imExt', str, '.jpg'))
    for key, value in (('seqLength', info.seq_length),
                       ('imWidth', info.im_width),
                       ('imHeight', info.im_height),
                       ('frameRate', info.frame_rate)):
        if value is not None and not value > 0:
            raise MOTFormatError(
                f'{path}: [Sequence] {key}={value} must be positive')
    if expected_name is not None and info.name != expected_name:
        raise MOTFormatError(
            f'{path}: [Sequence] name={info.name!r} differs from the '
            f'sequence folder {expected_name!r}')
    return info


def write_seqinfo(path: str, info: SeqInfo) -> None:
    """Write a ``seqinfo.ini`` that :func:`read_seqinfo` reads back.

    Keys are written in MOT17's order (mmdet's ``mot2coco.py`` reads them
    by line position).

    Args:
        path (str): Output file, or the sequence folder to write it into.
        info (SeqInfo): Section to write; image sizes that are None are
            left out.
    """
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')
    lines = ['[Sequence]', f'name={info.name}', f'imDir={info.im_dir}',
             f'frameRate={info.frame_rate:g}',
             f'seqLength={int(info.seq_length)}']
    if info.im_width is not None:
        lines.append(f'imWidth={int(info.im_width)}')
    if info.im_height is not None:
        lines.append(f'imHeight={int(info.im_height)}')
    lines.append(f'imExt={info.im_ext}')
    with open_new(path) as f:
        f.write('\n'.join(lines) + '\n')
