import json
import logging
import uuid

import pytest

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.logger_exporter import LoggerExporter, flatten_record, format_record


@pytest.fixture
def logger():
    return logging.getLogger(f"test_logger_exporter.{uuid.uuid4().hex}")


def parse_line(line):
    assert line.startswith("[") and line.endswith("]")
    pairs = {}
    for part in line[1:-1].split(" | "):
        key, _, value = part.partition("=")
        pairs[key] = json.loads(value)
    return pairs


def test_flatten_nested_dicts_with_dotted_keys():
    record = {"type": "x", "a": {"b": {"c": 1}, "d": [1, 2]}, "empty": {}, "none": None}
    assert list(flatten_record(record)) == [("type", "x"), ("a.b.c", 1), ("a.d", [1, 2]), ("empty", {}), ("none", None)]


def test_format_record_json_encodes_values():
    line = format_record({"type": "event", "count": 2, "e": {"msg": 'say "hi"\nbye', "ok": True, "f": 1.5}})
    assert line == '[type="event" | count=2 | e.msg="say \\"hi\\"\\nbye" | e.ok=true | e.f=1.5]'
    assert "\n" not in line


def test_line_format(logger, caplog):
    caplog.set_level(logging.INFO, logger=logger.name)
    exporter = LoggerExporter(logger)
    exporter.initialize()
    span = Span.create("train", span_attributes=Attributes({"lr": 0.1}))
    exporter.export_start(span)
    event = Event("loss", TracingTimestamp(1_700_000_000.0, 1.0), Attributes({"v": [1.5, 2.5]}))
    exporter.export_event(event, span)
    span.stop()
    exporter.export_stop(span)
    exporter.close()
    assert [r.levelno for r in caplog.records] == [logging.INFO] * 3
    assert all(r.name == logger.name for r in caplog.records)
    start, ev, stop = (parse_line(r.getMessage()) for r in caplog.records)
    assert start["type"] == "start" and start["count"] == 1 and start["id"] == str(span.id)
    assert start["attributes.lr"] == 0.1 and start["start_event.name"] == "span_start"
    assert ev == {
        "type": "event",
        "count": 2,
        "pid": ev["pid"],
        "span_id": str(span.id),
        "event.name": "loss",
        "event.timestamp.seconds_since_epoch": 1_700_000_000.0,
        "event.timestamp.perf_counter_seconds": 1.0,
        "event.attributes.v": [1.5, 2.5],
        "event.attributes.timestamp_msec": 1_700_000_000_000,
    }
    assert stop["type"] == "stop" and stop["attributes.duration_msec"] == span.duration_msec()


def test_complete_record_line(logger, caplog):
    caplog.set_level(logging.INFO, logger=logger.name)
    exporter = LoggerExporter(logger)
    exporter.initialize()
    span = Span.create("leaf")
    exporter.export_start(span)
    assert caplog.records == []  # held back until its stop
    span.stop()
    exporter.export_stop(span)
    (record,) = caplog.records
    assert parse_line(record.getMessage())["type"] == "complete"


def test_logger_by_name_and_validation(caplog):
    name = f"by_name.{uuid.uuid4().hex}"
    caplog.set_level(logging.INFO, logger=name)
    exporter = LoggerExporter(logger_name=name, merge_start_stop=False)
    assert exporter.logger.name == name
    exporter.initialize()
    exporter.export_start(Span.create("s"))
    assert len(caplog.records) == 1
    assert LoggerExporter().logger.name == LoggerExporter.DEFAULT_LOGGER_NAME
    with pytest.raises(OneLoggerError, match=r"logging\.Logger"):
        LoggerExporter(42)  # type: ignore[arg-type]
    with pytest.raises(OneLoggerError, match="logger"):
        LoggerExporter("  ")
    with pytest.raises(OneLoggerError, match="not both"):
        LoggerExporter(name, logger_name=name)


def test_logger_given_as_a_name_like_2_3_1(caplog):
    name = f"positional.{uuid.uuid4().hex}"
    caplog.set_level(logging.INFO, logger=name)
    exporter = LoggerExporter(logger=name)
    assert exporter.logger is logging.getLogger(name)
    exporter.initialize()
    exporter.export_event(Event.create("e"), Span.create("s"))
    assert [record.name for record in caplog.records] == [name]
    assert parse_line(caplog.records[0].getMessage())["type"] == "event"


def test_disabled_level_writes_nothing_but_counts(logger, caplog):
    logger.setLevel(logging.WARNING)
    exporter = LoggerExporter(logger)
    exporter.initialize()
    exporter.export_event(Event.create("e"), Span.create("s"))
    assert caplog.records == [] and exporter.count == 1


def reference_format_record(record):
    """The original implementation (json.dumps per leaf), kept to pin the line format byte for byte."""
    parts = [
        f"{key}={json.dumps(value, ensure_ascii=False, separators=(',', ':'), default=str)}"
        for key, value in flatten_record(record)
    ]
    return "[" + " | ".join(parts) + "]"


def test_format_record_is_byte_identical_to_json_dumps_per_leaf():
    import math
    from collections import OrderedDict

    records = [
        {
            "type": "event",
            "count": 7,
            "pid": 1,
            "s": 'd\u00e9mo \u8bad\u7ec3 \ud800 "q" \n',
            "i": -(10**30),
            "b": False,
            "n": None,
            "f": [0.1, math.nan, math.inf, -math.inf],
            "e": {},
            "deep": {"a": {"b": {"c": 1.5, "t": True}}, "l": ["x", "y"]},
            "odd": OrderedDict([("k", 1)]),
            "obj": ValueError("not JSON"),
            3: "int key",
        },
        {"type": "complete", "attributes": {"step": 1, "phase": "train", "duration_msec": 0}},
    ]
    for record in records:
        assert format_record(record) == reference_format_record(record)


@pytest.mark.parametrize("bad", [5, "", "  ", ["a"]])
def test_logger_name_must_be_a_string(bad):
    with pytest.raises(OneLoggerError, match="LoggerExporter logger_name must be a non-empty string"):
        LoggerExporter(logger_name=bad)


@pytest.mark.parametrize("bad", [5, logging.LoggerAdapter(logging.getLogger("a"), {})])
def test_logger_must_be_a_logger(bad):
    with pytest.raises(OneLoggerError, match=r"LoggerExporter logger must be a logging\.Logger, a logger name or None"):
        LoggerExporter(bad)


def test_logger_and_logger_name_together_are_refused():
    with pytest.raises(OneLoggerError, match="logger or logger_name, not both"):
        LoggerExporter(logging.getLogger("a"), logger_name="b")


@pytest.mark.parametrize("bad", ["no", 0])
def test_merge_start_stop_must_be_a_bool(bad):
    with pytest.raises(OneLoggerError, match="LoggerExporter merge_start_stop must be True or False"):
        LoggerExporter(merge_start_stop=bad)
