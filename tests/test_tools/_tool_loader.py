"""Load a tool script as a module, so tests call its ``main``/``parse_args``
in-process."""
import importlib.util
import os.path as osp
from types import ModuleType
from typing import Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(*parts: str, name: Optional[str] = None) -> ModuleType:
    """``tools/<parts...>`` as a fresh module (not put in ``sys.modules``).

    Args:
        *parts (str): Path below ``tools/``, e.g. ``'demo', 'mot_demo.py'``.
        name (str, optional): Module name; defaults to the file's stem.

    Returns:
        ModuleType: The executed module.
    """
    path = osp.join(ROOT, 'tools', *parts)
    spec = importlib.util.spec_from_file_location(
        name or osp.splitext(parts[-1])[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
