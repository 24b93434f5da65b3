"""``one-logger chrome-trace FILE... -o trace.json``: a timeline for Perfetto (ui.perfetto.dev) or chrome://tracing.

See ``nv_one_logger.records.chrome_trace`` for the layout (one process track per writer, spans as slices,
events as instant markers, errors in red).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nv_one_logger.cli._output import write_atomically
from nv_one_logger.cli._reading import reading_progress, stderr_warning
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.records.chrome_trace import build_chrome_trace
from nv_one_logger.records.files import load_files
from nv_one_logger.records.reader import ReaderError


def write_chrome_trace(trace: Any, output: str) -> None:
    """Write ``trace`` to ``output`` atomically (see ``write_atomically``), so a reader never sees half a trace."""
    write_atomically(output, lambda handle: json.dump(trace, handle, separators=(",", ":")), suffix=".json")


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger chrome-trace``: 0 on success, 1 when a file cannot be read or written."""
    try:
        loaded = load_files(
            args.files, strict=args.strict, on_warning=stderr_warning, on_progress=reading_progress("chrome-trace")
        )
    except ReaderError as exc:
        print(f"one-logger chrome-trace: error: {exception_message(exc)}", file=sys.stderr)
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
