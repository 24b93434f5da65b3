"""Concurrency: many threads and asyncio tasks recording deeply nested spans through one recorder.

32 threads each open 1,000 nested spans (then close them), and 200 concurrent asyncio tasks do the same (each
nesting level awaits, so the tasks interleave at every level). One recorder with the FileExporter and the
OTelExporter (to the real collector) serves them all. Promises:

- the exact number of spans arrives, in the file and at the collector, each with the right parent (the span
  that enclosed it in its own thread or task; the outermost span of each thread or task is a root);
- no record is interleaved or torn: every line of the file is one JSON record (strict reader), and the
  `count` sequence is exactly 1..n.

The nesting uses `contextlib.ExitStack` / `AsyncExitStack`, not recursion: 1,000 levels of recursion would hit
Python's recursion limit in the application itself, which is not what is under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.records import IdentityRecord
from nv_one_logger.records.reader import read_records
from nv_one_logger.records.types import SpanCompleteRecord, SpanStartRecord, SpanStopRecord
from nv_one_logger.testing import reset_one_logger
from tests.support.collector import OtlpSink, ReceivedRequest, RotelCollector
from tests.support.waiting import poll

THREADS = 32
TASKS = 200
DEPTH = 1_000
# Every span is one start and one stop call in the bridge's queue. With the default queue (OTEL_BSP_MAX_QUEUE_SIZE,
# 2,048) the export thread, starved of the GIL by 32 busy threads, cannot keep up: 25,828 of the 64,000 calls were
# dropped in the last measurement (counted, logged, and reported as a telemetry data error; docs/reliability.md).
# The promise here is about what arrives when the queue holds the burst, so the application sizes it for one.
QUEUE_SIZE = 2 * TASKS * DEPTH + 1_000

# The asyncio test takes about 2 minutes on a quiet 2-core machine: more than the suite's 300 s when busy.
pytestmark = [pytest.mark.collector, pytest.mark.slow, pytest.mark.timeout(1800)]


def configure(tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> tuple[DefaultRecorder, Path]:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    reset_one_logger()
    path = tmp_path / "records.jsonl"
    otel = OTelExporter(shutdown_timeout_s=120, max_queue_size=QUEUE_SIZE)
    recorder = DefaultRecorder([FileExporter(file_path=path), otel])
    config = OneLoggerConfig(
        application_name="concurrency",
        world_size_or_fn=1,
        session_tag_or_fn="concurrency",
        error_handling_strategy=OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS,
    )
    OneLoggerProvider.instance().configure(config, recorder)
    return recorder, path


def check_file(path: Path, expected_parent: dict[str, Optional[str]]) -> None:
    """Strict read (no torn or foreign line), gapless counts, one final record per span, right parents."""
    records = list(read_records(path, strict=True))
    assert isinstance(records[0], IdentityRecord), "the file starts with the identity header"
    records = records[1:]
    assert [r.count for r in records] == list(range(1, len(records) + 1)), "records missing, doubled or out of order"
    parents: dict[str, Optional[str]] = {}
    finals: set[str] = set()
    for record in records:
        if isinstance(record, (SpanStartRecord, SpanCompleteRecord)):
            assert record.id not in parents, f"span {record.id} started twice"
            parents[record.id] = record.parent_id
        if isinstance(record, (SpanStopRecord, SpanCompleteRecord)):
            assert record.id not in finals, f"span {record.id} stopped twice"
            finals.add(record.id)
    assert len(parents) == len(expected_parent), (len(parents), len(expected_parent))
    assert finals == set(expected_parent)
    wrong = [(i, parents.get(i), p) for i, p in expected_parent.items() if parents.get(i) != p]
    assert not wrong, f"{len(wrong)} spans with the wrong parent in the file, e.g. {wrong[:3]}"


@dataclass(frozen=True)
class ArrivedSpan:
    """The few fields of an arrived span this test needs (the harness's full view of 400,000 spans is heavy)."""

    one_logger_id: Optional[str]
    span_id: str
    parent_span_id: str
    name: str
    is_marker: bool


class LeanSink(OtlpSink):
    """The harness's OTLP sink, keeping only `ArrivedSpan` tuples instead of every request.

    The deep-nesting tests receive about 400,000 OTel spans (final spans and start markers); keeping all the
    decoded requests, as the general-purpose sink does, costs hundreds of MB in the test process.
    """

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[ArrivedSpan] = []

    def _record(self, received: ReceivedRequest) -> None:
        lean = []
        for resource_spans in received.request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    keys = {kv.key: kv.value for kv in span.attributes}
                    one_logger_id = keys.get("one_logger.span.id")
                    lean.append(
                        ArrivedSpan(
                            one_logger_id=None if one_logger_id is None else one_logger_id.string_value,
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            name=span.name,
                            is_marker="one_logger.marker" in keys,
                        )
                    )
        with self._lock:
            self.arrived.extend(lean)

    def snapshot(self) -> list[ArrivedSpan]:
        with self._lock:
            return list(self.arrived)


@pytest.fixture
def otlp_sink() -> Iterator[LeanSink]:
    """Overrides the harness's sink for this module, so the shared ``rotel`` fixture forwards to a LeanSink."""
    with LeanSink() as sink:
        yield sink


def check_collector(
    sink: LeanSink, expected_parent: dict[str, Optional[str]], timeout: float, figure: Callable[[str, Any], None]
) -> float:
    """Wait for one final OTel span per OneLogger span; check the OTel parent links. Return the wait.

    OTLP delivery is at least once: when a receiver answers late, its sender (here rotel, forwarding to the
    sink in this process, which is slow on a loaded machine) sends the same request again. A copy of the same
    OTel span (same OneLogger id, span id and parent) is therefore counted, not failed; a OneLogger span that
    arrives as two *different* OTel spans is a real duplicate and fails.
    """
    started = time.monotonic()
    poll(
        sink.snapshot,
        lambda snapshot: len({s for s in snapshot if not s.is_marker}) >= len(expected_parent),
        timeout,
        0.5,
    )
    waited = time.monotonic() - started
    time.sleep(1.0)  # anything beyond the expected number would be a duplicate: give it a moment to show up
    arrivals = [s for s in sink.snapshot() if not s.is_marker]
    final = set(arrivals)
    figure("redelivered copies of a final span", len(arrivals) - len(final))
    others = [s.name for s in final if s.one_logger_id is None]
    assert not others, f"unexpected spans (a telemetry data error means the bridge lost data): {others[:3]}"
    by_one_logger_id = {s.one_logger_id: s for s in final}
    assert len(final) == len(by_one_logger_id), f"{len(final) - len(by_one_logger_id)} spans sent as two OTel spans"
    assert len(final) == len(expected_parent), f"{len(final)} OTel spans for {len(expected_parent)} spans"
    assert by_one_logger_id.keys() == expected_parent.keys()
    wrong = []
    for one_logger_id, parent_id in expected_parent.items():
        span = by_one_logger_id[one_logger_id]
        expected_otel_parent = "" if parent_id is None else by_one_logger_id[parent_id].span_id
        if span.parent_span_id != expected_otel_parent:
            wrong.append(one_logger_id)
    assert not wrong, f"{len(wrong)} OTel spans with the wrong parent"
    return waited


def check_run(
    path: Path,
    sink: LeanSink,
    expected: dict[str, Optional[str]],
    count: int,
    started: float,
    recorded: float,
    collector_timeout: float,
    figure: Callable[[str, Any], None],
) -> None:
    """After ``recorder.close()``: report the times, then check the span count, the file and the collector."""
    closed = time.monotonic() - started
    figure("spans recorded", len(expected))
    figure("recording time (s)", recorded)
    figure("recording + close time (s)", closed)
    assert len(expected) == count
    check_file(path, expected)
    waited = check_collector(sink, expected, timeout=collector_timeout, figure=figure)
    figure("spans at the collector", count)
    figure("extra wait for the collector after close (s)", waited)


def test_32_threads_each_opening_1000_nested_spans(
    tmp_path: Path,
    rotel: RotelCollector,
    otlp_sink: LeanSink,
    monkeypatch: pytest.MonkeyPatch,
    figure: Callable[[str, Any], None],
) -> None:
    recorder, path = configure(tmp_path, rotel.grpc_endpoint, monkeypatch)
    expected: dict[str, Optional[str]] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(thread_index: int) -> None:
        mine: dict[str, Optional[str]] = {}
        try:
            barrier.wait()
            parent: Optional[str] = None
            with contextlib.ExitStack() as stack:
                for depth in range(DEPTH):
                    attributes = Attributes({"thread": thread_index, "depth": depth})
                    span = stack.enter_context(timed_span("nested", span_attributes=attributes))
                    mine[str(span.id)] = parent
                    parent = str(span.id)
        except BaseException as e:  # reported by the main thread
            errors.append(e)
        with lock:
            expected.update(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = time.monotonic() - started
    recorder.close()
    assert not errors, errors[:3]
    check_run(path, otlp_sink, expected, THREADS * DEPTH, started, recorded, collector_timeout=120, figure=figure)


def test_200_asyncio_tasks_each_opening_1000_nested_spans(
    tmp_path: Path,
    rotel: RotelCollector,
    otlp_sink: LeanSink,
    monkeypatch: pytest.MonkeyPatch,
    figure: Callable[[str, Any], None],
) -> None:
    recorder, path = configure(tmp_path, rotel.grpc_endpoint, monkeypatch)
    expected: dict[str, Optional[str]] = {}

    async def work(task_index: int) -> None:
        parent: Optional[str] = None
        async with contextlib.AsyncExitStack() as stack:
            for depth in range(DEPTH):
                attributes = Attributes({"task": task_index, "depth": depth})
                span = stack.enter_context(timed_span("nested", span_attributes=attributes))
                expected[str(span.id)] = parent
                parent = str(span.id)
                await asyncio.sleep(0)  # let every other task run between two levels

    async def main() -> None:
        await asyncio.gather(*(work(i) for i in range(TASKS)))

    started = time.monotonic()
    asyncio.run(main())
    recorded = time.monotonic() - started
    recorder.close()
    check_run(path, otlp_sink, expected, TASKS * DEPTH, started, recorded, collector_timeout=300, figure=figure)
