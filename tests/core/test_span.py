import json
import time
import uuid
from enum import Enum

import pytest

from nv_one_logger.core.attributes import Attribute, Attributes
from nv_one_logger.core.event import ErrorEvent, Event, StandardEventName
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import DEFAULT_MAX_RETAINED_EVENTS, Span, StandardSpanName
from nv_one_logger.core.time import Timer, TracingTimestamp


class SpanAttributes(Attributes):
    pass


class MySpans(Enum):
    TRAIN = "train"


@pytest.fixture
def restore_retention():
    yield
    Span.set_max_retained_events(DEFAULT_MAX_RETAINED_EVENTS)


def ts(offset: float) -> TracingTimestamp:
    return TracingTimestamp(1_700_000_000.0 + offset, 1000.0 + offset)


def test_create_makes_id_and_start_event():
    parent = Span.create(StandardSpanName.APPLICATION)
    span = Span.create(
        "child",
        parent_span=parent,
        span_attributes=Attributes({"a": 1}),
        start_event_attributes=Attributes({"s": "x"}),
        start_time=ts(0),
    )
    assert isinstance(span.id, uuid.UUID) and span.id.version == 4 and span.id != parent.id
    assert span.name == "child" and span.name_str == "child"
    assert span.parent_span is parent and span.parent_id == parent.id
    assert parent.parent_span is None and parent.parent_id is None
    assert span.start_event.name == StandardEventName.SPAN_START
    assert span.start_event.timestamp == ts(0)
    assert span.start_event.attributes.to_json() == {"s": "x", "timestamp_msec": 1_700_000_000_000}
    assert span.events == [span.start_event]
    assert span.active and span.stop_event is None
    assert span.attributes.to_json() == {"a": 1}
    assert span.updated_attributes == Attributes()


def test_enum_name():
    span = Span.create(MySpans.TRAIN)
    assert span.name is MySpans.TRAIN and span.name_str == "train"
    assert Span.create(StandardSpanName.APPLICATION).name_str == "application"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"id": "not-a-uuid"}, "uuid"),
        ({"name": ""}, "blank"),
        ({"name": None}, "Span name"),
        ({"start_event": "x"}, "start_event"),
        ({"parent_span": "x"}, "parent_span"),
        ({"span_attributes": [1]}, "attributes"),
    ],
)
def test_constructor_validation(kwargs, fragment):
    args: dict = {"id": uuid.uuid4(), "name": "s", "start_event": Event(StandardEventName.SPAN_START, ts(0))}
    args.update(kwargs)
    with pytest.raises(OneLoggerError, match=fragment):
        Span(**args)


def test_stop_adds_event_and_duration_from_perf_counter():
    span = Span.create("s", start_time=ts(0))
    span.stop(stop_event_attributes=Attributes({"why": "done"}), stop_time=TracingTimestamp(1_700_000_099.0, 1001.5))
    assert not span.active
    assert span.stop_event is not None and span.stop_event.name == "span_stop"
    assert span.stop_event.attributes.get_str_value("why") == "done"
    assert span.events[-1] is span.stop_event and span.events[0] is span.start_event
    # Wall clock says 99 s (an NTP step); the perf counter says 1.5 s, and that is what counts.
    assert span.duration_msec() == 1500
    assert span.attributes.get_int_value("duration_msec") == 1500
    assert span.updated_attributes.to_json() == {"duration_msec": 1500}


def test_stop_twice_is_a_no_op():
    span = Span.create("s", start_time=ts(0))
    span.stop(stop_time=ts(1))
    first_stop = span.stop_event
    span.stop(stop_time=ts(5))
    assert span.stop_event is first_stop and span.duration_msec() == 1000


def test_stop_before_start_rejected():
    span = Span.create("s", start_time=ts(10))
    with pytest.raises(OneLoggerError, match="before its start"):
        span.stop(stop_time=ts(5))
    assert span.active
    with pytest.raises(OneLoggerError, match="TracingTimestamp"):
        span.stop(stop_time=123.0)  # type: ignore[arg-type]


def test_duration_of_active_span_raises():
    with pytest.raises(OneLoggerError, match="still active"):
        Span.create("s").duration_msec()


def test_real_clock_duration_is_non_negative_int():
    span = Span.create("s")
    time.sleep(0.005)
    span.stop()
    assert type(span.duration_msec()) is int and span.duration_msec() >= 4


def test_add_event_and_order():
    span = Span.create("s")
    events = [Event.create(f"e{i}") for i in range(3)]
    for event in events:
        assert span.add_event(event) is event  # returned, as in 2.3.1
    error = ErrorEvent.create("bad")
    assert span.add_event(error) is error
    span.stop()
    assert span.events == [span.start_event, *events, error, span.stop_event]


