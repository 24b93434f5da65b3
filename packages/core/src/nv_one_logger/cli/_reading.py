"""What the reading subcommands (summary, chrome-trace, report) share: warnings and progress on stderr."""

from __future__ import annotations

import sys
from typing import Optional, TextIO

from nv_one_logger.core.internal.progress import ProgressLine
from nv_one_logger.records.files import ProgressHandler

_MB = 1_000_000


def stderr_warning(message: str) -> None:
    """Print a reader warning (torn record, foreign object) on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def reading_progress(command: str, stream: Optional[TextIO] = None) -> Optional[ProgressHandler]:
    """Return a progress handler that shows ``one-logger <command>: reading 42.0% (412 MB, 60 MB/s)`` on a terminal.

    None when the stream (stderr by default) is not a terminal: a log file or a pipe gets no progress lines.
    """
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    if not (callable(isatty) and isatty()):
        return None
    line = ProgressLine(target, interval_s=0.5, prefix=f"one-logger {command}:")
    line.start("reading", "MB")
    finished = [False]

    def update(done: int, total: int) -> None:
        if finished[0]:
            return
        fraction = done / total if total else None
        if done >= total:
            finished[0] = True
            line.finish(done // _MB, fraction)
        else:
            line.update(done // _MB, fraction)

    return update
