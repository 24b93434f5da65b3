"""``one-logger chrome-trace FILE... -o trace.json``: a timeline for Perfetto (ui.perfetto.dev) or chrome://tracing.

See ``nv_one_logger.records.chrome_trace`` for the layout (one process track per writer, spans as slices,
events as instant markers, errors in red).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from typing import Any

from nv_one_logger.cli._reading import reading_progress, stderr_warning
from nv_one_logger.records.chrome_trace import build_chrome_trace
from nv_one_logger.records.files import load_files
from nv_one_logger.records.reader import ReaderError


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


def write_chrome_trace(trace: Any, output: str) -> None:
    """Write ``trace`` to ``output`` atomically (temp file + rename), so a reader never sees half a trace.

    ``mkstemp`` creates the temporary file with mode 0600; the trace gets the mode any other new file would get
    (0666 minus the umask), so that the colleagues who can read the run's record files can read its trace too.
    """
    directory = os.path.dirname(os.path.abspath(output))
    fd, temp = tempfile.mkstemp(prefix=".chrome-trace-", suffix=".json", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(trace, handle, separators=(",", ":"))
        os.replace(temp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger chrome-trace``: 0 on success, 1 when a file cannot be read or written."""
    try:
        loaded = load_files(
            args.files, strict=args.strict, on_warning=stderr_warning, on_progress=reading_progress("chrome-trace")
        )
    except ReaderError as exc:
        print(f"one-logger chrome-trace: error: {exc}", file=sys.stderr)
        return 1
    trace = build_chrome_trace(loaded.result)
    try:
        write_chrome_trace(trace, args.output)
    except OSError as exc:
        print(f"one-logger chrome-trace: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    spans = len(loaded.result.spans)
    print(f"wrote {args.output}: {spans} spans, {len(trace['traceEvents'])} trace events", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``chrome-trace`` subcommand."""
    parser = subparsers.add_parser(
        "chrome-trace",
        help="convert record files to a Chrome Trace Event file (Perfetto, chrome://tracing)",
        description=(
            "Convert record files to a Chrome Trace Event file: a timeline for Perfetto (ui.perfetto.dev) or "
            "chrome://tracing, with one process track per writer, spans as slices, events as instant markers "
            "and errors in red."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="record files (rotated segments in any order)")
    parser.add_argument("-o", "--output", required=True, help="the trace file to write (JSON)")
    parser.add_argument("--strict", action="store_true", help="refuse torn records mid-file and foreign objects")
    parser.set_defaults(func=run)
