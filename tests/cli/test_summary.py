import json
import re

import pytest

from nv_one_logger.cli.summary import format_duration
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from tests.support.cli_in_process import run_cli
from tests.support.record_builders import RecordWriter, lines, training_records, write_file


def _row(out, name):
    (line,) = [line for line in out.splitlines() if line.startswith(name + " ")]
    return re.split(r"\s{2,}", line.strip())


def test_table_has_one_row_per_span_name_sorted_by_total(tmp_path, capsys):
    w = training_records()
    w.telemetry_data_error("exporter lost records", 4.1)
    path = write_file(tmp_path / "run.jsonl", w.records)
    assert run_cli(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[2].split()
    assert header == ["span", "name", "count", "open", "total", "mean", "p50", "p95", "max", "errors"]
    names = [line.split()[0] for line in out.splitlines()[4:8]]
    assert names == ["application", "training_loop", "training_iteration", "checkpoint_save"]
    assert _row(out, "training_iteration") == [
        "training_iteration",
        "3",
        "0",
        "2.70 s",
        "900.0 ms",
        "900.0 ms",
        "900.0 ms",
        "900.0 ms",
        "0",
    ]
    assert _row(out, "training_loop")[-1] == "1"
    assert "1 file(s), 16 records, 1 process(es)" in out
    assert "Application errors: 1" in out and "training_loop: data loader hiccup (ValueError)" in out
    assert "Telemetry data errors: 1 (the telemetry of this run is incomplete)" in out
    assert "incomplete_telemetry_data: exporter lost records" in out


def test_percentiles_over_many_spans(tmp_path, capsys):
    w = RecordWriter()
    for i in range(1, 101):  # durations 10 ms .. 1000 ms
        w.complete(f"s{i}", "step", float(i * 2), float(i * 2) + i / 100.0)
    path = write_file(tmp_path / "run.jsonl", w.records)
    assert run_cli(["summary", str(path)]) == 0
    row = _row(capsys.readouterr().out, "step")
    assert row[1:4] == ["100", "0", "50.50 s"]
    assert row[4:8] == ["505.0 ms", "505.0 ms", "950.5 ms", "1.00 s"]


def test_open_spans_and_skipped_lines_are_reported(tmp_path, capsys):
    w = RecordWriter()
    w.start("a", "application", 0.0)
    w.event("a", "tick", 60.0)
    w.event("ghost", "tick", 61.0)
    path = tmp_path / "run.jsonl"
    path.write_bytes(b'{"note": "hand-written"}\n' + lines(w.records) + b'{"type": "sto')
    assert run_cli(["summary", str(path)]) == 0
    captured = capsys.readouterr()
    assert _row(captured.out, "application")[1:4] == ["0", "1", "-"]
    assert "application [pid 4242] open for at least 61.00 s" in captured.out
    assert "Note: 1 torn record(s) skipped" in captured.out
    assert "Note: 1 foreign JSON object(s) skipped" in captured.out
    assert "Note: 1 record(s) without their span" in captured.out
    assert f"warning: {path}:5: skipped a torn record at end of file" in captured.err


def test_rotated_segments_are_combined_and_missing_ones_mentioned(tmp_path, capsys):
    w = training_records()
    base = tmp_path / "run.jsonl"
    write_file(base.with_name("run.jsonl.1"), w.records[:5])
    write_file(base, w.records[5:])
    assert run_cli(["summary", str(base), str(base.with_name("run.jsonl.1"))]) == 0
    out = capsys.readouterr().out
    assert _row(out, "training_iteration")[1] == "3" and "Note" not in out
    assert run_cli(["summary", str(base)]) == 0
    assert "rotated segments not given (older data): " + str(base.with_name("run.jsonl.1")) in capsys.readouterr().out


def test_json_output(tmp_path, capsys):
    path = write_file(tmp_path / "run.jsonl", training_records().records)
    assert run_cli(["summary", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {s["name"]: s for s in data["spans"]}
    assert by_name["training_iteration"]["count"] == 3
    assert by_name["training_iteration"]["p95_seconds"] == pytest.approx(0.9)
    assert data["application_errors"][0]["attributes"]["error_message"] == "data loader hiccup"


def test_corrupt_file_exits_1_naming_path_and_line(tmp_path, capsys):
    path = tmp_path / "run.jsonl"
    path.write_bytes(
        lines(training_records().records[:2]) + b"\xff\xfe not utf-8\n" + lines(training_records().records[2:])
    )
    assert run_cli(["summary", str(path)]) == 1
    assert f"one-logger summary: error: {path}:3: not valid UTF-8" in capsys.readouterr().err


def test_missing_file_exits_1(tmp_path, capsys):
    assert run_cli(["summary", str(tmp_path / "nope.jsonl")]) == 1
    assert "nope.jsonl: cannot open" in capsys.readouterr().err


def test_strict_refuses_foreign_objects(tmp_path, capsys):
    path = tmp_path / "run.jsonl"
    path.write_bytes(b'{"note": 1}\n')
    assert run_cli(["summary", str(path)]) == 0
    assert run_cli(["summary", "--strict", str(path)]) == 1
    assert f"{path}:1: foreign JSON object" in capsys.readouterr().err


def test_summary_of_a_real_recording(tmp_path, capsys):
    path = tmp_path / "real.jsonl"
    recorder = DefaultRecorder([FileExporter(path)])
    app = recorder.start("application")
    for i in range(5):
        step = recorder.start("step", parent_span=app)
        recorder.event(step, Event.create("loss", {"i": i}))
        recorder.stop(step)
    recorder.error(app, "handled", RuntimeError("x"))
    recorder.stop(app)
    recorder.close()
    assert run_cli(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert _row(out, "step")[1:3] == ["5", "0"]
    assert _row(out, "application")[-1] == "1"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.00085, "850 us"), (0.0123, "12.3 ms"), (4.214, "4.21 s"), (187.0, "3m07s"), (7500.0, "2h05m")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
