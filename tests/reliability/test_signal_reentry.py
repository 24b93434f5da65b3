"""Recording from a signal handler: no deadlock, no record lost, no record nested inside another.

A SIGALRM handler fires every millisecond (`signal.setitimer`) and records events and spans while the main thread
records through the file, logger and OTel exporters (`apps/signal_app.py`), so the handler regularly interrupts
the main thread inside the recorder and inside an exporter half-way through a record. Promises:

- the application finishes (a hang dumps every thread's stack: faulthandler in the app, SIGABRT from the test);
- the file holds every record, in `count` order without a gap or a duplicate (a handler's record written in the
  middle of an interrupted one would appear before it);
- every tick event and every span of the handler and of the main thread is in the file, in the log and at the
  collector.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pytest

from nv_one_logger.records.reader import read_records
from nv_one_logger.records.types import EventRecord, IdentityRecord, SpanCompleteRecord, SpanStopRecord
from tests.support.collector import OtlpSink, RotelCollector
from tests.support.processes import AppProcess

MAIN_SPANS = 3000
HANDLER_TICKS = 1500

pytestmark = [pytest.mark.collector, pytest.mark.slow]


def test_signal_handler_records_while_main_thread_is_inside_the_exporters(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    path, log_path = tmp_path / "records.jsonl", tmp_path / "records.log"
    app = AppProcess(
        "signal_app",
        [str(path), str(log_path), str(MAIN_SPANS), str(HANDLER_TICKS)],
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_BSP_MAX_QUEUE_SIZE": "1000000",
        },
        cwd=tmp_path,
    )
    _, code = app.wait_done_and_exit(done_timeout=300, exit_timeout=60)
    lines = {line.kind: int(line.value) for line in app.snapshot() if line.kind in ("MAIN", "TICKS", "HANDLER_SPANS")}
    assert code == 0, app.stderr()[-3000:]
    figure("signals handled (each recorded an event)", lines["TICKS"])
    figure("main-thread spans recorded meanwhile", lines["MAIN"])
    assert lines["TICKS"] >= HANDLER_TICKS and lines["MAIN"] >= MAIN_SPANS

    records = list(read_records(path, strict=True))
    counts = [r.count for r in records if not isinstance(r, IdentityRecord)]  # the identity record is count 0
    assert counts == list(range(1, len(counts) + 1)), "records out of count order, duplicated or missing"
    finals = Counter(r.name for r in records if isinstance(r, (SpanCompleteRecord, SpanStopRecord)))
    events = Counter(r.event.name for r in records if isinstance(r, EventRecord))
    assert finals["main-span"] == lines["MAIN"]
    assert finals["handler-span"] == lines["HANDLER_SPANS"]
    assert finals["watchdog"] == 1
    assert events["tick"] == lines["TICKS"]
    assert events["main-event"] == lines["MAIN"]

    log_lines = log_path.read_text(encoding="utf-8").splitlines()
    assert len(log_lines) == len(counts)
    assert sum('name="tick"' in line for line in log_lines) == lines["TICKS"]

    expected = lines["MAIN"] + lines["HANDLER_SPANS"] + 1
    otlp_sink.wait_for_spans(lambda s: not s.is_marker, count=expected, timeout=120)
    arrived = Counter(s.name for s in otlp_sink.spans() if not s.is_marker)
    figure("spans at the collector", sum(arrived.values()))
    assert arrived == Counter({"main-span": lines["MAIN"], "handler-span": lines["HANDLER_SPANS"], "watchdog": 1})
