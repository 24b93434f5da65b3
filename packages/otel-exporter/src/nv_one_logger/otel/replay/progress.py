"""The replay's progress line on stderr (core's ``ProgressLine`` with the replay prefix) and line counting.

Example lines: ``one-logger replay: reading  42.0% (120,000 records, 51,234 records/s)`` and
``one-logger replay: sending 100.0% (10,000/10,000 spans, 8,120 spans/s)``.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Iterable, Optional, TextIO

from nv_one_logger.core.internal.progress import ProgressLine as _ProgressLine

PREFIX = "one-logger replay:"
_CHUNK = 1 << 20


def count_lines(paths: Iterable[os.PathLike[str] | str]) -> int:
    """Count the lines of ``paths`` (a last line without newline counts); unreadable files count 0.

    Counting newlines in 1 MiB chunks is far cheaper than parsing JSON, so it buys an exact percentage for the
    reading phase at a small cost.
    """
    total = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                last = b"\n"
                while True:
                    chunk = handle.read(_CHUNK)
                    if not chunk:
                        break
                    total += chunk.count(b"\n")
                    last = chunk[-1:]
                if last != b"\n":
                    total += 1
        except OSError:
            continue
    return total


class ProgressLine(_ProgressLine):
    """The progress line of ``one-logger replay`` (see ``nv_one_logger.core.internal.progress``)."""

    def __init__(
        self, stream: Optional[TextIO] = None, interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(stream, interval_s, clock, prefix=PREFIX)
