"""A command's output file (chrome-trace, report), written so that nobody ever reads half of it.

A file that cannot be written is reported like every failure of a command, by
``nv_one_logger.core.internal.command_error.print_error``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Callable, TextIO

from nv_one_logger.core.internal.command_error import print_error


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


def write_output(
    command: str, output: str, write: Callable[[TextIO], object], suffix: str, written: Callable[[], str]
) -> bool:
    """Write ``output`` through ``write(handle)`` atomically and say so on stderr; True when written.

    The line ``wrote OUTPUT: WHAT`` takes WHAT from ``written()``, called once the file is in place. A file that
    cannot be written (no such folder, no permission, disk full) is the command's error, printed by
    ``print_error`` with the system's reason, and nothing is left behind: the caller exits with status 1.
    """
    try:
        write_atomically(output, write, suffix=suffix)
    except OSError as exc:
        print_error(command, f"cannot write {output}: {exc.strerror or exc}")
        return False
    print(f"wrote {output}: {written()}", file=sys.stderr)
    return True
