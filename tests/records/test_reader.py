import json

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.records import (
    ApplicationErrorRecord,
    EventRecord,
    ReaderError,
    ReaderWarning,
    RecordReader,
    SpanCompleteRecord,
    SpanStartRecord,
    SpanStopRecord,
    TelemetryDataErrorRecord,
    order_record_files,
    read_record_files,
    read_records,
    rotated_segments,
)
from tests.support.record_builders import T0, RecordWriter, lines, training_records, write_file


def test_reads_every_record_type_with_typed_fields(tmp_path):
    w = RecordWriter(pid=7)
    w.start("a", "application", 0.0, parent_id=None, app="demo")
    w.event("a", "loss", 1.0, value=0.5)
    w.error("a", "boom", 1.5)
    w.complete("b", "checkpoint_save", 2.0, 2.5, parent_id="a")
    w.telemetry_data_error("lost some", 2.6)
    w.stop("a", "application", 3.0, duration_msec=3000)
    path = write_file(tmp_path / "r.jsonl", w.records)

    records = list(read_records(path))

    assert [type(r) for r in records] == [
        SpanStartRecord,
        EventRecord,
        ApplicationErrorRecord,
        SpanCompleteRecord,
        TelemetryDataErrorRecord,
        SpanStopRecord,
    ]
    start = records[0]
    assert isinstance(start, SpanStartRecord)
    assert (start.id, start.name, start.pid, start.count, start.parent_id) == ("a", "application", 7, 1, None)
    assert start.attributes == {"app": "demo"}
    assert start.start_event.seconds_since_epoch == T0
    assert start.source.line == 1 and start.source.path == str(path)
    assert records[1].event.attributes["value"] == 0.5
    assert records[2].error_message == "boom"
    assert records[3].parent_id == "a"
    assert records[4].error_type == "incomplete_telemetry_data" and records[4].error_message == "lost some"
    assert records[5].attributes["duration_msec"] == 3000
    assert [r.count for r in records] == [1, 2, 3, 4, 5, 6]


def test_unknown_fields_are_ignored_but_kept_in_raw(tmp_path):
    w = RecordWriter()
    rec = w.start("a", "x", 0.0)
    rec["format_version"] = 9
    path = write_file(tmp_path / "r.jsonl", w.records)
    (record,) = read_records(path)
    assert record.raw["format_version"] == 9


def test_event_time_falls_back_to_timestamp_msec(tmp_path):
    rec = {
        "type": "event",
        "count": 1,
        "pid": 1,
        "span_id": "s",
        "event": {"name": "e", "attributes": {"timestamp_msec": 1_700_000_000_500}},
    }
    path = write_file(tmp_path / "r.jsonl", [rec])
    (record,) = read_records(path)
    assert record.event.seconds_since_epoch == pytest.approx(1_700_000_000.5)
    assert record.event.perf_counter_seconds is None


