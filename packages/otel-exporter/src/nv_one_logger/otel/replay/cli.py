"""``one-logger replay`` on the otel side: run ``replay_files`` for the parsed arguments and print what happened.

``nv_one_logger.cli.replay`` (in core) parses the arguments and imports this module only when the command runs,
so core never imports OpenTelemetry. Output: the ``--dry-run`` listing and the final counts line on stdout, notes
and errors on stderr.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from typing import Iterator, Optional, TextIO

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.command_error import print_error
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.otel.replay import ReplayReport, replay_files
from nv_one_logger.otel.replay.plan import DEFAULT_MAX_SPANS_PER_TRACE, PlannedSpan, PlannedTrace, ReplayPlan
from nv_one_logger.otel.replay.progress import ProgressLine
from nv_one_logger.otel.replay.send import replay_settings
from nv_one_logger.records.reader import ReaderError

COMMAND = "replay"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _iso(ns: int) -> str:
    moment = datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


MAX_INDENT_DEPTH = 32
"""Deepest level the ``--dry-run`` listing indents; deeper spans are marked ``[depth N]`` instead."""


def _span_line(span: PlannedSpan) -> str:
    data = span.data
    parent = f"{data.parent_span_id:016x}" if data.parent_span_id else "-"
    duration = (data.end_ns - data.start_ns) / 1e9
    flags = []
    if data.error_message is not None:
        flags.append(f"ERROR {data.error_message!r}")
    if span.unclosed:
        flags.append("UNCLOSED")
    if data.dropped_events:
        flags.append(f"dropped_events={data.dropped_events}")
    # Indentation stops at MAX_INDENT_DEPTH (the depth is then written out): otherwise a deep parent chain
    # makes the listing quadratic in size (a 20,000-deep chain: hundreds of MB of spaces).
    if span.depth < MAX_INDENT_DEPTH:
        indent = "  " * (span.depth + 1)
    else:
        indent = "  " * (MAX_INDENT_DEPTH + 1) + f"[depth {span.depth}] "
    tail = ("  " + "  ".join(flags)) if flags else ""
    return (
        f"{indent}{data.name}  span={data.span_id:016x} parent={parent}  start={_iso(data.start_ns)} "
        f"duration={duration:.6f}s  events={len(data.events)} attributes={len(data.attributes)}{tail}"
    )


def _trace_lines(trace: PlannedTrace) -> Iterator[str]:
    yield f"trace {trace.trace_id:032x}  pid {trace.pid}  {trace.source}  ({len(trace.spans)} spans)"
    for span in trace.spans:
        yield _span_line(span)


def format_dry_run(plan: ReplayPlan) -> str:
    """Return the ``--dry-run`` listing: one block per trace, one line per span (indented by depth), in send order."""
    return "\n".join(line for trace in plan.traces for line in _trace_lines(trace))


def format_counts(report: ReplayReport) -> str:
    """Return the final line: how many spans, events, errors were sent (or would be, for a dry run).

    After a failed export the line says how many of the planned spans were sent and how many were not; the
    event and error counts are then those of the whole plan, and are labelled so (they were not all sent).
    """
    plan = report.plan
    contents = (
        f"{plan.event_count} events, {plan.error_count} application errors, "
        f"{plan.telemetry_data_error_count} telemetry data errors, {plan.unclosed_count} unclosed spans"
    )
    origin = f"in {len(plan.traces)} trace(s) from {report.records} records"
    target = f" {'for' if report.dry_run else 'to'} {report.target}" if report.target else ""
    if report.dry_run:
        return f"would send {plan.span_count} spans ({contents}) {origin}{target}"
    if report.ok:
        return f"sent {report.sent} spans ({contents}) {origin}{target}"
    return (
        f"sent {report.sent} of {plan.span_count} spans{target}; {report.not_sent} NOT sent "
        f"(the whole replay: {contents} {origin})"
    )


def _notes(report: ReplayReport) -> Iterator[str]:
    if report.sampled_out:
        yield f"note: {report.sampled_out} span(s) not sent because OTEL_TRACES_SAMPLER sampled their trace out"
    if report.torn_lines:
        yield f"note: {report.torn_lines} torn record(s) skipped (everything before them was replayed)"
    if report.plan.dropped_event_count:
        yield (
            f"note: {report.plan.dropped_event_count} events beyond the per-span limit were not carried "
            "(reported as dropped_events_count; raise OTEL_SPAN_EVENT_COUNT_LIMIT to send them)"
        )
    if report.problems:
        yield f"note: {len(report.problems)} record(s) without their span were skipped (e.g. {report.problems[0]})"
    if report.unlisted_segments:
        names = ", ".join(str(p) for p in report.unlisted_segments[:3])
        yield f"note: rotated segments not given (their spans are missing; parents may be lost): {names}"


def run_cli(args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Handle ``one-logger replay`` (arguments from ``nv_one_logger.cli.replay.register``).

    Exit status: 0 all sent, 1 unreadable input or a failed export, 2 unusable OTLP configuration.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr

    def warn(message: str) -> None:
        print(f"warning: {message}", file=err)

    progress = None if getattr(args, "no_progress", False) else ProgressLine(err)
    try:
        settings = replay_settings(args.endpoint, args.protocol)
        if settings.sdk_disabled and not args.dry_run:
            print("one-logger replay: OTEL_SDK_DISABLED=true, nothing was sent.", file=err)
            return EXIT_OK
        report = replay_files(
            args.files,
            endpoint=args.endpoint,
            protocol=args.protocol,
            dry_run=args.dry_run,
            strict=args.strict,
            progress=progress,
            on_warning=warn,
            max_spans_per_trace=getattr(args, "max_spans_per_trace", DEFAULT_MAX_SPANS_PER_TRACE),
            legacy_fields=getattr(args, "legacy_fields", False),
        )
    except ReaderError as exc:
        print_error(COMMAND, exception_message(exc), err)
        return EXIT_FAILED
    except OneLoggerError as exc:
        print_error(COMMAND, exception_message(exc), err)
        return EXIT_USAGE
    if args.dry_run:
        listing = format_dry_run(report.plan)
        if listing:
            print(listing, file=out)
    for note in _notes(report):
        print(note, file=err)
    print(format_counts(report), file=out)
    if not report.ok:
        print_error(
            COMMAND,
            f"{report.not_sent} span(s) not sent: {report.error}. The ids are deterministic: run the same replay "
            "again to send the rest (it lands in the same trace).",
            err,
        )
        return EXIT_FAILED
    return EXIT_OK
