"""Spans and events store plain values and build their public objects on first read: the two views agree.

These tests pin down what the hot-path redesign (docs/performance.md, "Hot path design") must not change:
values read before and after building ``Attributes``/``Event``/``UUID`` objects, changes made through
either view, subclasses, and id uniqueness across a fork.
"""

import os
import uuid

import pytest

from nv_one_logger.core._ids import new_span_id_int, uuid_str
from nv_one_logger.core.attributes import Attribute, Attributes
from nv_one_logger.core.event import Event, StandardEventName
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp


class _MyAttributes(Attributes):
    pass


def test_span_ids_are_version_4_uuids_and_id_str_matches_str_of_id():
    spans = [Span.create("s") for _ in range(200)]
    assert len({span.id for span in spans}) == 200
    for span in spans:
        assert span.id.version == 4 and span.id.variant == uuid.RFC_4122
        assert span.id_str == str(span.id)
        assert span.id_int == span.id.int
        assert hash(span) == hash(span.id)


def test_uuid_str_is_the_canonical_form():
    for _ in range(100):
        value = new_span_id_int()
        assert uuid_str(value) == str(uuid.UUID(int=value))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_draws_different_ids_than_its_parent():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        os.write(write_end, b"%032x" % new_span_id_int())
        os._exit(0)
    os.close(write_end)
    child_id = int(os.read(read_end, 64), 16)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child_id != new_span_id_int()


def test_attributes_added_before_and_after_reading_agree():
    span = Span.create("s", span_attributes=_MyAttributes({"a": 1}))
    span.add_attribute("b", "x")
    attributes = span.attributes
    assert type(attributes) is _MyAttributes
    assert attributes.to_json() == {"a": 1, "b": "x"}
    span.add_attribute("c", [1.5])
    span.stop()
    assert attributes is span.attributes  # the same live object
    assert set(attributes) == {"a", "b", "c", "duration_msec"}
    assert span.updated_attributes.to_json() == {"b": "x", "c": [1.5], "duration_msec": span.duration_msec()}
    assert type(span.updated_attributes) is _MyAttributes


def test_a_change_made_to_the_built_attributes_object_is_what_is_exported():
    span = Span.create("s", span_attributes={"a": 1})
    span.attributes.add("z", True)
    assert span.to_json()["attributes"] == {"a": 1, "z": True}
    assert span.attributes_json() == {"a": 1, "z": True}


def test_attributes_json_is_a_copy():
    span = Span.create("s", span_attributes={"lst": [1, 2]})
    span.attributes_json()["lst"].append(3)
    assert span.attributes.to_json() == {"lst": [1, 2]}


def test_lazily_built_events_equal_eagerly_built_ones():
    start = TracingTimestamp.now()
    span = Span.create("s", start_event_attributes={"phase": "warmup"}, start_time=start)
    assert span.start_event == Event(StandardEventName.SPAN_START, start, Attributes({"phase": "warmup"}))
    assert span.start_event is span.start_event
    assert span.start_event.name is StandardEventName.SPAN_START
    span.stop(stop_event_attributes=Attributes({"ok": True}))
    stop = span.stop_event
    assert stop is not None and stop.name_str == "span_stop"
    assert stop.attributes.get_bool_value("ok") is True
    assert stop.attributes.get_int_value("timestamp_msec") == stop.timestamp.milliseconds_since_epoch
    assert span.events == [span.start_event, stop]


def test_event_create_validates_user_values_exactly_and_accepts_attribute_objects():
    event = Event.create("e", {"a": Attribute("a", 2), "b": [True, False]})
    assert event.attributes_json() == {"a": 2, "b": [True, False], "timestamp_msec": event.timestamp_msec}
    assert event.to_json()["attributes"] == event.attributes.to_json()
    with pytest.raises(OneLoggerError, match="'bad'"):
        Event.create("e", {"bad": None})
    with pytest.raises(OneLoggerError, match="'mixed'"):
        Event.create("e", {"mixed": [1, True]})
    with pytest.raises(OneLoggerError, match="blank"):
        Event.create("e", {" ": 1})


