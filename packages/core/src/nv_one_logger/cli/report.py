"""``one-logger report FILE... -o run.html``: one self-contained HTML page about a run, for a browser offline.

The page (``nv_one_logger.report``) needs plotly, which the ``report`` extra installs; without it the command
says what to install and exits with status 2, like ``replay`` without the ``otel`` extra. Files are read once,
keeping only the digest (``records.digest``), so memory does not grow with the size of the files' records.
"""

from __future__ import annotations

import argparse
from typing import Any

from nv_one_logger.cli._by_rank import add_straggler_k_argument
from nv_one_logger.cli._output import write_output
from nv_one_logger.cli._reading import add_files_argument, add_strict_argument, read_digest
from nv_one_logger.core.internal.command_error import print_error
from nv_one_logger.core.internal.describe import exception_message

EXTRA_HINT = "pip install 'nv-one-logger-core[report]'"


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger report``: 0 written, 1 a file could not be read or written, 2 the extra is missing."""
    try:
        from nv_one_logger.report import render_report
    except ImportError as exc:
        print_error(
            "report",
            f"the report needs the 'report' extra ({exception_message(exc)}); install it with: {EXTRA_HINT}",
        )
        return 2
    digest = read_digest("report", args)
    if digest is None:
        return 1
    page = render_report(digest, k=args.straggler_k)
    summary = f"{len(digest.ranks)} rank(s), {digest.record_count:,} records"
    return 0 if write_output("report", args.output, lambda handle: handle.write(page), ".html", lambda: summary) else 1


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
    add_files_argument(parser)
    parser.add_argument("-o", "--output", required=True, help="the HTML file to write")
    add_strict_argument(parser)
    add_straggler_k_argument(parser)
    parser.set_defaults(func=run)
