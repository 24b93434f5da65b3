import json
from enum import Enum

import pytest

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, StandardEventName, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.str_enum import StrEnum
from nv_one_logger.core.time import TracingTimestamp

TS = TracingTimestamp(1_700_000_000.25, 42.0)


class MyEvents(Enum):
    SAVED = "saved"


class EventAttributes(Attributes):
    pass


class MyFloat(float):
    pass


class _AnyInt:
    def __eq__(self, other: object) -> bool:
        return type(other) is int


ANY_INT = _AnyInt()


def json_round_trip(data):
    return json.loads(json.dumps(data))


def test_constructor_adds_timestamp_msec_without_touching_input():
    given = Attributes({"a": 1})
    event = Event("my_event", TS, given)
    assert event.attributes.to_json() == {"a": 1, "timestamp_msec": 1_700_000_000_250}
    assert given.to_json() == {"a": 1}
    assert event.name == "my_event" and event.name_str == "my_event" and event.timestamp is TS


def test_attributes_subclass_is_kept():
    event = Event("e", TS, EventAttributes({"x": 1}))
    assert type(event.attributes) is EventAttributes


def test_create_stamps_now():
    before = TracingTimestamp.now()
    event = Event.create("e", Attributes({"k": "v"}))
    assert event.timestamp.perf_counter_seconds >= before.perf_counter_seconds
    assert event.attributes.get_str_value("k") == "v"
    assert Event.create("e", timestamp=TS).timestamp is TS


def test_enum_names():
    event = Event(MyEvents.SAVED, TS)
    assert event.name is MyEvents.SAVED
    assert event.name_str == "saved"
    std = Event(StandardEventName.SPAN_START, TS)
    assert std.name_str == "span_start" and type(std.name_str) is str


@pytest.mark.parametrize("name", ["", "  ", None, 5, b"x"])
def test_bad_names_rejected(name):
    with pytest.raises(OneLoggerError, match="Event name"):
        Event(name, TS)


def test_bad_timestamp_and_attributes_rejected():
    with pytest.raises(OneLoggerError, match="TracingTimestamp"):
        Event("e", 1700000000.0)  # type: ignore[arg-type]
    with pytest.raises(OneLoggerError, match="attributes"):
        Event("e", TS, ["a"])  # type: ignore[arg-type]
    with pytest.raises(OneLoggerError, match="'k'"):
        Event("e", TS, {"k": None})  # type: ignore[arg-type]


def test_value_equality_and_hash():
    a = Event("e", TS, Attributes({"x": 1}))
    b = Event("e", TS, Attributes({"x": 1}))
    assert a == b and hash(a) == hash(b)
    assert a != Event("e", TS, Attributes({"x": 2}))
    assert a != Event("f", TS, Attributes({"x": 1}))
    assert a != Event("e", TracingTimestamp(1.0, 1.0), Attributes({"x": 1}))


def test_to_json_and_round_trip():
    event = Event("e", TS, Attributes({"l": ["a", "b"], "f": 0.5}))
    data = event.to_json()
    assert data == {
        "name": "e",
        "timestamp": {"seconds_since_epoch": 1_700_000_000.25, "perf_counter_seconds": 42.0},
        "attributes": {"l": ["a", "b"], "f": 0.5, "timestamp_msec": 1_700_000_000_250},
    }
    restored = Event.from_json(json_round_trip(data))
    assert type(restored) is Event and restored == event


def test_from_json_without_timestamp_uses_timestamp_msec():
    restored = Event.from_json({"name": "e", "attributes": {"timestamp_msec": 1_700_000_000_250, "x": 1}})
    assert restored.timestamp.seconds_since_epoch == 1_700_000_000.25
    assert restored.attributes.get_int_value("x") == 1
    with pytest.raises(OneLoggerError, match="timestamp"):
        Event.from_json({"name": "e", "attributes": {}})


