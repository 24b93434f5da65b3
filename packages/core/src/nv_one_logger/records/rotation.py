r"""The rotation suffix rule, in one place: ``run.jsonl.3`` is segment 3 of ``run.jsonl``.

The FileExporter writes segments and the readers (``summary``, ``chrome-trace``, ``replay``) group them, so
they must agree on what a segment is. Only ASCII digits count: ``str.isdigit`` and the regex ``\d`` also
accept characters such as ``"²"`` or ``"٣"``, and a stray file named ``run.jsonl.²`` must be ignored by
everyone, not crash one of them (``int("²")`` raises).
"""

from __future__ import annotations

import os
import re
from typing import Optional, Tuple, Union

_SUFFIX = re.compile(r"\.([0-9]+)\Z", re.ASCII)


def is_rotation_number(text: str) -> bool:
    """Tell whether ``text`` is a non-empty run of ASCII digits (a valid rotation suffix without its dot)."""
    return bool(text) and text.isascii() and text.isdigit()


def split_rotation_suffix(path: Union[str, os.PathLike[str]]) -> Tuple[str, Optional[int]]:
    """Split ``run.jsonl.3`` into ``("run.jsonl", 3)``; a path without a rotation suffix gives ``(path, None)``."""
    text = os.fspath(path)
    match = _SUFFIX.search(text)
    if match is None or match.start() == 0 or text[match.start() - 1] in "/" + os.sep:
        return text, None
    return text[: match.start()], int(match.group(1))


def strip_rotation_suffix(path: Union[str, os.PathLike[str]]) -> str:
    """Return the live file a path belongs to: ``run.jsonl.3`` -> ``run.jsonl``; other paths unchanged."""
    return split_rotation_suffix(path)[0]


def rotation_number(name: str, live_name: str) -> Optional[int]:
    """Return the segment number when file name ``name`` is a rotated segment of ``live_name``, else None."""
    prefix = live_name + "."
    if not name.startswith(prefix):
        return None
    suffix = name[len(prefix) :]
    return int(suffix) if is_rotation_number(suffix) else None
