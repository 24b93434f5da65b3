"""The FileExporter's fast path (records encoded straight to lines) against the dict path it replaces.

The base class hands a line writer each record as a line built from pieces; any other exporter gets dicts. Both
must describe the same records: every line must be byte-identical to the reference encoding
(``json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))``, non-finite floats as strings)
of the dict the same calls produce on the dict path.
"""

import json
import math
import os

import pytest

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter
from nv_one_logger.exporter.exporter import ExportError
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.exporter.json_line import encode_value, non_finite_to_str

REFERENCE = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def reference_line(record):
    try:
        return REFERENCE.encode(record)
    except ValueError:
        return REFERENCE.encode(non_finite_to_str(record))


class DictExporter(BaseJsonExporter):
    def __init__(self, merge_start_stop=True):
        super().__init__(merge_start_stop=merge_start_stop)
        self.records = []

    def _write(self, json_dict):
        self.records.append(json.loads(json.dumps(json_dict)))


class DictFileExporter(FileExporter):
    """Overrides _write again, so the base class hands it dicts (like tests/reliability's reporting exporter)."""

    seen = 0

    def _write(self, json_dict):
        self.seen += 1
        super()._write(json_dict)


def ts(offset):
    return TracingTimestamp(1_767_225_600.123456 + offset, 5061.000123 + offset)


def scenario(exporter):
    """A bit of everything: nesting, merging and not, events, errors, odd values, a telemetry data error."""
    root = Span.create("application", span_attributes=Attributes({"app": "d\u00e9mo \u8bad\u7ec3"}), start_time=ts(0))
    exporter.export_start(root)
    leaf = Span.create("data_load", parent_span=root, span_attributes=Attributes({"shard": 3}), start_time=ts(1))
    exporter.export_start(leaf)
    leaf.stop(stop_time=ts(1.5))
    exporter.export_stop(leaf)  # merged into complete (when merging)
    loop = Span.create("loop", parent_span=root, start_time=ts(2))
    exporter.export_start(loop)
    values = {
        "nan": math.nan,
        "inf": math.inf,
        "ninf": -math.inf,
        "big": 10**30,
        "neg": -1.5e-300,
        "list": [1.0, 2.5],
        "flags": [True, False],
        "strs": ["a\nb", "\ud800"],
        "empty": [],
        "t": True,
    }
    exporter.export_event(Event("metrics", ts(2.5), Attributes(values)), loop)
    exporter.export_error(ErrorEvent(ts(2.7), "loss is NaN", "ValueError", "nan loss", "Traceback ...\n  x\n"), loop)
    loop.add_attribute("late", "yes")
    loop.stop(stop_time=ts(3))
    exporter.export_stop(loop)
    weird = Span.create('weird "quoted" \\ name', parent_span=root, start_time=ts(3.5))
    exporter.export_start(weird)
    exporter.export_telemetry_data_error(
        TelemetryDataError(ts(3.7), TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost 5")
    )
    weird.stop(stop_time=ts(4))
    exporter.export_stop(weird)
    bare = Span.create("bare", start_time=ts(5), parent_span=root)
    exporter.export_start(bare)
    exporter.export_event(Event("no_attributes", ts(5.5), None), bare)
    bare.stop(stop_time=ts(6))
    exporter.export_stop(bare)
    root.stop(stop_time=ts(7))
    exporter.export_stop(root)


@pytest.mark.parametrize("merge", [True, False])
def test_lines_are_byte_identical_to_the_reference_encoding_of_the_dict_records(tmp_path, merge):
    dicts = DictExporter(merge_start_stop=merge)
    lines = FileExporter(tmp_path / "lines.jsonl", merge_start_stop=merge)
    assert lines._lines and not dicts._lines
    for exporter in (dicts, lines):
        exporter.initialize()
        scenario(exporter)
        exporter.close()
    written = (tmp_path / "lines.jsonl").read_bytes().decode("ascii").splitlines()
    # Spans differ between the two runs (ids), so compare with the ids of each run masked out.
    # The identity header first, then the telemetry records.
    assert len(written) == len(dicts.records) == (14 if merge else 15)
    assert dicts.records[0]["type"] == json.loads(written[0])["type"] == "identity"
    for line, record in zip(written, dicts.records):
        parsed = json.loads(line)
        for key in ("id", "span_id", "parent_id"):
            if parsed.get(key):
                parsed[key] = record[key] = "ID"
        assert parsed["pid"] == record["pid"] == os.getpid()
        assert reference_line(parsed) == reference_line(record)
        assert line == reference_line(json.loads(line))  # the line itself is the reference encoding


def test_same_spans_give_the_same_bytes_on_both_paths(tmp_path):
    """Exporting the very same span objects through the dict path and the line path writes identical files."""
    fast = FileExporter(tmp_path / "fast.jsonl")
    slow = DictFileExporter(tmp_path / "slow.jsonl")
    assert fast._lines and not slow._lines
    fast.initialize()
    slow.initialize()

    class Both:
        def __getattr__(self, name):
            def call(*args):
                getattr(fast, name)(*args)
                getattr(slow, name)(*args)

            return call

    scenario(Both())
    fast.close()
    slow.close()
    assert slow.seen == 14  # the identity header + 13 records
    assert (tmp_path / "fast.jsonl").read_bytes() == (tmp_path / "slow.jsonl").read_bytes()


def test_encode_value_matches_the_reference_encoder():
    for value in [{"a": 1, "b": [1.5, "x"], "c": {"d": None}}, "\u00e9\ud800\n", 1.0, 10**20, [], {}, {1: "int key"}]:
        assert encode_value(value) == REFERENCE.encode(value)
    assert encode_value({"x": [math.nan, -math.inf]}) == '{"x":["NaN","-Infinity"]}'
    with pytest.raises(TypeError):
        encode_value({"bad": object()})


class OddEvent(Event):
    """An event class whose JSON form is its own: the line path must use its to_json()."""

    def to_json(self):
        data = super().to_json()
        data["extra"] = ("tuple", 1)
        return data


class UnencodableEvent(Event):
    def to_json(self):
        return {"name": "bad", "payload": object()}


def test_an_event_subclass_with_its_own_to_json_is_written_as_it_says(tmp_path):
    path = tmp_path / "odd.jsonl"
    exporter = FileExporter(path)
    exporter.initialize()
    span = Span.create("s", start_time=ts(0))
    exporter.export_start(span)
    exporter.export_event(OddEvent("odd", ts(0.5)), span)
    exporter.close()
    _identity, _start, event = [json.loads(line) for line in path.read_text().splitlines()]
    assert event["event"]["extra"] == ["tuple", 1]
    assert event["event"]["attributes"]["timestamp_msec"] == 1_767_225_600_623


def test_a_record_that_is_not_json_keeps_its_count_and_names_the_path(tmp_path):
    path = tmp_path / "bad.jsonl"
    exporter = FileExporter(path)
    exporter.initialize()
    span = Span.create("s", start_time=ts(0))
    exporter.export_start(span)
    with pytest.raises(ExportError, match=r"record 2 for .*bad\.jsonl is not JSON"):
        exporter.export_event(UnencodableEvent("bad", ts(0.5)), span)
    exporter.export_event(Event("good", ts(0.6)), span)
    exporter.close()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["type"], r["count"]) for r in records] == [("identity", 0), ("start", 1), ("event", 3)]  # gap: loss
