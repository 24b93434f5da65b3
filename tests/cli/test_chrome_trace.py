"""Structure of the Chrome Trace Event output, checked the way a trace viewer would read it."""

import json
import threading

import pytest

from nv_one_logger.core.event import Event
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.records import read_records, rebuild
from nv_one_logger.records.chrome_trace import build_chrome_trace
from nv_one_logger.records.files import load_files
from tests.support.chrome_trace import validate_trace
from tests.support.cli_in_process import run_cli
from tests.support.record_builders import T0, RecordWriter, training_records, write_file


def _trace_of(tmp_path, records, name="run.jsonl"):
    path = write_file(tmp_path / name, records)
    out = tmp_path / "trace.json"
    assert run_cli(["chrome-trace", str(path), "-o", str(out)]) == 0
    return json.loads(out.read_text())


def test_spans_events_and_errors_with_microsecond_times(tmp_path):
    w = training_records()
    w.telemetry_data_error("lost", 4.2)
    by_phase = validate_trace(_trace_of(tmp_path, w.records))
    slices = {e["args"]["span_id"]: e for e in by_phase["X"]}
    assert set(slices) == {"app", "loop", "it0", "it1", "it2", "ckpt"}
    assert slices["it1"]["ts"] == pytest.approx((T0 + 1.2) * 1e6, abs=1)
    assert slices["it1"]["dur"] == pytest.approx(0.9e6, abs=1)
    assert slices["ckpt"]["dur"] == pytest.approx(0.5e6, abs=1)
    assert slices["loop"]["args"]["parent_id"] == "app"
    assert {e["tid"] for e in by_phase["X"]} == {1}  # properly nested spans share one lane
    markers = [e for e in by_phase["i"] if e["cat"] == "event"]
    assert [e["name"] for e in markers] == ["loss"] * 3
    loss0 = markers[0]
    assert loss0["ts"] == pytest.approx((T0 + 0.7) * 1e6, abs=1) and loss0["args"]["loss"] == 1.0
    (error,) = [e for e in by_phase["i"] if e["cat"] == "error"]
    assert error["name"] == "error: data loader hiccup" and error["cname"] == "terrible"
    assert error["args"]["exception_type"] == "ValueError" and error["args"]["span_id"] == "loop"
    (tde,) = [e for e in by_phase["i"] if e["cat"] == "telemetry_data_error"]
    assert tde["s"] == "p" and tde["cname"] == "terrible" and tde["name"].endswith("incomplete_telemetry_data")


def test_times_match_the_records_and_prefer_the_monotonic_clock(tmp_path):
    w = RecordWriter()
    w.start("a", "parent", 0.0)
    w.complete("b", "child", 1.0, 2.0, parent_id="a")
    stop = w.stop("a", "parent", 3.0)
    stop["stop_event"]["timestamp"]["seconds_since_epoch"] -= 5.0  # wall clock stepped back during the run
    by_phase = validate_trace(_trace_of(tmp_path, w.records))
    slices = {e["args"]["span_id"]: e for e in by_phase["X"]}
    assert slices["a"]["ts"] == pytest.approx(T0 * 1e6, abs=1)
    assert slices["a"]["dur"] == pytest.approx(3e6, abs=1)  # from perf_counter_seconds, not the stepped wall clock
    assert slices["b"]["ts"] == pytest.approx((T0 + 1) * 1e6, abs=1)


def test_open_spans_extend_to_the_end_of_their_process_data(tmp_path):
    w = RecordWriter()
    w.start("a", "application", 0.0)
    w.start("b", "step", 1.0, parent_id="a")
    w.event("b", "tick", 7.5)
    by_phase = validate_trace(_trace_of(tmp_path, w.records))
    slices = {e["args"]["span_id"]: e for e in by_phase["X"]}
    assert slices["a"]["name"] == "application [open]" and slices["a"]["args"]["still_open"] is True
    assert slices["a"]["dur"] == pytest.approx(7.5e6, abs=1)
    assert slices["b"]["ts"] + slices["b"]["dur"] == pytest.approx(slices["a"]["ts"] + slices["a"]["dur"])


def test_open_spans_reach_the_latest_monotonic_time_when_the_wall_clock_stepped_back(tmp_path):
    w = RecordWriter()
    w.start("a", "application", 0.0)
    w.start("b", "step", 5.0, parent_id="a")
    stop = w.stop("b", "step", 10.0)
    stop["stop_event"]["timestamp"]["seconds_since_epoch"] -= 8.0  # wall clock stepped back before the stop
    by_phase = validate_trace(_trace_of(tmp_path, w.records))
    slices = {e["args"]["span_id"]: e for e in by_phase["X"]}
    assert slices["b"]["ts"] + slices["b"]["dur"] == pytest.approx((T0 + 10) * 1e6, abs=1)
    assert slices["a"]["dur"] == pytest.approx(10e6, abs=1)  # not 5 s: the open span outlives its child's stop


