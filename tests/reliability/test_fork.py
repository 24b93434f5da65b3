"""Fork: a process that forks data-loader style workers while recording, and records in parent and workers.

The application runs in its own process (`apps/fork_app.py`; pytest's own process is never forked). While a
parent thread records spans in a tight loop, the parent forks workers with multiprocessing's "fork" start method;
each worker records spans with an event, inside the span context it inherited, and ends the way multiprocessing
ends workers (`os._exit`, no atexit handlers). Promises:

- no deadlock: the whole run ends within a bound, every worker exits with status 0;
- no duplicated records: in the file every (pid, count) is unique and every span has exactly one final record
  (`complete` or `stop`) and at most one `start`; no process writes records about another process's spans; at the
  collector every span arrives exactly once;
- the workers' data is not lost: every worker span is in the file and at the collector;
- both exporters keep working in the parent after the fork (`parent-after-fork` is in both places).

`test_fork_stress` forks 48 workers, four at a time, each wave joined before the next (as DataLoader epochs do),
while the parent's background thread keeps the export thread busy: a fork lands at a random point of the
exporters' and the recorder's work 48 times, and every child must exit with status 0. A hung worker prints its
stack (faulthandler) and exits with status 1.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable

import pytest

from nv_one_logger.records.reader import read_records
from nv_one_logger.records.types import (
    EventRecord,
    SpanCompleteRecord,
    SpanStartRecord,
    SpanStopRecord,
)
from tests.support.collector import OtlpSink, RotelCollector
from tests.support.processes import AppProcess
from tests.support.waiting import poll

WORKERS = 4
SPANS_PER_WORKER = 50
STRESS_WORKERS = 48
STRESS_SPANS_PER_WORKER = 10
STRESS_WAVE = 4

pytestmark = [pytest.mark.collector, pytest.mark.slow]


def test_fork_with_recording_threads(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    run_and_check(tmp_path, rotel, otlp_sink, figure, WORKERS, SPANS_PER_WORKER, WORKERS)


@pytest.mark.timeout(900)
def test_fork_stress(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    run_and_check(tmp_path, rotel, otlp_sink, figure, STRESS_WORKERS, STRESS_SPANS_PER_WORKER, STRESS_WAVE, True)
    figure("forks while the export thread was busy", STRESS_WORKERS)


def run_and_check(
    tmp_path: Path,
    rotel: RotelCollector,
    otlp_sink: OtlpSink,
    figure: Callable[[str, Any], None],
    workers: int,
    spans_per_worker: int,
    wave: int,
    count_worker_losses: bool = False,
) -> None:
    """Run fork_app and check every promise of the module docstring."""
    path = tmp_path / "records.jsonl"
    app = AppProcess(
        "fork_app",
        [str(path), str(workers), str(spans_per_worker), str(wave)],
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            # The background thread records spans as fast as it can for as long as the workers run (20 s under
            # CI load, ~15,000 spans). This test is about fork safety, not about the bounded queue and the bounded
            # shutdown (tests/reliability/test_collector_faults.py proves those): give the parent room to deliver
            # everything, so that every span must arrive.
            "OTEL_BSP_MAX_QUEUE_SIZE": "1000000",
            "APP_OTEL_SHUTDOWN_S": "45",
            "ONE_LOGGER_EXIT_TIMEOUT_SECONDS": "50",
        },
        cwd=tmp_path,
    )
    _, code = app.wait_done_and_exit(done_timeout=120 + 15 * (workers // wave), exit_timeout=60)
    lines = app.snapshot()
    assert code == 0, app.stderr()[-3000:]
    joined = [line.value.split() for line in lines if line.kind == "JOINED"]
    assert [exit_code for _, exit_code in joined] == ["0"] * workers, (joined, app.stderr()[-3000:])
    worker_pids = {int(line.value.split()[1]) for line in lines if line.kind == "WORKER"}
    assert len(worker_pids) == workers
    parent_pid = app.proc.pid
    background_spans = int(next(line.value for line in lines if line.kind == "BG"))
    figure("parent background spans recorded across the forks", background_spans)

    # --- the file ---------------------------------------------------------------------------------------------
    records = list(read_records(path, strict=True))
    keys = Counter((r.pid, r.count) for r in records)
    duplicates = [key for key, n in keys.items() if n > 1]
    assert not duplicates, f"(pid, count) written twice: {duplicates[:5]}"
    assert {r.pid for r in records} == worker_pids | {parent_pid}

    starts: dict[str, list[Any]] = defaultdict(list)
    finals: dict[str, list[Any]] = defaultdict(list)
    owner: dict[str, int] = {}
    for record in records:
        if isinstance(record, (SpanStartRecord, SpanCompleteRecord)):
            starts[record.id].append(record)
            owner.setdefault(record.id, record.pid)
        if isinstance(record, (SpanCompleteRecord, SpanStopRecord)):
            finals[record.id].append(record)
    doubled_starts = {i: [(r.pid, r.TYPE) for r in rs] for i, rs in starts.items() if len(rs) > 1}
    doubled_finals = {i: [(r.pid, r.TYPE, r.name) for r in rs] for i, rs in finals.items() if len(rs) > 1}
    figure("span ids with a duplicated start record", len(doubled_starts))
    figure("span ids with a duplicated final record", len(doubled_finals))
    assert not doubled_starts, f"start written twice: {list(doubled_starts.items())[:3]}"
    assert not doubled_finals, f"final record written twice: {list(doubled_finals.items())[:3]}"
    foreign = [
        (r.TYPE, r.pid, owner.get(r.id))
        for r in records
        if isinstance(r, (SpanStopRecord, SpanCompleteRecord)) and owner.get(r.id) not in (None, r.pid)
    ]
    foreign += [
        (r.TYPE, r.pid, owner.get(r.span_id))
        for r in records
        if isinstance(r, EventRecord) and owner.get(r.span_id) not in (None, r.pid)
    ]
    assert not foreign, f"records about another process's spans: {foreign[:5]}"

    by_name = Counter(rs[0].name for rs in finals.values())
    figure("worker spans in the file", by_name["worker-span"])
    assert by_name["worker-span"] == workers * spans_per_worker
    assert by_name["parent-root"] == 1
    assert by_name["parent-after-fork"] == 1
    assert by_name["parent-bg"] == background_spans
    worker_events = sum(1 for r in records if isinstance(r, EventRecord) and r.pid in worker_pids)
    assert worker_events == workers * spans_per_worker

    # --- the collector ----------------------------------------------------------------------------------------
    expected = {i for i, rs in finals.items()}
    final_spans = poll(
        lambda: [s for s in otlp_sink.spans() if not s.is_marker],
        lambda spans: expected <= {str(s.attributes.get("one_logger.span.id")) for s in spans},
        60,
        interval=0.2,
    )
    arrived = Counter(str(s.attributes.get("one_logger.span.id")) for s in final_spans)
    names = Counter(s.name for s in final_spans)
    figure("worker spans at the collector", names["worker-span"])
    missing = expected - arrived.keys()
    missing_names = Counter(rs[0].name for i, rs in finals.items() if i in missing)
    summaries = re.findall(r"OTel exporter closed: \d+ spans delivered, (\d+) lost", app.stderr())
    lost_counted = sum(int(n) for n in summaries)
    if count_worker_losses:
        # Under heavy load a worker's short-lived OTLP connection can fail; then its loss must be counted (its
        # exporter's close summary) and nothing else may be missing.
        figure("worker spans lost at the collector and counted by their worker", len(missing))
        assert set(missing_names) <= {"worker-span"} and len(missing) <= lost_counted, (
            f"{len(missing)} spans never reached the collector ({dict(missing_names)}), {lost_counted} counted as "
            f"lost; app stderr: {app.stderr()[-2000:]}"
        )
    else:
        assert not missing, (
            f"{len(missing)} spans never reached the collector: {dict(missing_names)}; app stderr: "
            f"{app.stderr()[-2000:]}"
        )
    doubled = {i: n for i, n in arrived.items() if n > 1}
    assert not doubled, f"spans arrived more than once at the collector: {list(doubled.items())[:5]}"
    worker_span_events = [s for s in final_spans if s.name == "worker-span" and "worker-event" in s.event_names()]
    assert len(worker_span_events) == workers * spans_per_worker - len(missing)