def test_torn_last_line_is_skipped_with_a_warning(tmp_path):
    w = training_records()
    whole = lines(w.records)
    extra = json.dumps(RecordWriter().start("z", "late", 9.0)).encode()
    path = tmp_path / "r.jsonl"
    path.write_bytes(whole + extra[: len(extra) // 2])

    reader = RecordReader(path)
    with pytest.warns(ReaderWarning, match=rf"{path}:{len(w.records) + 1}: skipped a torn record at end of file"):
        records = list(reader)
    assert len(records) == len(w.records)
    assert reader.report.torn_lines == [len(w.records) + 1]


@pytest.mark.parametrize("cut", [1, 2, 5, 17, 40, 80])
def test_any_cut_of_the_last_record_is_tolerated(tmp_path, cut):
    w = RecordWriter()
    w.start("a", "é-unicode-name", 0.0, note="ünïcödé ✓")
    w.stop("a", "é-unicode-name", 1.0)
    data = lines(w.records)
    path = tmp_path / "r.jsonl"
    path.write_bytes(data[: len(data) - cut - 1])
    with pytest.warns(ReaderWarning):
        records = list(read_records(path))
    assert len(records) == 1


def test_every_byte_cut_inside_a_multibyte_char_is_torn_not_corrupt(tmp_path):
    rec = json.dumps({"type": "start", "count": 1, "pid": 1, "id": "a", "name": "✓✓✓"}, ensure_ascii=False).encode()
    for cut in range(1, len(rec)):
        path = tmp_path / f"r{cut}.jsonl"
        path.write_bytes(rec[:cut])
        with pytest.warns(ReaderWarning, match="torn"):
            assert list(read_records(path)) == []


def test_last_complete_line_without_newline_is_a_record(tmp_path):
    w = training_records()
    path = tmp_path / "r.jsonl"
    path.write_bytes(lines(w.records)[:-1])
    assert len(list(read_records(path))) == len(w.records)


def test_torn_fragment_in_the_middle_after_restart_is_skipped_but_strict_refuses(tmp_path):
    first = json.dumps(RecordWriter().start("a", "x", 0.0)).encode()
    w = training_records()
    path = tmp_path / "r.jsonl"
    path.write_bytes(first[:30] + b"\n" + lines(w.records))
    reader = RecordReader(path)
    with pytest.warns(ReaderWarning, match=rf"{path}:1: .*middle"):
        assert len(list(reader)) == len(w.records)
    with pytest.raises(ReaderError, match=rf"^{path}:1: torn record"):
        list(read_records(path, strict=True))


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (b"this is not json", "not a JSON record"),
        (b'{"type": "start"} trailing', "not a JSON record"),
        (b"[1, 2, 3]", "not a JSON object but a JSON list"),
        (b'"a string"', "not a JSON object but a JSON str"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b'{"type": "start", "count": 1, "pid": 1, "id": "\xc3\x28"}', "not valid UTF-8"),
        (
            b'{"type": "start", "count": 2, "pid": 1, "name": "x", '
            b'"start_event": {"name": "s", "attributes": {"timestamp_msec": 1}}}',
            "malformed 'start' record: field 'id'",
        ),
        (
            b'{"type": "event", "count": true, "pid": 1, "span_id": "s", '
            b'"event": {"name": "e", "attributes": {"timestamp_msec": 1}}}',
            "field 'count'",
        ),
        (
            b'{"type": "event", "count": 1, "pid": 1, "span_id": "s", "event": {"name": "e", "attributes": {}}}',
            "no usable timestamp",
        ),
        (
            b'{"type": "stop", "count": 1, "pid": 1, "id": "s", "name": "n", "attributes": [], "stop_event": {}}',
            "'attributes' must be an object",
        ),
    ],
)
def test_corrupt_middle_line_raises_naming_path_and_line(tmp_path, bad_line, reason):
    w = training_records()
    path = tmp_path / "r.jsonl"
    path.write_bytes(lines(w.records[:3]) + bad_line + b"\n" + lines(w.records[3:]))
    with pytest.raises(ReaderError, match=rf"^{path}:4: .*{reason}") as info:
        list(read_records(path))
    assert isinstance(info.value, OneLoggerError)
    assert (info.value.path, info.value.line) == (str(path), 4)


def test_records_before_a_corrupt_line_are_delivered_lazily(tmp_path):
    w = training_records()
    path = tmp_path / "r.jsonl"
    path.write_bytes(lines(w.records[:2]) + b"garbage\n")
    got = []
    with pytest.raises(ReaderError):
        for r in read_records(path):
            got.append(r)
    assert len(got) == 2


def test_foreign_objects_are_skipped_and_counted_but_strict_refuses(tmp_path):
    w = training_records()
    path = tmp_path / "r.jsonl"
    path.write_bytes(
        lines(w.records[:1]) + b'{"hello": "world"}\n{"type": "future_kind", "count": 1}\n' + lines(w.records[1:])
    )
    reader = RecordReader(path)
    with pytest.warns(ReaderWarning) as captured:
        assert len(list(reader)) == len(w.records)
    assert reader.report.foreign_lines == [2, 3]
    assert any("no 'type' field" in str(c.message) for c in captured)
    assert any("unknown type 'future_kind'" in str(c.message) for c in captured)
    with pytest.raises(ReaderError, match=rf"^{path}:2: foreign JSON object"):
        list(read_records(path, strict=True))


def test_blank_lines_are_ignored(tmp_path):
    w = training_records()
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\n" + lines(w.records) + b"   \n")
    reader = RecordReader(path)
    assert len(list(reader)) == len(w.records)
    assert reader.report.blank_lines == 2


