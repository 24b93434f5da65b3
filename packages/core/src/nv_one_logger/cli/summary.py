"""``one-logger summary FILE...``: where did the time go? One table row per span name.

The table is sorted by total time. Durations use the writer's monotonic clock (see ``RebuiltSpan``); spans still
open at the end of the data are counted in ``open`` but not in the duration columns. Below the table come the
application errors, the telemetry data errors (the run's telemetry is known to be incomplete) and anything the
reader skipped, so that a person sees at a glance whether the numbers can be trusted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from typing import Any, Dict, List

from nv_one_logger.records.files import LoadedFiles, load_files
from nv_one_logger.records.reader import ReaderError
from nv_one_logger.records.stats import SpanNameStats, summarize_spans

MAX_LISTED = 10
_COLUMNS = ("span name", "count", "open", "total", "mean", "p50", "p95", "max", "errors")


def format_duration(seconds: float) -> str:
    """Human-readable duration with a unit that fits: ``850 us``, ``12.3 ms``, ``4.21 s``, ``3m07s``, ``2h05m``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 120.0:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 120:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _iso(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _table(stats: List[SpanNameStats]) -> List[str]:
    rows = [list(_COLUMNS)]
    for s in stats:
        durations = (s.total_seconds, s.mean_seconds, s.p50_seconds, s.p95_seconds, s.max_seconds)
        shown = [format_duration(d) if s.count else "-" for d in durations]
        rows.append([s.name, str(s.count), str(s.open), *shown, str(s.errors)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def render_summary(loaded: LoadedFiles) -> str:
    """Return the text ``one-logger summary`` prints for already loaded files."""
    result = loaded.result
    out: List[str] = []
    pids = {span.pid for span in result.spans} | {error.pid for error in result.telemetry_data_errors}
    header = f"OneLogger summary: {len(loaded.paths)} file(s), {loaded.record_count} records, {len(pids)} process(es)"
    starts = [span.start_seconds for span in result.spans]
    if starts:
        end = max(result.last_seconds_by_pid.values(), default=max(starts))
        header += f", {_iso(min(starts))} .. {_iso(end)} ({format_duration(max(0.0, end - min(starts)))})"
    out.append(header)
    out.append("")
    stats = summarize_spans(result.spans)
    out.extend(_table(stats) if stats else ["(no spans)"])

    errors = [(span, event) for span in result.spans for event in span.errors]
    out.append("")
    out.append(f"Application errors: {len(errors)}")
    for span, event in errors[:MAX_LISTED]:
        attrs = event.attributes
        message = str(attrs.get("error_message", event.name))
        kind = str(attrs.get("exception_type") or "")
        suffix = f" ({kind})" if kind and not message.startswith(kind) else ""
        out.append(f"  {_iso(event.seconds_since_epoch)}  {span.name}: {message}{suffix}")
    if len(errors) > MAX_LISTED:
        out.append(f"  ... and {len(errors) - MAX_LISTED} more")

    tde = result.telemetry_data_errors
    out.append(f"Telemetry data errors: {len(tde)}" + (" (the telemetry of this run is incomplete)" if tde else ""))
    for error in tde[:MAX_LISTED]:
        out.append(
            f"  {_iso(error.error.seconds_since_epoch)}  {error.error_type or 'unknown'}: "
            f"{error.error_message or ''}  [pid {error.pid}, {error.source}]"
        )
    if len(tde) > MAX_LISTED:
        out.append(f"  ... and {len(tde) - MAX_LISTED} more")

    open_spans = result.open_spans
    if open_spans:
        out.append(f"Spans still open at the end of the data: {len(open_spans)}")
        for span in open_spans[:MAX_LISTED]:
            last = result.last_seconds_by_pid.get(span.pid, span.start_seconds)
            out.append(f"  {span.name} [pid {span.pid}] open for at least {format_duration(last - span.start_seconds)}")
        if len(open_spans) > MAX_LISTED:
            out.append(f"  ... and {len(open_spans) - MAX_LISTED} more")
    notes = []
    if loaded.torn_lines:
        notes.append(f"{loaded.torn_lines} torn record(s) skipped")
    if loaded.foreign_lines:
        notes.append(f"{loaded.foreign_lines} foreign JSON object(s) skipped")
    if result.problems:
        notes.append(f"{len(result.problems)} record(s) without their span (e.g. {result.problems[0]})")
    if loaded.unlisted_segments:
        names = ", ".join(str(p) for p in loaded.unlisted_segments[:3])
        notes.append(f"rotated segments not given (older data): {names}")
    for note in notes:
        out.append(f"Note: {note}")
    return "\n".join(out)


def summary_as_json(loaded: LoadedFiles) -> Dict[str, Any]:
    """Return the same content as a JSON-ready dict (``--json``), durations in seconds."""
    result = loaded.result
    return {
        "files": [str(p) for p in loaded.paths],
        "records": loaded.record_count,
        "spans": [vars(s) for s in summarize_spans(result.spans)],
        "application_errors": [
            {"span": span.name, "span_id": span.id, "time": e.seconds_since_epoch, "attributes": e.attributes}
            for span in result.spans
            for e in span.errors
        ],
        "telemetry_data_errors": [
            {"type": e.error_type, "message": e.error_message, "pid": e.pid, "time": e.error.seconds_since_epoch}
            for e in result.telemetry_data_errors
        ],
        "open_spans": [{"name": s.name, "span_id": s.id, "pid": s.pid} for s in result.open_spans],
        "torn_lines": loaded.torn_lines,
        "foreign_lines": loaded.foreign_lines,
        "problems": [str(p) for p in result.problems],
    }


def _stderr_warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger summary``: 0 on success, 1 when a file cannot be read."""
    try:
        loaded = load_files(args.files, strict=args.strict, on_warning=_stderr_warning)
    except ReaderError as exc:
        print(f"one-logger summary: error: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(summary_as_json(loaded), indent=2) if args.json else render_summary(loaded)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `one-logger summary run.jsonl | head`: the reader is gone, which is fine
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def register(subparsers: Any) -> None:
    """Add the ``summary`` subcommand."""
    parser = subparsers.add_parser(
        "summary",
        help="per-span-name duration table of JSON-lines record files",
        description=(
            "Where did the time go? One table row per span name, sorted by total time, followed by the "
            "application errors, the telemetry data errors and anything the reader skipped."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="record files (rotated segments in any order)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of the table")
    parser.add_argument("--strict", action="store_true", help="refuse torn records mid-file and foreign objects")
    parser.set_defaults(func=run)