@pytest.mark.parametrize("bad", [None, [], {"attributes": {}}, {"name": "", "timestamp": TS.to_json()}])
def test_from_json_rejects_bad_input(bad):
    with pytest.raises(OneLoggerError):
        Event.from_json(bad)


def test_error_event_fields_and_attributes():
    event = ErrorEvent(TS, "it broke", "ValueError", "bad value", "Traceback...", Attributes({"extra": 1}))
    assert event.name == "error" and event.name_str == "error"
    assert event.error_message == "it broke"
    assert (event.exception_type, event.exception_message, event.exception_traceback) == (
        "ValueError",
        "bad value",
        "Traceback...",
    )
    assert event.attributes.to_json() == {
        "extra": 1,
        "error_message": "it broke",
        "exception_type": "ValueError",
        "exception_message": "bad value",
        "exception_traceback": "Traceback...",
        "timestamp_msec": 1_700_000_000_250,
    }


def test_error_event_without_exception_has_only_message():
    event = ErrorEvent.create("plain")
    assert event.exception_type is None and event.exception_message is None and event.exception_traceback is None
    assert set(event.attributes.to_json()) == {"error_message", "timestamp_msec"}


def test_error_event_create_from_raised_exception():
    def fail():
        raise KeyError("missing")

    try:
        fail()
    except KeyError as exc:
        event = ErrorEvent.create("lookup failed", exc)
    assert event.exception_type == "KeyError"
    assert event.exception_message == "'missing'"
    assert event.exception_traceback is not None
    assert "in fail" in event.exception_traceback and "KeyError" in event.exception_traceback


def test_error_event_create_with_explicit_traceback_and_unraised_exception():
    event = ErrorEvent.create("x", RuntimeError("boom"), exception_traceback="tb")
    assert event.exception_traceback == "tb"
    assert ErrorEvent.create("x", RuntimeError("boom")).exception_traceback is None


def test_error_event_survives_unprintable_exception():
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no")

    event = ErrorEvent.create("x", Weird())
    assert event.exception_message == "<unprintable Weird>"


def test_error_event_rejects_bad_message():
    with pytest.raises(OneLoggerError, match="error_message"):
        ErrorEvent(TS, None)  # type: ignore[arg-type]
    with pytest.raises(OneLoggerError, match="exception_type"):
        ErrorEvent(TS, "m", exception_type=5)  # type: ignore[arg-type]


def test_error_event_json_round_trip():
    event = ErrorEvent(TS, "it broke", "ValueError", "bad", "tb", Attributes({"extra": [1, 2]}))
    restored = Event.from_json(json_round_trip(event.to_json()))
    assert type(restored) is ErrorEvent
    assert restored == event
    assert restored.error_message == "it broke" and restored.exception_traceback == "tb"
    assert restored.attributes.get_int_value("timestamp_msec") == 1_700_000_000_250
    assert ErrorEvent.from_json(event.to_json()) == event


def test_error_event_to_json_has_the_2_3_1_top_level_fields():
    with_exception = ErrorEvent(TS, "it broke", "ValueError", "bad", "tb").to_json()
    assert with_exception["error_message"] == "it broke"
    assert (with_exception["exception_type"], with_exception["exception_message"]) == ("ValueError", "bad")
    assert with_exception["exception_traceback"] == "tb"
    plain = ErrorEvent(TS, "no exception").to_json()
    assert plain["error_message"] == "no exception"
    assert not {"exception_type", "exception_message", "exception_traceback"} & set(plain)


def test_error_event_from_json_reads_the_top_level_fields():
    data = {"name": "error", "timestamp": TS.to_json(), "attributes": {}, "error_message": "top"}
    data.update(exception_type="KeyError", exception_message="'k'", exception_traceback="tb")
    restored = Event.from_json(data)
    assert isinstance(restored, ErrorEvent) and restored.error_message == "top"
    assert (restored.exception_type, restored.exception_message, restored.exception_traceback) == (
        "KeyError",
        "'k'",
        "tb",
    )
    assert restored.attributes.get_str_value("exception_type") == "KeyError"


