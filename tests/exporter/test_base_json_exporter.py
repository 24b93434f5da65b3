import json
import os
import threading

import pytest

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter
from nv_one_logger.exporter.exporter import ExportError


class ListJsonExporter(BaseJsonExporter):
    def __init__(self, merge_start_stop=True, fail=False):
        super().__init__(merge_start_stop=merge_start_stop)
        self.records = []
        self.identities = []
        self.fail = fail

    def _write(self, json_dict):
        if self.fail:
            raise OSError("disk full")
        # Every record must be plain JSON; the identity header is kept apart (its own tests are below).
        record = json.loads(json.dumps(json_dict))
        (self.identities if record["type"] == "identity" else self.records).append(record)


def ts(offset):
    return TracingTimestamp(1_700_000_000.0 + offset, 100.0 + offset)


@pytest.fixture
def exporter():
    exporter = ListJsonExporter()
    exporter.initialize()
    yield exporter
    exporter.close()


def started(exporter, name, parent=None, attributes=None, offset=0.0):
    span = Span.create(name, parent_span=parent, span_attributes=attributes, start_time=ts(offset))
    exporter.export_start(span)
    return span


def stopped(exporter, span, offset=1.0):
    span.stop(stop_time=ts(offset))
    exporter.export_stop(span)


def test_start_event_stop_records(exporter):
    span = started(exporter, "train", attributes=Attributes({"lr": 0.1}))
    event = Event("loss", ts(0.5), Attributes({"value": 1.25}))
    exporter.export_event(event, span)
    stopped(exporter, span, offset=2.0)
    start, ev, stop = exporter.records
    pid = os.getpid()
    assert start == {
        "type": "start",
        "count": 1,
        "pid": pid,
        "id": str(span.id),
        "name": "train",
        "parent_id": None,
        "attributes": {"lr": 0.1},
        "start_event": span.start_event.to_json(),
    }
    assert list(start)[:3] == ["type", "count", "pid"]
    assert ev == {"type": "event", "count": 2, "pid": pid, "span_id": str(span.id), "event": event.to_json()}
    assert ev["event"]["attributes"]["timestamp_msec"] == 1_700_000_000_500
    assert stop == {
        "type": "stop",
        "count": 3,
        "pid": pid,
        "id": str(span.id),
        "name": "train",
        "attributes": {"lr": 0.1, "duration_msec": 2000},
        "stop_event": span.stop_event.to_json(),
    }


def test_span_without_records_in_between_is_one_complete_record(exporter):
    parent = started(exporter, "app")
    child = started(exporter, "step", parent=parent, attributes=Attributes({"i": 3}), offset=0.1)
    child.add_attribute("loss", 0.5)
    stopped(exporter, child, offset=0.4)
    assert [r["type"] for r in exporter.records] == ["start", "complete"]
    complete = exporter.records[1]
    assert complete == {
        "type": "complete",
        "count": 2,
        "pid": os.getpid(),
        "id": str(child.id),
        "name": "step",
        "parent_id": str(parent.id),
        "attributes": {"i": 3, "loss": 0.5, "duration_msec": 300},
        "start_event": child.start_event.to_json(),
        "stop_event": child.stop_event.to_json(),
    }
    assert exporter.records[0]["parent_id"] is None and "attributes" not in exporter.records[0]


def test_start_record_holds_attributes_at_start_time(exporter):
    span = started(exporter, "s", attributes=Attributes({"a": 1}))
    span.add_attribute("late", True)
    exporter.export_event(Event.create("e"), span)
    assert exporter.records[0]["attributes"] == {"a": 1}


def test_pending_start_is_flushed_by_any_other_record(exporter):
    a = started(exporter, "a")
    b = started(exporter, "b", parent=a)  # flushes a's start
    exporter.export_telemetry_data_error(TelemetryDataError.create(TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "x"))
    stopped(exporter, b)
    stopped(exporter, a)
    assert [r["type"] for r in exporter.records] == ["start", "start", "telemetry_data_error", "stop", "stop"]
    assert [r["count"] for r in exporter.records] == [1, 2, 3, 4, 5]


def test_stop_of_other_span_flushes_pending_start(exporter):
    a = started(exporter, "a")
    exporter.export_event(Event.create("e"), a)
    b = started(exporter, "b")  # concurrent sibling, pending
    stopped(exporter, a)
    stopped(exporter, b)
    assert [(r["type"], r.get("name")) for r in exporter.records] == [
        ("start", "a"),
        ("event", None),
        ("start", "b"),
        ("stop", "a"),
        ("stop", "b"),
    ]


