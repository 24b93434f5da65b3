"""``one-logger replay FILE...``: send recorded JSON-lines files to an OTLP collector later.

Compute nodes often have no route to a collector. Record to files there (nv-one-logger-file), copy the files to
a machine that can reach the collector, and replay them: the spans arrive with their original timestamps,
names, attributes, events, errors and parents, as if they had been exported live. Ids are derived from the
recorded span uuids, so replaying the same file twice yields the same trace (a retried upload does not create
a second trace).

The work is done by ``nv_one_logger.otel.replay`` (the ``otel`` extra; ``replay.cli.run_cli``). Core never
imports OpenTelemetry, so this module only parses the arguments and imports the implementation when the command
actually runs; when the extra is missing it says what to install and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from nv_one_logger.cli._reading import add_files_argument, add_strict_argument
from nv_one_logger.core.internal.command_error import print_error
from nv_one_logger.core.internal.describe import exception_message

IMPLEMENTATION_MODULE = "nv_one_logger.otel.replay.cli"
MISSING_EXTRA_EXIT_CODE = 2
MISSING_EXTRA_MESSAGE = (
    "replay needs the OpenTelemetry bridge, which is not installed.\n"
    "Install it with:  pip install 'nv-one-logger-core[otel]'   (or: pip install nv-one-logger-otel)"
)


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger replay``: import the otel-side implementation and hand it the parsed arguments.

    Only a missing ``nv_one_logger.otel`` package (or OpenTelemetry itself) is reported as the missing extra;
    any other import error is a real bug and is left to surface with its traceback.
    """
    try:
        implementation = importlib.import_module(IMPLEMENTATION_MODULE)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing == "nv_one_logger" or missing.startswith(("nv_one_logger.otel", "opentelemetry")):
            print_error("replay", MISSING_EXTRA_MESSAGE)
            print(f"(import of {IMPLEMENTATION_MODULE} failed: {exception_message(exc)})", file=sys.stderr)
            return MISSING_EXTRA_EXIT_CODE
        raise
    return int(implementation.run_cli(args))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``replay`` subcommand."""
    parser = subparsers.add_parser(
        "replay",
        help="send recorded JSON-lines files to an OTLP collector (needs the otel extra)",
        description=(
            "Send recorded JSON-lines files to an OTLP collector later, with their original timestamps, names, "
            "attributes, events, errors and parents. Ids are derived from the recorded span uuids, so replaying "
            "the same files again lands in the same trace."
        ),
        epilog=(
            "Endpoint, headers, TLS, timeout, compression, service name and resource attributes come from the "
            "standard OTEL_* environment variables, exactly as for the live exporter; --endpoint and --protocol "
            "override the endpoint and protocol. See docs/replay.md."
        ),
    )
    add_files_argument(parser)
    parser.add_argument(
        "--endpoint",
        default=None,
        help="OTLP endpoint URL (default: OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else the OTLP default)",
    )
    parser.add_argument(
        "--protocol",
        default=None,
        help=(
            "OTLP protocol: grpc or http/protobuf (default: OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, else grpc; "
            "checked by the otel package, as for the live exporter)"
        ),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the spans that would be sent (one per line, with trace/span ids) and send nothing",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="do not print the progress line on stderr",
    )
    add_strict_argument(parser)
    parser.add_argument(
        "--max-spans-per-trace",
        type=_positive_int,
        default=10000,
        metavar="N",
        help="spans per trace before spans continue in a linked trace (default 10000; use the live run's value)",
    )
    parser.add_argument(
        "--legacy-fields",
        action="store_true",
        help="also send span_start/span_stop events, duration_msec and timestamp_msec (as legacy_fields=True live)",
    )
    parser.set_defaults(func=run)