def test_add_event_to_stopped_span_raises():
    span = Span.create("s")
    span.stop()
    with pytest.raises(OneLoggerError, match=r"^Cannot add an event to a span that is not running\..*stopped span 's'"):
        span.add_event(Event.create("late"))
    with pytest.raises(OneLoggerError, match="Event"):
        Span.create("t").add_event("not an event")  # type: ignore[arg-type]


def test_events_list_is_a_copy():
    span = Span.create("s")
    span.events.append(Event.create("x"))
    assert len(span.events) == 1


def test_million_events_keep_memory_bounded():
    span = Span.create("long")
    event = Event.create("tick")
    for _ in range(1_000_000):
        span.add_event(event)
    assert len(span.events) <= DEFAULT_MAX_RETAINED_EVENTS + 2
    assert span.dropped_events_count == 1_000_000 - DEFAULT_MAX_RETAINED_EVENTS
    span.stop()
    assert len(span.events) == DEFAULT_MAX_RETAINED_EVENTS + 2
    assert span.events[0] is span.start_event and span.events[-1] is span.stop_event


def test_retention_keeps_most_recent_and_is_configurable(restore_retention):
    Span.set_max_retained_events(3)
    span = Span.create("s")
    events = [Event.create(f"e{i}") for i in range(10)]
    for event in events:
        span.add_event(event)
    assert span.events[1:] == events[-3:]
    assert span.dropped_events_count == 7
    Span.set_max_retained_events(0)
    none_kept = Span.create("t")
    none_kept.add_event(events[0])
    assert none_kept.events == [none_kept.start_event] and none_kept.dropped_events_count == 1
    with pytest.raises(OneLoggerError):
        Span.set_max_retained_events(-1)


def test_attribute_layers_and_subclass():
    initial = SpanAttributes({"a": 1, "b": 2})
    span = Span.create("s", span_attributes=initial)
    assert type(span.attributes) is SpanAttributes
    assert span.add_attribute("b", 20) == Attribute("b", 20)
    span.add_attributes(Attributes({"c": "x"}))
    assert span.attributes.to_json() == {"a": 1, "b": 20, "c": "x"}
    assert type(span.attributes) is SpanAttributes
    assert type(span.updated_attributes) is SpanAttributes
    assert span.updated_attributes.to_json() == {"b": 20, "c": "x"}
    assert initial.to_json() == {"a": 1, "b": 2}  # the caller's object is not changed
    with pytest.raises(OneLoggerError, match="'d'"):
        span.add_attribute("d", None)  # type: ignore[arg-type]


def test_equality_by_id():
    span = Span.create("s")
    same_id = Span(span.id, "other", span.start_event)
    assert span == same_id and hash(span) == hash(same_id)
    assert span != Span.create("s")


def test_json_round_trip_of_stopped_span():
    parent = Span.create("parent")
    span = Span.create("s", parent_span=parent, span_attributes=Attributes({"a": 1, "b": 1}), start_time=ts(0))
    span.add_event(Event("e", ts(0.5), Attributes({"l": [1.5]})))
    span.add_event(ErrorEvent(ts(0.6), "bad", "ValueError", "m", "tb"))
    span.add_attribute("b", 2)
    span.stop(stop_time=ts(2))
    data = json.loads(json.dumps(span.to_json()))
    assert data["id"] == str(span.id) and data["parent_id"] == str(parent.id)
    assert data["attributes"] == {"a": 1, "b": 2, "duration_msec": 2000}
    assert data["updated_attributes"] == {"b": 2, "duration_msec": 2000}
    assert [e["name"] for e in data["events"]] == ["e", "error"]
    restored = Span.from_json(data)
    assert restored.to_json() == data
    assert restored == span and restored.parent_id == parent.id and restored.parent_span is None
    assert restored.events == span.events
    assert type(restored.events[2]) is ErrorEvent
    assert not restored.active and restored.duration_msec() == 2000


def test_json_round_trip_of_active_span():
    span = Span.create("s", start_time=ts(0))
    data = span.to_json()
    assert data["stop_event"] is None
    restored = Span.from_json(data)
    assert restored.active and restored.to_json() == data


@pytest.mark.parametrize("bad", [None, [], {}, {"id": "nope", "name": "s"}])
def test_from_json_rejects_bad_input(bad):
    with pytest.raises(OneLoggerError):
        Span.from_json(bad)


def test_timer_alias_reflects_the_span_run_time():
    start = TracingTimestamp(1_700_000_000.0, 50.0)
    span = Span.create("s", start_time=start)
    assert span._timer.running
    span.stop(stop_time=TracingTimestamp(1_700_000_002.5, 52.5))
    timer = span._timer
    assert isinstance(timer, Timer) and not timer.running
    assert timer.elapsed_seconds == 2.5