def test_application_error_record(exporter):
    span = started(exporter, "s")
    error = ErrorEvent(ts(0.2), "failed", "ValueError", "bad", "tb")
    exporter.export_error(error, span)
    record = exporter.records[1]
    assert record == {
        "type": "application_error",
        "count": 2,
        "pid": os.getpid(),
        "span_id": str(span.id),
        "event": Event.to_json(error),  # the record keeps the plain event form ...
    }
    assert set(record["event"]) == {"name", "timestamp", "attributes"}  # ... without the 2.3.1 top-level copies
    assert isinstance(Event.from_json(record["event"]), ErrorEvent)


def test_telemetry_data_error_record(exporter):
    error = TelemetryDataError.create(TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost")
    exporter.export_telemetry_data_error(error)
    assert exporter.records == [
        {"type": "telemetry_data_error", "count": 1, "pid": os.getpid(), "error": Event.to_json(error)}
    ]
    assert set(exporter.records[0]["error"]) == {"name", "timestamp", "attributes"}
    assert Event.from_json(exporter.records[0]["error"]) == error


def test_without_merging_every_start_is_written_at_once():
    exporter = ListJsonExporter(merge_start_stop=False)
    exporter.initialize()
    span = started(exporter, "s")
    assert [r["type"] for r in exporter.records] == ["start"]
    stopped(exporter, span)
    assert [r["type"] for r in exporter.records] == ["start", "stop"]
    assert not exporter.merge_start_stop


def test_flush_pending_and_close_write_the_held_start(exporter):
    span = started(exporter, "long")
    assert exporter.records == []
    exporter.flush_pending()
    assert [r["type"] for r in exporter.records] == ["start"]
    exporter.flush_pending()  # nothing more pending
    assert len(exporter.records) == 1
    stopped(exporter, span)
    assert [r["type"] for r in exporter.records] == ["start", "stop"]
    started(exporter, "never_stopped")
    exporter.close()
    assert [r["type"] for r in exporter.records] == ["start", "stop", "start"]
    assert exporter.count == 3


def test_export_stop_of_active_span_raises(exporter):
    span = started(exporter, "s")
    with pytest.raises(ExportError, match="not stopped"):
        exporter.export_stop(span)


def test_lifecycle_enforced():
    exporter = ListJsonExporter()
    with pytest.raises(ExportError, match="not initialized"):
        exporter.export_start(Span.create("s"))
    exporter.initialize()
    exporter.close()
    with pytest.raises(ExportError, match="closed"):
        exporter.export_event(Event.create("e"), Span.create("s"))
    assert exporter.records == []


def test_failed_write_leaves_a_gap_in_counts():
    exporter = ListJsonExporter()
    exporter.initialize()
    span = started(exporter, "s")
    exporter.fail = True
    with pytest.raises(OSError):
        exporter.export_event(Event.create("e"), span)  # flushing the pending start fails
    exporter.fail = False
    exporter.export_event(Event.create("e2"), span)
    assert [r["count"] for r in exporter.records] == [2]


def test_counts_are_per_instance():
    first, second = ListJsonExporter(), ListJsonExporter()
    for exporter in (first, second):
        exporter.initialize()
        exporter.export_event(Event.create("e"), Span.create("s"))
    assert first.records[0]["count"] == 1 and second.records[0]["count"] == 1


def test_thread_safety_counts_unique_and_contiguous():
    exporter = ListJsonExporter()
    exporter.initialize()
    threads_count, spans_per_thread = 8, 250
    barrier = threading.Barrier(threads_count)
    errors = []

    def worker():
        try:
            barrier.wait()
            for i in range(spans_per_thread):
                span = Span.create("work")
                exporter.export_start(span)
                if i % 2:
                    exporter.export_event(Event.create("tick"), span)
                span.stop()
                exporter.export_stop(span)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    exporter.close()
    assert errors == []
    counts = [record["count"] for record in exporter.records]
    assert counts == list(range(1, len(counts) + 1))  # written in count order, no gaps, no duplicates
    # Every span is either one complete record or a start + stop pair; every event is present.
    by_span: dict = {}
    for record in exporter.records:
        by_span.setdefault(record.get("id") or record.get("span_id"), []).append(record["type"])
    assert len(by_span) == threads_count * spans_per_thread
    for types in by_span.values():
        assert types in (["complete"], ["start", "stop"], ["start", "event", "stop"])
    events = sum(types.count("event") for types in by_span.values())
    assert events == threads_count * (spans_per_thread // 2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_pid_is_refreshed_after_fork(tmp_path):
    exporter = ListJsonExporter()
    exporter.initialize()
    exporter.export_event(Event.create("parent"), Span.create("s"))
    out = tmp_path / "child.json"
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            exporter.export_event(Event.create("child"), Span.create("s"))
            out.write_text(json.dumps({"pid": os.getpid(), "record": exporter.records[-1]}))
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    result = json.loads(out.read_text())
    assert exporter.records[0]["pid"] == os.getpid()
    assert result["record"]["pid"] == result["pid"] == child
