"""``replay_files`` into an in-memory span exporter: truncated files, crashed processes, several pids, ids."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, List

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from nv_one_logger.otel.ids import span_id_from_uuid, trace_id_from_uuid
from nv_one_logger.otel.replay import replay_files
from nv_one_logger.testing import reset_one_logger
from tests.support.environment import set_otel_env
from tests.support.jsonl import json_lines
from tests.support.processes import child_env, run_command
from tests.support.record_builders import RecordWriter, write_file
from tests.support.reference_job import CRASH_APP, JOB_SPAN_NAMES, record_job

UNCLOSED = "one_logger.replay.unclosed"


def _replay(path: Path, **kwargs: Any) -> List[ReadableSpan]:
    memory = InMemorySpanExporter()
    report = replay_files([path], span_exporter=memory, on_warning=lambda message: None, **kwargs)
    assert report.ok, report.error
    # The exporter was shut down by the replay; its list stays readable.
    return list(memory.get_finished_spans())


def _snapshot(span: ReadableSpan) -> Dict[str, Any]:
    assert span.context is not None
    return {
        "name": span.name,
        "trace_id": span.context.trace_id,
        "span_id": span.context.span_id,
        "parent": span.parent.span_id if span.parent is not None else None,
        "start": span.start_time,
        "end": span.end_time,
        "attributes": dict(span.attributes or {}),
        "events": [(e.name, e.timestamp, dict(e.attributes or {})) for e in span.events],
        "status": (span.status.status_code, span.status.description),
    }


def test_ids_are_derived_from_the_recorded_uuids_and_stable(tmp_path):
    path = tmp_path / "run.jsonl"
    record_job(path)
    first = [_snapshot(s) for s in _replay(path)]
    second = [_snapshot(s) for s in _replay(path)]
    assert first == second
    assert sorted(s["name"] for s in first) == sorted(JOB_SPAN_NAMES)

    records = json_lines(path, identity=True)
    uuids = {r["name"]: r["id"] for r in records if r["type"] in ("start", "complete")}
    app_trace = trace_id_from_uuid(uuid.UUID(uuids["application"]))
    for span in first:
        assert span["trace_id"] == app_trace
        if span["name"] != "telemetry_data_error":
            assert span["span_id"] == span_id_from_uuid(uuid.UUID(uuids[span["name"]]))
            assert span["attributes"]["one_logger.span.id"] == uuids[span["name"]]


def test_a_truncated_file_replays_everything_before_the_torn_line(tmp_path):
    path = tmp_path / "run.jsonl"
    record_job(path)
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) > 10
    assert b'"type":"identity"' in lines[0]
    for kept in range(2, len(lines)):  # line 1 is the identity header; line 2 the application span's start
        torn = tmp_path / f"torn-{kept}.jsonl"
        torn.write_bytes(b"".join(lines[:kept]) + lines[kept][: len(lines[kept]) // 2])
        reference = tmp_path / f"ref-{kept}.jsonl"
        reference.write_bytes(b"".join(lines[:kept]))
        got = [_snapshot(s) for s in _replay(torn)]
        assert got == [_snapshot(s) for s in _replay(reference)], f"cut in line {kept + 1}"
        assert got, "every prefix holds at least the application span's start"
    # The full file has no unclosed span; a prefix that ends inside the run has some.
    assert not any(UNCLOSED in s["attributes"] for s in (_snapshot(x) for x in _replay(path)))


def _crash(path: Path, rank: int) -> None:
    run_command([sys.executable, str(CRASH_APP), str(path), str(rank)], env=child_env(), timeout=60)


def test_spans_open_at_a_crash_end_at_the_last_record_of_their_process(tmp_path):
    path = tmp_path / "shared.jsonl"
    _crash(path, 0)
    _crash(path, 1)  # a second process appends to the same file: a second pid, a second trace
    records = json_lines(path, identity=True)
    pids = sorted({r["pid"] for r in records}, key=[r["pid"] for r in records].index)
    assert len(pids) == 2

    spans = [_snapshot(s) for s in _replay(path)]
    assert len(spans) == 6
    for pid, rank in zip(pids, (0, 1)):
        mine = [r for r in records if r["pid"] == pid]
        uuids = {r["name"]: r["id"] for r in mine if r["type"] in ("start", "complete")}
        step_record = next(r for r in mine if r["type"] == "complete" and r["name"] == "step")
        last_ns = round(step_record["stop_event"]["timestamp"]["seconds_since_epoch"] * 1e9)
        trace_id = trace_id_from_uuid(uuid.UUID(uuids["application"]))
        trace = {s["name"]: s for s in spans if s["trace_id"] == trace_id}
        assert set(trace) == {"application", "train", "step"}
        assert trace["application"]["attributes"]["rank"] == rank
        assert "one_logger.telemetry_data_error" not in trace["application"]["attributes"]  # no TDE in this run
        for name in ("application", "train"):
            assert trace[name]["attributes"][UNCLOSED] is True
            assert trace[name]["end"] == last_ns  # the last record of this pid, not of the file
            assert "span_stop" not in [e[0] for e in trace[name]["events"]]
        assert UNCLOSED not in trace["step"]["attributes"]
        assert trace["train"]["parent"] == trace["application"]["span_id"]
        assert trace["step"]["parent"] == trace["train"]["span_id"]
        assert [e[0] for e in trace["train"]["events"]] == ["checkpoint"]  # start/stop events carry nothing else


def test_a_span_whose_parent_is_not_in_the_data_becomes_a_root_that_names_its_parent(tmp_path):
    path = tmp_path / "run.jsonl"
    record_job(path)
    records = json_lines(path, identity=True)
    app_id = next(r["id"] for r in records if r.get("name") == "application")
    # Drop the application span's records, as if they were in an older rotated segment that was not given.
    kept = [r for r in records if r.get("id") != app_id and r.get("span_id") != app_id]
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(json.dumps(r) + "\n" for r in kept))
    spans = {s["name"]: s for s in (_snapshot(x) for x in _replay(partial))}
    train = spans["train"]
    assert train["parent"] is None
    assert train["attributes"]["one_logger.parent_span.id"] == app_id
    # The first root of the pid now fixes the trace id.
    assert train["trace_id"] == trace_id_from_uuid(uuid.UUID(train["attributes"]["one_logger.span.id"]))
    assert spans["data"]["parent"] == train["span_id"]


def test_the_last_error_names_the_status_also_when_only_an_event_marker_carries_it(tmp_path, monkeypatch):
    set_otel_env(monkeypatch, OTEL_SPAN_EVENT_COUNT_LIMIT="4")  # the final span carries 2 recorded events
    w = RecordWriter()
    w.start("s1", "train", 0.0)
    w.error("s1", "first failure", 0.1)
    w.error("s1", "second failure", 0.2, exception_type="KeyError")
    for i in range(3):
        w.event("s1", "step", 0.3 + i / 10, index=i)
    w.stop("s1", "train", 1.0, duration_msec=1000)
    spans = [_snapshot(s) for s in _replay(write_file(tmp_path / "run.jsonl", w.records))]
    final = next(s for s in spans if s["name"] == "train")
    assert [e[2].get("index") for e in final["events"]] == [1, 2]
    assert final["status"] == (StatusCode.ERROR, "second failure")
    markers = [s for s in spans if s is not final]
    assert [s["name"] for s in markers] == ["train [events]"]
    assert markers[0]["attributes"]["one_logger.marker"] == "event"
    assert markers[0]["parent"] == final["span_id"]
    carried = [(e[0], e[2].get("exception.message"), e[2].get("index")) for e in markers[0]["events"]]
    assert carried == [("exception", "first failure", None), ("exception", "second failure", None), ("step", None, 0)]


def test_dry_run_plans_without_sending(tmp_path):
    path = tmp_path / "run.jsonl"
    record_job(path)
    memory = InMemorySpanExporter()
    report = replay_files([path], span_exporter=memory, dry_run=True)
    assert report.plan.span_count == len(JOB_SPAN_NAMES)
    assert report.sent == 0
    assert memory.get_finished_spans() == ()


def test_the_same_pid_in_two_files_is_two_processes_and_rotated_segments_are_one(tmp_path):
    # Two containers each run their job as pid 1: same pid, different files, different processes.
    first, second = tmp_path / "node-a.jsonl", tmp_path / "node-b.jsonl"
    record_job(first)
    reset_one_logger()
    record_job(second)
    assert {r["pid"] for r in json_lines(first, identity=True)} == {r["pid"] for r in json_lines(second, identity=True)}
    memory = InMemorySpanExporter()
    report = replay_files([first, second], span_exporter=memory)
    assert [trace.source for trace in report.plan.traces] == [str(first), str(second)]
    spans = [_snapshot(s) for s in memory.get_finished_spans()]
    for path in (first, second):
        app_uuid = next(r["id"] for r in json_lines(path, identity=True) if r.get("name") == "application")
        trace = [s for s in spans if s["trace_id"] == trace_id_from_uuid(uuid.UUID(app_uuid))]
        assert sorted(s["name"] for s in trace) == sorted(JOB_SPAN_NAMES)
        assert [s["name"] for s in trace if s["parent"] is None] == ["application"]

    # A rotated log (run.jsonl.1 older, run.jsonl live) is one writer: one trace, parents across segments kept.
    lines = first.read_bytes().splitlines(keepends=True)
    live = tmp_path / "run.jsonl"
    segment = tmp_path / "run.jsonl.1"
    segment.write_bytes(b"".join(lines[:5]))
    live.write_bytes(b"".join(lines[5:]))
    rotated = replay_files([live, segment], span_exporter=InMemorySpanExporter())
    (trace,) = rotated.plan.traces
    assert trace.source == str(live)
    assert len(trace.spans) == len(JOB_SPAN_NAMES)
    assert [s.data.name for s in trace.spans if s.data.parent_span_id is None] == ["application"]