def test_overlapping_spans_that_do_not_nest_go_to_separate_lanes(tmp_path):
    w = RecordWriter()
    w.start("a", "application", 0.0)
    w.start("t1", "worker", 1.0, parent_id="a")
    w.start("t2", "worker", 2.0, parent_id="a")
    w.stop("t1", "worker", 3.0)  # t1 ends while t2 runs: they overlap without nesting
    w.stop("t2", "worker", 4.0)
    w.complete("t3", "worker", 5.0, 6.0, parent_id="a")
    w.stop("a", "application", 7.0)
    by_phase = validate_trace(_trace_of(tmp_path, w.records))
    tids = {e["args"]["span_id"]: e["tid"] for e in by_phase["X"]}
    assert tids["a"] == tids["t1"] == tids["t3"] == 1 and tids["t2"] == 2
    names = {(e["tid"], e["args"]["name"]) for e in by_phase["M"] if e["name"] == "thread_name"}
    assert names == {(1, "spans"), (2, "spans (overlapping, lane 2)")}


def test_one_process_track_per_writer(tmp_path):
    rank0 = write_file(tmp_path / "rank0.jsonl", training_records(pid=100, prefix="r0-").records)
    rank1 = write_file(tmp_path / "rank1.jsonl", training_records(pid=200, prefix="r1-").records)
    same_pid = write_file(tmp_path / "other-host.jsonl", training_records(pid=100, prefix="h2-").records)
    out = tmp_path / "trace.json"
    assert run_cli(["chrome-trace", str(rank0), str(rank1), str(same_pid), "-o", str(out)]) == 0
    by_phase = validate_trace(json.loads(out.read_text()))
    names = {e["pid"]: e["args"]["name"] for e in by_phase["M"] if e["name"] == "process_name"}
    assert len(names) == 3
    assert names[100] == "pid 100 (rank0.jsonl)" and names[200] == "pid 200 (rank1.jsonl)"
    (other_pid,) = set(names) - {100, 200}
    assert names[other_pid] == "pid 100 (other-host.jsonl)"
    assert len({e["pid"] for e in by_phase["X"]}) == 3
    assert {e["args"]["span_id"][:3] for e in by_phase["X"] if e["pid"] == other_pid} == {"h2-"}


def test_trace_of_a_real_threaded_recording_is_valid(tmp_path):
    path = tmp_path / "real.jsonl"
    recorder = DefaultRecorder([FileExporter(path)])
    app = recorder.start("application")
    barrier = threading.Barrier(4)

    def worker(n):
        barrier.wait()
        for i in range(20):
            span = recorder.start("work", parent_span=app)
            recorder.event(span, Event.create("progress", {"worker": n, "i": i}))
            recorder.stop(span)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorder.error(app, "handled", ValueError("x"))
    recorder.stop(app)
    recorder.close()
    trace = build_chrome_trace(rebuild(read_records(path)))
    by_phase = validate_trace(trace)
    assert len(by_phase["X"]) == 81
    assert len([e for e in by_phase["i"] if e["cat"] == "event"]) == 80


def test_unreadable_input_and_unwritable_output_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert run_cli(["chrome-trace", str(bad), "-o", str(tmp_path / "t.json")]) == 1
    assert f"{bad}:1: not a JSON record" in capsys.readouterr().err
    good = write_file(tmp_path / "good.jsonl", training_records().records)
    assert run_cli(["chrome-trace", str(good), "-o", str(tmp_path / "missing-dir" / "t.json")]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert not (tmp_path / "t.json").exists()


def test_output_option_is_required(tmp_path):
    with pytest.raises(SystemExit) as info:
        run_cli(["chrome-trace", str(tmp_path / "x.jsonl")])
    assert info.value.code == 2


def test_streamed_trace_has_the_events_of_the_built_one(tmp_path):
    # the command reads once and streams (records.chrome_trace.trace_records + ChromeTraceBuilder.write);
    # build_chrome_trace builds from a full rebuild: both must describe the same trace
    from tests.support.multirank_run import write_run

    paths = write_run(tmp_path)
    extra = RecordWriter(pid=77)
    extra.start("open", "still_running", 0.0)
    extra.event("open", "tick", 1.0, n=1)
    extra.complete("a", "overlapping_a", 0.1, 0.5)
    extra.complete("b", "overlapping_b", 0.3, 0.8)
    extra.telemetry_data_error("lost some", 2.0)
    paths.append(write_file(tmp_path / "other.jsonl", extra.records))
    output = tmp_path / "trace.json"
    assert run_cli(["chrome-trace", *map(str, paths), "-o", str(output)]) == 0
    streamed = json.loads(output.read_text())
    built = build_chrome_trace(load_files(paths).result)
    assert {k: v for k, v in streamed.items() if k != "traceEvents"} == {
        k: v for k, v in built.items() if k != "traceEvents"
    }
    key = lambda e: json.dumps(e, sort_keys=True)  # noqa: E731
    assert sorted(map(key, streamed["traceEvents"])) == sorted(map(key, built["traceEvents"]))
    validate_trace(streamed)
    names = {e["name"] for e in streamed["traceEvents"]}
    assert {"still_running [open]", "telemetry_data_error: incomplete_telemetry_data"} <= names
