"""The replay's progress line on stderr: core's ``ProgressLine`` with the replay prefix.

Example lines: ``one-logger replay: reading  42.0% (120,000 records, 51,234 records/s)`` and
``one-logger replay: sending 100.0% (10,000/10,000 spans, 8,120 spans/s)``.
"""

from __future__ import annotations

import time
from typing import Callable, Optional, TextIO

from nv_one_logger.core.internal.progress import ProgressLine as _ProgressLine

PREFIX = "one-logger replay:"


class ProgressLine(_ProgressLine):
    """The progress line of ``one-logger replay`` (see ``nv_one_logger.core.internal.progress``)."""

    def __init__(
        self, stream: Optional[TextIO] = None, interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(stream, interval_s, clock, prefix=PREFIX)
