"""One writer concept for every reader: a pid in one log file (records.writers).

Files copied from two hosts may both hold pid 1 (one container each). summary, report, chrome-trace and replay
must all see two writers there: two processes, two lanes, and each writer's data ends where its own records end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from nv_one_logger.cli.summary import render_summary
from nv_one_logger.records.digest import digest_files
from nv_one_logger.records.files import load_files
from nv_one_logger.records.identity import RankLabel
from nv_one_logger.records.writers import writer_key
from tests.support.chrome_trace import validate_trace
from tests.support.cli_in_process import run_cli
from tests.support.record_builders import T0, RecordWriter, write_file


def _host_file(directory: Path, host: str, last: float) -> Path:
    """A run of pid 1 on ``host`` (no rank anywhere): ``application`` still open, its data ends at ``last``."""
    w = RecordWriter(pid=1)
    w.records.append({"type": "identity", "count": 0, "pid": 1, "host": host, "application": "train"})
    w.start(f"{host}-app", "application", 0.0)
    w.complete(f"{host}-step", "step", 1.0, last - 0.5, parent_id=f"{host}-app")
    w.event(f"{host}-app", "tick", last)
    directory.mkdir()
    return write_file(directory / "run.jsonl", w.records)


@pytest.fixture
def two_hosts(tmp_path) -> List[Path]:
    return [_host_file(tmp_path / "node-a", "node-a", 2.0), _host_file(tmp_path / "node-b", "node-b", 10.0)]


def test_summary_sees_two_processes_and_two_lanes(two_hosts):
    digest = digest_files(two_hosts)
    assert len(digest.writers) == 2
    assert [str(rank) for rank in digest.ranks] == ["pid 1 (node-a)", "pid 1 (node-b)"]
    text = render_summary(digest, by_rank=True)
    assert "2 file(s), 8 records, 2 process(es), 2 rank(s)" in text
    # each open span is open until its own writer's last record, not the other host's
    assert "application [pid 1 (node-a)] open for at least 2.00 s" in text
    assert "application [pid 1 (node-b)] open for at least 10.00 s" in text
    assert {(str(span.rank), span.last_seconds - T0) for span in digest.open_spans} == {
        ("pid 1 (node-a)", 2.0),
        ("pid 1 (node-b)", 10.0),
    }


def test_the_full_rebuild_keeps_the_writers_apart(two_hosts):
    result = load_files(two_hosts).result
    writers = list(result.writers)
    assert [w.key for w in writers] == [writer_key(str(p), 1) for p in two_hosts]
    assert [(w.host, w.last_seconds - T0) for w in writers] == [("node-a", 2.0), ("node-b", 10.0)]


def test_lanes_of_same_pid_writers_without_a_host_are_named_by_their_files(tmp_path):
    first, second = RecordWriter(pid=1), RecordWriter(pid=1)
    first.complete("a", "step", 0.0, 1.0)
    second.complete("b", "step", 0.0, 3.0)
    (tmp_path / "x").mkdir()
    paths = [write_file(tmp_path / "x" / "run.jsonl", first.records), write_file(tmp_path / "y.jsonl", second.records)]
    digest = digest_files(paths)
    assert [str(rank) for rank in digest.ranks] == ["pid 1 (run.jsonl)", "pid 1 (y.jsonl)"]
    assert sorted(series.durations[0] for series in digest.spans.values()) == [1.0, 3.0]
    only = digest_files(paths[:1])
    assert only.ranks == [RankLabel(unknown=True, number=1)] and str(only.ranks[0]) == "pid 1"


def test_chrome_trace_has_one_track_per_writer(two_hosts, tmp_path):
    out = tmp_path / "trace.json"
    assert run_cli(["chrome-trace", *map(str, two_hosts), "-o", str(out)]) == 0
    by_phase = validate_trace(json.loads(out.read_text()))
    names = {e["pid"]: e["args"]["name"] for e in by_phase["M"] if e["name"] == "process_name"}
    assert sorted(names.values()) == ["pid 1 (run.jsonl)", "pid 1 (run.jsonl)"] and len(names) == 2
    open_slices = {e["pid"]: e["dur"] / 1e6 for e in by_phase["X"] if e["args"].get("still_open")}
    assert sorted(open_slices.values()) == pytest.approx([2.0, 10.0])


def test_replay_plans_one_trace_per_writer(two_hosts):
    replay = pytest.importorskip("nv_one_logger.otel.replay")
    report = replay.replay_files(two_hosts, dry_run=True)
    traces = report.plan.traces
    assert [(t.pid, t.identity.host if t.identity else None) for t in traces] == [(1, "node-a"), (1, "node-b")]
    for trace, end in zip(traces, (2.0, 10.0)):
        (app,) = [s.data for s in trace.spans if s.data.name == "application"]
        assert (app.end_ns - app.start_ns) / 1e9 == pytest.approx(end)


def test_the_run_spans_the_first_to_the_last_record_of_any_writer_even_a_stop_without_its_start(tmp_path):
    """The run's time range (summary header, report) is where its writers' data begins and ends.

    A stop record whose start is in an older segment that was not given still says the process was alive then.
    """
    first, second = RecordWriter(pid=1), RecordWriter(pid=2)
    first.event("older-span", "tick", 0.5)  # its span started in a segment that was not given
    first.complete("a", "step", 1.0, 2.0)
    first.stop("older-span", "train", 7.0, duration_msec=7000)
    second.complete("b", "step", 0.8, 3.0)
    digest = digest_files(
        [write_file(tmp_path / "one.jsonl", first.records), write_file(tmp_path / "two.jsonl", second.records)]
    )
    assert len(digest.problems) == 2  # the event and the stop of the span whose start is missing
    assert (digest.first_seconds, digest.last_seconds) == (T0 + 0.5, T0 + 7.0)
    assert [(w.first_seconds, w.last_seconds) for w in digest.writers] == [(T0 + 0.5, T0 + 7.0), (T0 + 0.8, T0 + 3.0)]
