"""``one-logger report FILE... -o run.html``: one self-contained HTML page about a run, for a browser offline.

The page (``nv_one_logger.report``) needs plotly, which the ``report`` extra installs; without it the command
says what to install and exits with status 2, like ``replay`` without the ``otel`` extra. Files are read once,
keeping only the digest (``records.digest``), so memory does not grow with the size of the files' records.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nv_one_logger.cli._output import write_atomically
from nv_one_logger.cli._reading import reading_progress, stderr_warning
from nv_one_logger.cli.summary import positive_float
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.records.digest import digest_files
from nv_one_logger.records.ranks import DEFAULT_K
from nv_one_logger.records.reader import ReaderError

EXTRA_HINT = "pip install 'nv-one-logger-core[report]'"


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger report``: 0 written, 1 a file could not be read or written, 2 the extra is missing."""
    try:
        from nv_one_logger.report import render_report
    except ImportError as exc:
        print(
            f"one-logger report: error: the report needs the 'report' extra ({exception_message(exc)}); "
            f"install it with: {EXTRA_HINT}",
            file=sys.stderr,
        )
        return 2
    try:
        digest = digest_files(
            args.files, strict=args.strict, on_warning=stderr_warning, on_progress=reading_progress("report")
        )
    except ReaderError as exc:
        print(f"one-logger report: error: {exception_message(exc)}", file=sys.stderr)
        return 1
    page = render_report(digest, k=args.straggler_k)
    try:
        write_atomically(args.output, lambda handle: handle.write(page), suffix=".html")
    except OSError as exc:
        print(f"one-logger report: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {len(digest.ranks)} rank(s), {digest.record_count:,} records", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML report (timeline per rank, stragglers, errors); needs [report]",
        description=(
            "Write one HTML file that opens in any browser without a network: a timeline of phases per rank, "
            "iteration time per rank, the per-rank table with the lagging ranks, charts of numeric event values "
            f"(such as loss) and the errors in time order. Needs the report extra: {EXTRA_HINT}"
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="record files (rotated segments in any order)")
    parser.add_argument("-o", "--output", required=True, help="the HTML file to write")
    parser.add_argument("--strict", action="store_true", help="refuse torn records mid-file and foreign objects")
    parser.add_argument(
        "--straggler-k",
        type=positive_float,
        default=DEFAULT_K,
        metavar="K",
        help=f"a rank lags beyond K scaled median absolute deviations above the median (default {DEFAULT_K:g})",
    )
    parser.set_defaults(func=run)
