"""What the reading subcommands (summary, chrome-trace, report, replay) share.

Their ``FILE...`` and ``--strict`` arguments, warnings and progress on stderr, and for summary and report the
whole read step (``read_digest``), so that a file is named, read and reported on alike by every command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, TextIO

from nv_one_logger.core.internal.command_error import print_error
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.core.internal.progress import ProgressLine
from nv_one_logger.records.digest import RunDigest, digest_files
from nv_one_logger.records.files import ProgressHandler
from nv_one_logger.records.reader import ReaderError

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


def add_files_argument(parser: Any) -> None:
    """Add the ``FILE...`` positional argument (``args.files``)."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="record files (rotated segments in any order)")


def add_strict_argument(parser: Any) -> None:
    """Add ``--strict`` (``args.strict``): what the reader otherwise skips with a warning becomes an error."""
    parser.add_argument("--strict", action="store_true", help="refuse torn records mid-file and foreign objects")


def read_digest(command: str, args: argparse.Namespace) -> Optional[RunDigest]:
    """Digest ``args.files`` (``--strict`` as given), warnings and progress on stderr.

    None when a file cannot be read: the reason is printed (``print_error``) and the command exits with 1.
    """
    try:
        return digest_files(
            args.files, strict=args.strict, on_warning=stderr_warning, on_progress=reading_progress(command)
        )
    except ReaderError as exc:
        print_error(command, exception_message(exc))
        return None
