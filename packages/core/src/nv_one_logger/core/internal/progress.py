"""A progress line on stderr: phase, percent done, count and rate (replay, summary, chrome-trace, report).

Reading or sending a multi-gigabyte record file takes minutes, so the user needs to see that it moves and how
fast. On a terminal the line is rewritten in place (carriage return); in a log file (not a TTY) a new line is
written at most once per ``interval_s`` so the log stays short. The last line of each phase is always written,
so even a tiny file shows one line per phase.

    one-logger replay: reading  42.0% (120,000 records, 51,234 records/s)
    one-logger summary: reading  12.5% (131 MB, 48 MB/s)
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO


class ProgressLine:
    """Writes the progress line of one phase at a time (see the module docstring)."""

    def __init__(
        self,
        stream: Optional[TextIO] = None,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = "one-logger:",
    ) -> None:
        self.prefix = prefix
        self.stream = stream if stream is not None else sys.stderr
        self.interval_s = interval_s
        self.clock = clock
        isatty = getattr(self.stream, "isatty", None)
        self.in_place = bool(isatty()) if callable(isatty) else False
        self._phase = ""
        self._unit = ""
        self._total: Optional[int] = None
        self._started = 0.0
        self._last_written = 0.0
        self._width = 0

    def start(self, phase: str, unit: str, total: Optional[int] = None) -> None:
        """Begin a phase (``reading``/``sending``) counted in ``unit``; ``total`` enables ``done/total``."""
        self._phase, self._unit, self._total = phase, unit, total
        self._started = self._last_written = self.clock()

    def update(self, done: int, fraction: Optional[float] = None) -> None:
        """Report progress; written only when ``interval_s`` passed since the last line."""
        now = self.clock()
        if now - self._last_written >= self.interval_s:
            self._write(done, fraction, now, final=False)

    def finish(self, done: int, fraction: Optional[float] = 1.0) -> None:
        """Write the final line of the phase (always)."""
        self._write(done, fraction, self.clock(), final=True)

    def _write(self, done: int, fraction: Optional[float], now: float, final: bool) -> None:
        self._last_written = now
        if fraction is None and self._total:
            fraction = done / self._total
        elapsed = now - self._started
        rate = f", {done / elapsed:,.0f} {self._unit}/s" if elapsed > 0 else ""
        count = f"{done:,}/{self._total:,}" if self._total is not None else f"{done:,}"
        percent = f"{min(1.0, max(0.0, fraction)) * 100:5.1f}%" if fraction is not None else "  ?  %"
        line = f"{self.prefix} {self._phase} {percent} ({count} {self._unit}{rate})"
        if self.in_place:
            padding = " " * max(0, self._width - len(line))
            self._width = len(line)
            self.stream.write("\r" + line + padding + ("\n" if final else ""))
            if final:
                self._width = 0
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
