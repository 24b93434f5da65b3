"""``one-logger summary FILE...``: where did the time go? One table row per span name.

The table is sorted by total time. Durations use the writer's monotonic clock (see ``RebuiltSpan``); spans still
open at the end of the data are counted in ``open`` but not in the duration columns. Below the table come the
application errors, the telemetry data errors (the run's telemetry is known to be incomplete) and anything the
reader skipped, so that a person sees at a glance whether the numbers can be trusted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

from nv_one_logger.cli._by_rank import add_straggler_k_argument, phase_as_json, render_by_rank
from nv_one_logger.cli._format import format_duration, iso_time, time_span, unlisted_segments_note
from nv_one_logger.cli._reading import add_files_argument, add_strict_argument, read_digest
from nv_one_logger.records.digest import MAX_SERIES, ErrorEntry, RunDigest
from nv_one_logger.records.ranks import DEFAULT_K, phases_by_rank
from nv_one_logger.records.stats import SpanNameStats

MAX_LISTED = 10
__all__ = ["format_duration", "register", "render_summary", "run", "summary_as_json"]

_COLUMNS = ("span name", "count", "open", "total", "mean", "p50", "p95", "max", "errors")


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


def _errors(digest: RunDigest) -> List[str]:
    out = [f"Application errors: {digest.error_total}" + (" (in time order)" if digest.error_total > 1 else "")]
    for error in digest.errors[:MAX_LISTED]:
        out.append(f"  {iso_time(error.seconds)}  {error.rank}  {error.where}: {error.message}")
    if digest.error_total > MAX_LISTED:
        out.append(f"  ... and {digest.error_total - MAX_LISTED} more")
    total = digest.telemetry_error_total
    out.append(f"Telemetry data errors: {total}" + (" (the telemetry of this run is incomplete)" if total else ""))
    for error in digest.telemetry_errors[:MAX_LISTED]:
        out.append(f"  {iso_time(error.seconds)}  {error.rank}  {error.where}: {error.message}  [{error.source}]")
    if total > MAX_LISTED:
        out.append(f"  ... and {total - MAX_LISTED} more")
    return out


def _notes(digest: RunDigest) -> List[str]:
    out = []
    if digest.open_spans:
        out.append(f"Spans still open at the end of the data: {len(digest.open_spans)}")
        for span in digest.open_spans[:MAX_LISTED]:
            age = format_duration(max(0.0, span.last_seconds - span.start_seconds))
            where = str(span.rank) if span.rank.unknown else f"{span.rank}, pid {span.pid}"
            out.append(f"  {span.name} [{where}] open for at least {age}")
        if len(digest.open_spans) > MAX_LISTED:
            out.append(f"  ... and {len(digest.open_spans) - MAX_LISTED} more")
    notes = []
    if digest.torn_lines:
        notes.append(f"{digest.torn_lines} torn record(s) skipped")
    if digest.foreign_lines:
        notes.append(f"{digest.foreign_lines} foreign JSON object(s) skipped")
    if digest.problem_total:
        notes.append(f"{digest.problem_total} record(s) without their span (e.g. {digest.problems[0]})")
    if digest.unlisted_segments:
        notes.append(unlisted_segments_note(digest.unlisted_segments))
    if digest.dropped_series:
        notes.append(f"{digest.dropped_series} numeric event value(s) beyond the first {MAX_SERIES} series ignored")
    out.extend(f"Note: {note}" for note in notes)
    return out


def render_summary(digest: RunDigest, *, by_rank: bool = False, k: float = DEFAULT_K) -> str:
    """Return the text ``one-logger summary`` prints for a digest (``records.digest.digest_files``)."""
    out: List[str] = []
    header = (
        f"OneLogger summary: {len(digest.paths)} file(s), {digest.record_count} records, "
        f"{len(digest.writers)} process(es), {len(digest.ranks)} rank(s)"
    )
    if digest.first_seconds is not None and digest.last_seconds is not None:
        header += f", {time_span(digest.first_seconds, digest.last_seconds)}"
    out.append(header)
    out.append("")
    stats = digest.name_stats()
    out.extend(_table(stats) if stats else ["(no spans)"])
    if by_rank:
        out.append("")
        out.extend(render_by_rank(phases_by_rank(digest.durations(), k), k))
    out.append("")
    out.extend(_errors(digest))
    out.extend(_notes(digest))
    return "\n".join(out)


def summary_as_json(digest: RunDigest, *, k: float = DEFAULT_K) -> Dict[str, Any]:
    """Return the same content as a JSON-ready dict (``--json``), durations in seconds."""

    def error(entry: ErrorEntry) -> Dict[str, Any]:
        return {"time": entry.seconds, "rank": str(entry.rank), "message": entry.message}

    return {
        "files": digest.paths,
        "records": digest.record_count,
        "ranks": [str(rank) for rank in digest.ranks],
        "spans": [vars(s) for s in digest.name_stats()],
        "by_rank": [phase_as_json(phase) for phase in phases_by_rank(digest.durations(), k)],
        "application_errors": [
            dict(error(e), span=e.where, span_id=e.span_id, attributes=e.attributes) for e in digest.errors
        ],
        "application_error_count": digest.error_total,
        "telemetry_data_errors": [dict(error(e), type=e.where, source=e.source) for e in digest.telemetry_errors],
        "telemetry_data_error_count": digest.telemetry_error_total,
        "open_spans": [{"name": s.name, "rank": str(s.rank), "pid": s.pid} for s in digest.open_spans],
        "torn_lines": digest.torn_lines,
        "foreign_lines": digest.foreign_lines,
        "problems": [str(p) for p in digest.problems],
    }


def run(args: argparse.Namespace) -> int:
    """Handle ``one-logger summary``: 0 on success, 1 when a file cannot be read."""
    digest = read_digest("summary", args)
    if digest is None:
        return 1
    k = args.straggler_k
    text = (
        json.dumps(summary_as_json(digest, k=k), indent=2)
        if args.json
        else render_summary(digest, by_rank=args.by_rank, k=k)
    )
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
    add_files_argument(parser)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of the table")
    add_strict_argument(parser)
    parser.add_argument(
        "--by-rank",
        action="store_true",
        help="add each phase's duration per rank, the spread over ranks and the lagging ranks",
    )
    add_straggler_k_argument(parser)
    parser.set_defaults(func=run)