def test_nan_and_infinity_tokens_are_accepted(tmp_path):
    path = tmp_path / "r.jsonl"
    rec = RecordWriter().event("s", "metric", 0.0, a=float("nan"), b=float("inf"))
    path.write_text(json.dumps(rec) + "\n")
    (record,) = read_records(path)
    assert record.event.attributes["b"] == float("inf")


def test_missing_file_and_directory_raise_reader_error_naming_path(tmp_path):
    with pytest.raises(ReaderError, match=rf"^{tmp_path / 'nope.jsonl'}: cannot open"):
        list(read_records(tmp_path / "nope.jsonl"))
    with pytest.raises(ReaderError, match=rf"^{tmp_path}: "):
        list(read_records(tmp_path))


def test_on_warning_handler_receives_messages(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"x": 1}\n')
    messages = []
    assert list(read_records(path, on_warning=messages.append)) == []
    assert messages == [f"{path}:1: skipped a foreign JSON object that has no 'type' field"]


def test_rotated_files_are_ordered_oldest_first_and_live_file_last(tmp_path):
    base = tmp_path / "run.jsonl"
    names = [base.with_name("run.jsonl.10"), base, base.with_name("run.jsonl.2"), base.with_name("run.jsonl.1")]
    other = tmp_path / "other.jsonl"
    ordered = order_record_files([names[0], other, names[1], names[2], names[3], names[1]])
    assert [p.name for p in ordered] == ["run.jsonl.1", "run.jsonl.2", "run.jsonl.10", "run.jsonl", "other.jsonl"]
    for p in names:
        p.write_text("")
    (tmp_path / "run.jsonl.x").write_text("")
    assert [p.name for p in rotated_segments(base)] == ["run.jsonl.1", "run.jsonl.2", "run.jsonl.10"]


def test_read_record_files_concatenates_in_rotation_order(tmp_path):
    w = training_records()
    base = tmp_path / "run.jsonl"
    write_file(base.with_name("run.jsonl.1"), w.records[:4])
    write_file(base.with_name("run.jsonl.2"), w.records[4:8])
    write_file(base, w.records[8:])
    counts = [r.count for r in read_record_files([base, base.with_name("run.jsonl.2"), base.with_name("run.jsonl.1")])]
    assert counts == list(range(1, len(w.records) + 1))


_EVENT = {"name": "e", "attributes": {"timestamp_msec": 1}}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"type": "start", "id": "s", "name": 1}, "field 'name' must be a str, got 1"),
        (
            {"type": "start", "id": "s", "name": "n", "start_event": _EVENT, "parent_id": 3},
            "field 'parent_id' must be a string or null, got 3",
        ),
        ({"type": "stop", "id": "s", "name": "n", "attributes": {}}, "field 'stop_event' must be an object"),
        ({"type": "complete", "id": "s", "name": "n", "stop_event": _EVENT}, "field 'start_event' must be"),
        (
            {"type": "complete", "id": "s", "name": "n", "start_event": _EVENT, "parent_id": 3},
            "field 'stop_event' must be an object, got None",
        ),
        (
            {"type": "complete", "id": "s", "name": "n", "start_event": _EVENT, "stop_event": _EVENT, "parent_id": 3},
            "field 'parent_id' must be a string or null, got 3",
        ),
        ({"type": "event", "event": _EVENT}, "field 'span_id' must be a str, got None"),
        ({"type": "application_error", "span_id": "s"}, "field 'event' must be an object, got None"),
        ({"type": "telemetry_data_error", "event": _EVENT}, "field 'error' must be an object, got None"),
    ],
)
def test_a_malformed_record_names_its_first_bad_field(tmp_path, record, message):
    path = write_file(tmp_path / "r.jsonl", [dict(record, count=1, pid=1)])
    with pytest.raises(ReaderError, match=rf"^{path}:1: malformed '{record['type']}' record: {message}"):
        list(read_records(path))


def test_error_fields_that_are_not_strings_read_as_none(tmp_path):
    event = {"name": "e", "attributes": {"timestamp_msec": 1, "error_message": 7, "telemetry_data_error_type": []}}
    records = [
        {"type": "application_error", "count": 1, "pid": 1, "span_id": "s", "event": event},
        {"type": "telemetry_data_error", "count": 2, "pid": 1, "error": event},
    ]
    error, data_error = read_records(write_file(tmp_path / "r.jsonl", records))
    assert error.error_message is None
    assert (data_error.error_message, data_error.error_type) == (None, None)
