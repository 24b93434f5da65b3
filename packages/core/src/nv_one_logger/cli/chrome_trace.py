"""``one-logger chrome-trace FILE... -o trace.json``: a timeline for Perfetto (ui.perfetto.dev) or chrome://tracing.

See ``nv_one_logger.records.chrome_trace`` for the layout (one process track per writer, spans as slices,
events as instant markers, errors in red) and for what it keeps in memory: the files are read once and the
trace is streamed to the output file.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from nv_one_logger.cli._output import write_atomically, write_output
from nv_one_logger.cli._reading import add_files_argument, add_strict_argument, reading_progress, stderr_warning
from nv_one_logger.core.internal.command_error import print_error
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.records.chrome_trace import trace_records
from nv_one_logger.records.files import RecordStream
from nv_one_logger.records.reader import ReaderError


def write_chrome_trace(trace: Any, output: str) -> None:
    """Write ``trace`` to ``output`` atomically (see ``write_atomically``), so a reader never sees half a trace."""
    write_atomically(output, lambda handle: json.dump(trace, handle, separators=(",", ":")), suffix=".json")


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger chrome-trace``: 0 on success, 1 when a file cannot be read or written."""
    stream = RecordStream(
        args.files, strict=args.strict, on_warning=stderr_warning, on_progress=reading_progress("chrome-trace")
    )
    try:
        builder = trace_records(stream, stream.paths)
    except ReaderError as exc:
        print_error("chrome-trace", exception_message(exc))
        return 1
    written = [0]

    def write(handle: TextIO) -> None:
        written[0] = builder.write(handle)

    def summary() -> str:
        return f"{builder.span_count} spans, {written[0]} trace events"

    return 0 if write_output("chrome-trace", args.output, write, ".json", summary) else 1


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
    add_files_argument(parser)
    parser.add_argument("-o", "--output", required=True, help="the trace file to write (JSON)")
    add_strict_argument(parser)
    parser.set_defaults(func=run)
