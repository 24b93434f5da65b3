"""Crash: an application writing to FileExporter and OTelExporter is SIGKILLed in the middle of its run.

Promises:
- every record the file exporter returned from (the app prints `W <count>` after `_write` returns) is read back
  from the file by the JSONL reader (a torn last line is tolerated, nothing else is lost);
- every span started and every event recorded at least one batch delay before the kill is at the collector
  (rotel, forwarding to the test's OTLP sink): as the span's final OTel span if it stopped, else as the
  liveness markers the bridge sends for open spans (streamed once open longer than the 1 s liveness threshold:
  the spans open at the kill are the root, open for seconds, and a 2 ms step started inside the last window).

"At least one batch delay before the kill" is judged from the test's side: a fact is stamped when the test read
the app's stdout line, which is after the app's call returned, so the check is conservative. The app exports
with `OTEL_BSP_SCHEDULE_DELAY` = BATCH_DELAY_MS. The bridge's worker waits one batch delay *after* its previous
export cycle, then builds and sends the batch, so a call made just after a cycle began reaches the collector after
one delay plus up to two cycle times. The cut-off is therefore one batch delay plus EXPORT_ALLOWANCE_S (400 ms,
generous for a few hundred spans to a local collector on a loaded 2-core CI machine). Without the allowance the
test fails now and then by a few milliseconds at the edge (a span returned 201 ms before the kill, in flight).
The measured start -> sink latency (which also includes rotel's own 50 ms batching) is printed as a figure.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import pytest

from nv_one_logger.records.reader import read_records
from tests.support.collector import OtlpSink, ReceivedSpan, RotelCollector
from tests.support.otlp_sink import flatten_request
from tests.support.processes import AppProcess
from tests.support.waiting import poll

BATCH_DELAY_MS = 200
EXPORT_ALLOWANCE_S = 0.4
RUN_BEFORE_KILL_S = 3.0


def _span_id(span: ReceivedSpan) -> str:
    return str(span.attributes.get("one_logger.span.id", ""))


def _collector_view(sink: OtlpSink) -> tuple[dict[str, float], set[str]]:
    """When each span first arrived (final span or start marker; wall time), and `<span id> <step>` of ticks."""
    started: dict[str, float] = {}
    ticked: set[str] = set()
    for request in sink.requests():
        for span in flatten_request(request):
            span_id = _span_id(span)
            if not span_id:
                continue
            started[span_id] = min(started.get(span_id, request.received_at), request.received_at)
            ticked.update(f"{span_id} {e.attributes.get('step')}" for e in span.events if e.name == "tick")
    return started, ticked


@pytest.mark.collector
@pytest.mark.slow
def test_sigkill_loses_nothing_that_was_returned(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    records_path = tmp_path / "records.jsonl"
    app = AppProcess(
        "crash_app",
        [str(records_path)],
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": str(BATCH_DELAY_MS),
        },
        cwd=tmp_path,
    )
    try:
        app.wait_for_line("READY", timeout=60)
        time.sleep(RUN_BEFORE_KILL_S)
        app.wait_for(lambda lines: sum(line.kind == "P" for line in lines) >= 50, timeout=60)
        killed_at = app.kill()
    finally:
        app.ensure_dead()
    assert app.proc.returncode == -9

    lines = app.snapshot()
    written = {int(line.value) for line in lines if line.kind == "W"}
    read_back = {record.count for record in read_records(records_path, on_warning=lambda message: None)}
    missing_in_file = sorted(written - read_back)
    figure("file records reported written before SIGKILL", len(written))
    figure("file records read back", len(read_back))
    assert not missing_in_file, f"{len(missing_in_file)} written records not in the file: {missing_in_file[:10]}"

    cutoff = killed_at - BATCH_DELAY_MS / 1000 - EXPORT_ALLOWANCE_S
    due_started = {line.value for line in lines if line.kind == "S" and line.at <= cutoff}
    due_events = {line.value for line in lines if line.kind == "E" and line.at <= cutoff}
    assert due_started and due_events

    # The collector may still be forwarding what it received before the kill: wait (bounded) for it.
    started, ticked = poll(
        lambda: _collector_view(otlp_sink),
        lambda view: due_started <= view[0].keys() and due_events <= view[1],
        15,
        interval=0.2,
    )
    missing_spans = due_started - started.keys()
    # Latency from "start returned in the app" to "arrived at the sink", over every span that arrived.
    wall_minus_monotonic = time.time() - time.monotonic()
    latencies = sorted(
        started[line.value] - (line.at + wall_minus_monotonic)
        for line in lines
        if line.kind == "S" and line.value in started
    )
    missing_events = due_events - ticked
    all_started = {line.value for line in lines if line.kind == "S"}
    application_id = next(line.value for line in lines if line.kind == "S")
    assert application_id in started, "the long-running open span never reached the collector"
    application_events = {e for e in due_events if e.startswith(application_id)}
    missing_application_events = sorted(application_events - ticked, key=lambda e: int(e.split()[1]))
    assert application_events
    assert not missing_application_events, (
        f"{len(missing_application_events)} of {len(application_events)} events of the open span missing: "
        f"{missing_application_events[:5]}"
    )
    figure("spans started >= 1 batch delay before SIGKILL", len(due_started))
    figure("of those spans at the collector", len(due_started & started.keys()))
    figure("start -> collector latency p50 (s)", latencies[len(latencies) // 2])
    figure("start -> collector latency max (s)", latencies[-1])
    late = [lag for lag in latencies if lag > BATCH_DELAY_MS / 1000]
    figure("spans that took longer than one batch delay", len(late))
    figure("events recorded >= 1 batch delay before SIGKILL", len(due_events))
    figure("of those events at the collector", len(due_events & ticked))
    figure("spans started in the last batch delay (may be lost)", len(all_started - due_started))
    before_kill = sorted(
        round(killed_at - line.at, 3) for line in lines if line.kind == "S" and line.value in missing_spans
    )
    assert not missing_spans, (
        f"{len(missing_spans)} spans started before the cut-off never reached the collector "
        f"(returned {before_kill} s before the kill)"
    )
    assert not missing_events, f"{len(missing_events)} events recorded before the cut-off never reached the collector"
