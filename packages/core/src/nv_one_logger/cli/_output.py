"""Writing a command's output file (chrome-trace, report) so that nobody ever reads half of it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Callable, TextIO


def _current_umask() -> int:
    """Return the process umask without changing it where possible (Linux reports it in /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def write_atomically(output: str, write: Callable[[TextIO], object], suffix: str = "") -> None:
    """Write ``output`` through ``write(handle)`` atomically (temp file + rename): a reader never sees half a file.

    ``mkstemp`` creates the temporary file with mode 0600; the output gets the mode any other new file would get
    (0666 minus the umask), so that the colleagues who can read the run's record files can read the output too.
    """
    directory = os.path.dirname(os.path.abspath(output))
    fd, temp = tempfile.mkstemp(prefix=".one-logger-", suffix=suffix, dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
        os.replace(temp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