def test_user_given_timestamp_msec_is_overwritten_in_place():
    event = Event.create("e", {"timestamp_msec": 1, "k": "v"})
    assert list(event.attributes_json()) == ["timestamp_msec", "k"]
    assert event.attributes_json()["timestamp_msec"] == event.timestamp_msec
    assert list(event.attributes) == ["timestamp_msec", "k"]


def test_plain_values_are_the_attributes_without_timestamp_msec_until_the_object_is_read():
    event = Event.create("e", {"k": "v", "n": [1, 2]})
    view = event.plain_values()
    assert view is not None and dict(view) == {"k": "v", "n": [1, 2]}
    assert {**view, "timestamp_msec": event.timestamp_msec} == event.attributes_json()
    assert event.seconds_since_epoch == event.timestamp.seconds_since_epoch
    assert Event.create("bare").plain_values() == {}
    event.attributes.add("added", 1)  # from now on the object is what is exported: no view of the old values
    assert event.plain_values() is None and event.attributes_json()["added"] == 1
    stamped = Event("e", TracingTimestamp.for_timestamp(1_700_000_000.5, validate_timestamp=False), None)
    assert stamped.seconds_since_epoch == 1_700_000_000.5


def test_span_subclass_create_goes_through_its_constructor():
    class MySpan(Span):
        __slots__ = ("extra",)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra = 1

    span = MySpan.create("s", span_attributes={"a": 1})
    assert type(span) is MySpan and span.extra == 1 and span.attributes.get_int_value("a") == 1


def test_reading_attributes_on_another_thread_while_stopping_loses_nothing():
    import sys
    import threading

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to provoke the race
    try:
        spans = [Span.create("s", span_attributes={f"k{i}": i for i in range(20)}) for _ in range(300)]
        ready = threading.Event()

        def read_all() -> None:
            ready.set()
            for span in spans:
                span.attributes_json()
                span.attributes  # noqa: B018  # builds the Attributes object, racing with stop()

        reader = threading.Thread(target=read_all)
        reader.start()
        ready.wait()
        for span in spans:
            span.stop()
            span.add_attribute("after", 1)
        reader.join()
    finally:
        sys.setswitchinterval(old_interval)
    for span in spans:
        assert "duration_msec" in span.attributes and "after" in span.attributes
        assert span.to_json()["attributes"]["duration_msec"] == span.duration_msec()
        assert set(span.updated_attributes) == {"duration_msec", "after"}


def test_lists_the_application_keeps_are_copied_when_a_span_or_an_event_takes_them():
    # What was passed at the call is what is recorded: exporters read the plain values later (the OTel bridge
    # encodes an event's values on its export thread, a span's at stop), after the application may have reused
    # its own objects.
    mine = Attributes({"tags": ["a"]})
    held = Attribute("held", [1])
    event = Event.create("e", mine)
    from_attribute = Event.create("e", {"held": held})
    span = Span.create("s", span_attributes=mine, start_event_attributes=mine)
    later = Attributes({"later": [1]})
    span.add_attributes(later)
    mine["tags"].value.append("changed")
    held.value.append(2)
    later["later"].value.append(2)
    span.stop(stop_event_attributes=mine)
    assert event.plain_values() == {"tags": ["a"]}
    assert from_attribute.plain_values() == {"held": [1]}
    assert span.attributes_json() == {"tags": ["a"], "later": [1], "duration_msec": span.duration_msec()}
    assert span.start_event.plain_values() == {"tags": ["a"]}
    mine["tags"].value.append("after stop")
    assert span.stop_event is not None and span.stop_event.plain_values() == {"tags": ["a", "changed"]}


def test_reading_an_events_attributes_gives_lists_of_its_own():
    event = Event.create("e", {"tags": ["a"]})
    values = event.plain_values()
    event.attributes["tags"].value.append("changed")  # the object is now the event's source of truth ...
    assert values == {"tags": ["a"]}  # ... but an exporter that already took the plain values keeps the original
    assert event.attributes_json()["tags"] == ["a", "changed"]
