import json
import os
import re
import socket
import threading

import pytest

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import ExportError
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.records import (
    ApplicationErrorRecord,
    IdentityRecord,
    SpanStartRecord,
    TelemetryDataErrorRecord,
    read_record_files,
    rebuild,
    rotated_segments,
)
from tests.support.exporter_calls import export_complete_span, export_span_with_events
from tests.support.jsonl import json_lines, telemetry_records


def exercise(exporter: FileExporter, iterations: int = 3) -> Span:
    """application > N iterations (each with one event) + an error + a telemetry data error."""
    app = Span.create("application")
    exporter.export_start(app)
    for i in range(iterations):
        it = Span.create("training_iteration", parent_span=app)
        exporter.export_start(it)
        exporter.export_event(Event.create("loss", {"value": 1.0 / (i + 1)}), it)
        it.stop()
        exporter.export_stop(it)
    exporter.export_error(ErrorEvent.create("handled problem", ValueError("bad batch")), app)
    exporter.export_telemetry_data_error(
        TelemetryDataError.create(TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost a few")
    )
    app.stop()
    exporter.export_stop(app)
    return app


def _open(path, **kwargs):
    exporter = FileExporter(path, **kwargs)
    exporter.initialize()
    return exporter


def test_round_trip_through_the_reader(tmp_path):
    exporter = _open(tmp_path / "run.jsonl")
    app = exercise(exporter)
    exporter.close()
    records = telemetry_records(tmp_path / "run.jsonl")
    assert [r.count for r in records] == list(range(1, len(records) + 1))
    kinds = [type(r).__name__ for r in records]
    assert kinds[0] == "SpanStartRecord" and kinds[-1] == "SpanStopRecord"
    assert kinds.count("SpanCompleteRecord") == 0  # each iteration had an event in between
    assert any(isinstance(r, ApplicationErrorRecord) for r in records)
    assert any(isinstance(r, TelemetryDataErrorRecord) for r in records)
    result = rebuild(records)
    (root,) = result.roots
    assert root.id == str(app.id) and len(root.children) == 3
    assert all(not s.open for s in result.spans)
    assert [e.attributes["value"] for c in root.children for e in c.events] == [1.0, 0.5, pytest.approx(1 / 3)]


def test_each_record_is_a_whole_line_in_the_file_when_the_call_returns(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, merge_start_stop=False)
    span = Span.create("s")
    exporter.export_start(span)
    assert path.read_bytes().endswith(b"\n") and len(json_lines(path)) == 1
    exporter.export_event(Event.create("e"), span)
    assert [r["type"] for r in json_lines(path)] == ["start", "event"]
    exporter.close()


def test_appends_to_an_existing_file_by_default(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text(
        '{"type":"start","count":1,"pid":1,"id":"old","name":"old","start_event":{"name":"s","attributes":{"timestamp_msec":1}}}\n'
    )
    exporter = _open(path)
    exercise(exporter, iterations=1)
    exporter.close()
    lines = json_lines(path)
    assert lines[0]["id"] == "old" and len(lines) > 1


def test_overwrite_truncates(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text("old content that would not parse\n")
    exporter = _open(path, overwrite=True)
    exercise(exporter, iterations=1)
    exporter.close()
    assert json_lines(path)[0]["count"] == 1


def test_reopened_append_after_a_torn_tail_starts_on_a_new_line(tmp_path):
    path = tmp_path / "run.jsonl"
    first = _open(path, merge_start_stop=False)
    first.export_start(Span.create("before"))
    first.close()
    path.write_bytes(path.read_bytes() + b'{"type":"event","count":2,"pid":1,"span_i')  # a crash mid-write
    second = _open(path)
    exercise(second, iterations=1)
    second.close()
    reader_warnings = []
    records = telemetry_records(path, on_warning=reader_warnings.append)
    assert len(reader_warnings) == 1 and ":3: skipped a torn record in the middle" in reader_warnings[0]
    assert isinstance(records[0], SpanStartRecord) and records[0].name == "before"
    assert [r.count for r in records[1:]] == list(range(1, len(records)))


def test_fsync_option_syncs_every_record(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    exporter = _open(tmp_path / "a.jsonl", fsync=True, merge_start_stop=False)
    exporter.export_start(Span.create("s"))
    exporter.export_start(Span.create("t"))
    assert len(synced) == 3  # the identity header and the two records
    exporter.close()
    synced.clear()
    plain = _open(tmp_path / "b.jsonl", merge_start_stop=False)
    plain.export_start(Span.create("s"))
    plain.close()
    assert synced == []


def test_non_finite_floats_become_strings_and_output_is_standard_json(tmp_path):
    exporter = _open(tmp_path / "run.jsonl", merge_start_stop=False)
    span = Span.create("s", span_attributes=None)
    span.add_attribute("nan", float("nan"))
    span.add_attribute("inf", float("inf"))
    span.add_attribute("ninf", float("-inf"))
    span.add_attribute("ok", 1.5)
    exporter.export_start(span)
    exporter.close()
    (line,) = json_lines(tmp_path / "run.jsonl")
    assert line["attributes"] == {"nan": "NaN", "inf": "Infinity", "ninf": "-Infinity", "ok": 1.5}


def test_non_ascii_and_lone_surrogates_are_escaped_so_every_line_is_ascii(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, merge_start_stop=False)
    exporter.export_start(Span.create("训练 ✓ é"))
    exporter.export_start(Span.create("bad-\udcff-name"))
    exporter.close()
    assert path.read_bytes().isascii() and "\\u8bad\\u7ec3" in path.read_text()
    names = [r.name for r in telemetry_records(path)]
    assert names == ["训练 ✓ é", "bad-\udcff-name"]


def test_lifecycle_errors(tmp_path):
    exporter = FileExporter(tmp_path / "run.jsonl")
    with pytest.raises(ExportError):
        exporter.export_start(Span.create("s"))
    exporter.initialize()
    first_fd = exporter._fd
    exporter.initialize()  # a no-op: the file stays open once, nothing is truncated or reopened
    assert exporter._fd == first_fd and exporter.ready
    exporter.export_start(Span.create("kept"))
    exporter.close()
    exporter.close()
    with pytest.raises(ExportError):
        exporter.export_event(Event.create("e"), Span.create("s"))
    with pytest.raises(ExportError, match="closed"):
        exporter.initialize()


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "10"])
def test_invalid_max_bytes_is_refused(tmp_path, bad):
    with pytest.raises(OneLoggerError, match="max_bytes"):
        FileExporter(tmp_path / "x.jsonl", max_bytes=bad)


def test_threads_write_whole_lines_in_count_order(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = _open(path)
    span = Span.create("shared")
    exporter.export_start(span)

    def work(n):
        for i in range(300):
            exporter.export_event(Event.create("tick", {"thread": n, "i": i}), span)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    exporter.close()
    counts = [r["count"] for r in json_lines(path)]
    assert counts == list(range(1, 6 * 300 + 2))


# -- path template ---------------------------------------------------------------------------------------


def test_path_template_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "3")
    config = OneLoggerConfig(application_name="demo", world_size_or_fn=8, session_tag_or_fn="run/42")
    exporter = FileExporter(
        str(tmp_path / "{session_tag}" / "r{rank}-{pid}-{hostname}-{timestamp}-{{literal}}.jsonl"),
        one_logger_config=config,
    )
    name = exporter.file_path.name
    assert exporter.file_path.parent == tmp_path / "run_42"
    expected = rf"r3-{os.getpid()}-{re.escape(socket.gethostname())}-\d{{8}}T\d{{6}}Z-\{{literal\}}\.jsonl"
    assert re.fullmatch(expected, name), name
    exporter.initialize()
    exporter.close()
    assert exporter.file_path.exists()  # parent directories were created


def test_rank_defaults_to_zero_and_session_tag_to_a_documented_placeholder(tmp_path, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    exporter = FileExporter(tmp_path / "{session_tag}-{rank}.jsonl")
    assert exporter.file_path.name == "unknown-session-0.jsonl"


@pytest.mark.parametrize("template", ["{user}.jsonl", "{rank:03}.jsonl", "{rank!r}.jsonl", "{.jsonl", "x}.jsonl"])
def test_bad_templates_are_refused_naming_the_problem(tmp_path, template):
    with pytest.raises(OneLoggerError, match="template"):
        FileExporter(str(tmp_path / template))


def test_pathlib_path_without_fields_is_used_as_is(tmp_path):
    assert FileExporter(tmp_path / "plain.jsonl").file_path == tmp_path / "plain.jsonl"
    assert FileExporter(str(tmp_path / "plain.jsonl")).file_path_template == str(tmp_path / "plain.jsonl")


# -- rotation --------------------------------------------------------------------------------------------


def test_rotation_never_splits_records_and_files_read_back_in_order(tmp_path):
    path = tmp_path / "run.jsonl"
    (tmp_path / "run.jsonl.1").write_text("")  # an older rotation must not be overwritten
    exporter = _open(path, max_bytes=2000)
    export_span_with_events(exporter, 60)
    exporter.close()
    segments = rotated_segments(path)
    assert segments[0].name == "run.jsonl.1" and segments[0].read_text() == ""
    assert len(segments) > 3
    for segment in [*segments[1:], path]:
        data = segment.read_bytes()
        assert 0 < len(data) <= 2000 and data.endswith(b"\n")
        json_lines(segment)
        # Every file starts with the identity header, rotated segments included (each is readable alone).
        assert json_lines(segment, identity=True)[0]["type"] == "identity"
    counts = [r.count for r in read_record_files([path, *segments]) if not isinstance(r, IdentityRecord)]
    assert counts == list(range(1, 63))


def test_a_record_larger_than_max_bytes_gets_a_file_of_its_own(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, max_bytes=300, merge_start_stop=False)
    span = Span.create("s")
    exporter.export_start(span)
    exporter.export_event(Event.create("big", {"pad": "y" * 1000}), span)
    exporter.export_event(Event.create("small"), span)
    exporter.close()
    files = [*rotated_segments(path), path]
    assert [len(json_lines(f)) for f in files] == [1, 1, 1]
    assert json_lines(files[1])[0]["event"]["name"] == "big"


# -- bad input -------------------------------------------------------------------------------------------


def test_path_that_is_a_directory(tmp_path):
    exporter = FileExporter(tmp_path)
    with pytest.raises(ExportError, match=rf"{re.escape(str(tmp_path))}.*is a directory"):
        exporter.initialize()


def test_parent_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    exporter = FileExporter(tmp_path / "file" / "run.jsonl")
    expected = f"cannot open {tmp_path / 'file' / 'run.jsonl'} for writing: {tmp_path / 'file'} is not a directory"
    with pytest.raises(ExportError, match=re.escape(expected)):
        exporter.initialize()


def test_unwritable_directory(tmp_path):
    if os.geteuid() == 0:
        target = "/sys/one-logger-test-unwritable.jsonl"  # root may write anywhere but sysfs
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "run.jsonl")
    with pytest.raises(ExportError, match=rf"cannot open {re.escape(target)} for writing: Permission denied"):
        FileExporter(target).initialize()


def test_disk_full_raises_export_error_naming_the_path_and_later_records_still_try(tmp_path):
    exporter = _open("/dev/full", merge_start_stop=False)
    with pytest.raises(ExportError, match="writing to /dev/full failed: no space left on device"):
        exporter.export_start(Span.create("s"))
    with pytest.raises(ExportError, match="/dev/full"):
        exporter.export_start(Span.create("t"))
    assert exporter.count == 2  # the gap in count shows readers that records were lost
    exporter.close()


def test_partial_write_leaves_a_torn_line_that_the_next_record_ends(tmp_path, monkeypatch):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, merge_start_stop=False)
    exporter.export_start(Span.create("first"))
    real_write = os.write
    calls = []

    def half_then_enospc(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_enospc)
    with pytest.raises(ExportError, match="no space left"):
        exporter.export_start(Span.create("torn"))
    monkeypatch.setattr(os, "write", real_write)
    exporter.export_start(Span.create("after"))
    exporter.close()
    reader_warnings = []
    names = [r.name for r in telemetry_records(path, on_warning=reader_warnings.append)]
    assert names == ["first", "after"]
    assert len(reader_warnings) == 1 and ":3: skipped a torn record" in reader_warnings[0]


def test_file_deleted_while_open_is_reopened_and_reported(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, merge_start_stop=False, reopen_check_interval_seconds=0)
    exporter.export_start(Span.create("lost"))
    path.unlink()
    with pytest.raises(ExportError, match=rf"{re.escape(str(path))} was deleted while open"):
        exporter.export_start(Span.create("kept"))
    exporter.export_start(Span.create("later"))
    exporter.close()
    assert [r["name"] for r in json_lines(path)] == ["kept", "later"]


def test_file_renamed_away_while_open_is_reopened_without_losing_records(tmp_path):
    path = tmp_path / "run.jsonl"
    moved = tmp_path / "run.jsonl.old"
    exporter = _open(path, merge_start_stop=False, reopen_check_interval_seconds=0)
    exporter.export_start(Span.create("one"))
    path.rename(moved)
    exporter.export_start(Span.create("two"))
    exporter.close()
    assert [r["name"] for r in json_lines(moved)] == ["one"]
    assert [r["name"] for r in json_lines(path)] == ["two"]


def test_deletion_is_noticed_only_at_the_check_interval(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, merge_start_stop=False, reopen_check_interval_seconds=3600)
    exporter.export_start(Span.create("one"))
    path.unlink()
    exporter.export_start(Span.create("two"))  # goes to the unlinked file: the documented cost of checking rarely
    exporter.close()
    assert not path.exists()


def test_unserializable_record_raises_export_error(tmp_path):
    exporter = _open(tmp_path / "run.jsonl")
    with pytest.raises(ExportError, match="is not JSON"):
        exporter._write({"type": "event", "count": 1, "pid": 1, "bad": object()})
    exporter.close()


def test_writes_after_another_process_appended_stay_whole_lines(tmp_path):
    path = tmp_path / "run.jsonl"
    a = _open(path, merge_start_stop=False)
    b = _open(path, merge_start_stop=False)
    for i in range(50):
        (a if i % 2 else b).export_start(Span.create(f"s{i}"))
    a.close()
    b.close()
    assert len(json_lines(path)) == 50
    assert json.loads(path.read_text().splitlines()[1])["name"] == "s0"  # after the identity header


@pytest.mark.parametrize(("merge", "types"), [(True, ["complete"]), (False, ["start", "stop"])])
def test_merge_start_stop_option(tmp_path, merge, types):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, merge_start_stop=merge)
    export_complete_span(exporter, "leaf")
    exporter.close()
    assert [r["type"] for r in json_lines(path)] == types


def test_failed_rotation_keeps_writing_into_the_current_file(tmp_path, monkeypatch, caplog):
    path = tmp_path / "run.jsonl"
    exporter = _open(path, max_bytes=400, merge_start_stop=False)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "link", refuse)
    span = Span.create("s")
    exporter.export_start(span)
    for i in range(10):
        exporter.export_event(Event.create("tick", {"i": i}), span)  # none of these may fail or be lost
    exporter.close()
    assert [r["count"] for r in json_lines(path)] == list(range(1, 12))
    assert rotated_segments(path) == []
    assert sum("rotating" in r.getMessage() and "Permission denied" in r.getMessage() for r in caplog.records) == 1