def test_telemetry_data_error_to_json_and_back_with_top_level_fields():
    error = TelemetryDataError(TS, TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "down")
    data = error.to_json()
    assert data["error_type"] == "no_telemetry_data" and data["error_message"] == "down"
    only_top = {"name": "telemetry_data_error", "timestamp": TS.to_json(), "attributes": {}}
    only_top.update(error_type="incomplete_telemetry_data", error_message="partial")
    restored = Event.from_json(only_top)
    assert isinstance(restored, TelemetryDataError)
    assert restored.error_type is TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
    assert restored.error_message == "partial"


def test_telemetry_data_error():
    error = TelemetryDataError(
        TS, TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "exporter down", Attributes({"n": 1})
    )
    assert error.name == "telemetry_data_error"
    assert error.error_type is TelemetryDataError.ErrorType.NO_TELEMETRY_DATA
    assert error.error_message == "exporter down"
    assert error.attributes.to_json() == {
        "n": 1,
        "error_message": "exporter down",
        "telemetry_data_error_type": "no_telemetry_data",
        "timestamp_msec": 1_700_000_000_250,
    }
    created = TelemetryDataError.create("incomplete_telemetry_data", "partial")  # type: ignore[arg-type]
    assert created.error_type is TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA


def test_telemetry_data_error_rejects_unknown_type():
    with pytest.raises(OneLoggerError, match="no_telemetry_data"):
        TelemetryDataError.create("sort_of_broken", "x")  # type: ignore[arg-type]
    with pytest.raises(OneLoggerError, match="error_message"):
        TelemetryDataError.create(TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, None)  # type: ignore[arg-type]


def test_telemetry_data_error_json_round_trip():
    error = TelemetryDataError(TS, TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost some")
    restored = Event.from_json(json_round_trip(error.to_json()))
    assert type(restored) is TelemetryDataError and restored == error
    assert restored.error_type is TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
    with pytest.raises(OneLoggerError, match="telemetry_data_error_type"):
        Event.from_json({"name": "telemetry_data_error", "timestamp": TS.to_json(), "attributes": {}})


def test_event_subclasses_are_not_equal_to_plain_events():
    error = ErrorEvent(TS, "m")
    plain = Event("error", TS, Attributes({"error_message": "m"}))
    assert error != plain


class _Key(StrEnum):
    LOSS = "loss"


def test_create_from_a_plain_dict_copies_it_and_stores_plain_values():
    given = {"loss": 0.25, "step": 1, "ok": True, "tag": "a"}
    event = Event.create("metrics", given)
    given["loss"] = 9.0
    given["extra"] = 1
    assert event.attributes_json() == {"loss": 0.25, "step": 1, "ok": True, "tag": "a", "timestamp_msec": ANY_INT}
    values = [1, 2]
    listed = Event.create("metrics", {_Key.LOSS: MyFloat(0.5), "values": values})  # normalized, list copied
    values.append(3)
    data = listed.attributes_json()
    assert data["values"] == [1, 2]
    assert type(data["loss"]) is float and all(type(key) is str for key in data)


@pytest.mark.parametrize(
    ("attributes", "match"),
    [({"k": None}, "'k'"), ({"": 1}, "name"), ({" ": 1}, "name"), ({5: 1}, "name"), ({"k": [1, "a"]}, "'k'")],
)
def test_create_validates_a_plain_dict_like_the_constructor(attributes, match):
    with pytest.raises(OneLoggerError, match=match):
        Event.create("metrics", attributes)
    with pytest.raises(OneLoggerError, match=match):
        Event("metrics", TS, attributes)


@pytest.mark.parametrize("name", ["", "  ", None, 5])
def test_create_rejects_bad_names(name):
    with pytest.raises(OneLoggerError, match="Event name"):
        Event.create(name, {"k": 1})
