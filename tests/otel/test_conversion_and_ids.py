"""Unit tests: attribute conversion, id derivation, and the explicit-data mapping API that replay builds on."""

from __future__ import annotations

import uuid
from enum import Enum

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource

from nv_one_logger.core.event import Event
from nv_one_logger.otel import ids
from nv_one_logger.otel.attributes import owned_to_otel_attributes, to_otel_attributes, to_otel_value
from nv_one_logger.otel.mapping import OTelEventData, OTelSpanData, build_readable_span, sdk_event


class Color(str, Enum):
    RED = "red"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s", "s"),
        (True, True),
        (7, 7),
        (0.5, 0.5),
        ([1, 2], [1, 2]),
        ([], []),
        (2**63, str(2**63)),  # beyond int64: the OTLP encoder would fail the whole batch
        (-(2**63), -(2**63)),
        ([1, 2**64], ["1", str(2**64)]),
        ([1, 2.5], [1.0, 2.5]),
        ([1, "a"], ["1", "a"]),
        ([True, 1], ["True", "1"]),
        (None, "None"),
        ({"b": 1, "a": [1, 2]}, '{"a": [1, 2], "b": 1}'),
        ([[1], [2]], ["[1]", "[2]"]),
        (b"\x01\xff", "01ff"),
        ((1, 2), [1, 2]),
        (Color.RED, "red"),
        ([Color.RED], ["red"]),
    ],
)
def test_values_are_converted_never_dropped(value, expected):
    converted = to_otel_value(value)
    assert converted == expected
    assert type(converted) is type(expected)


def test_converted_attributes_always_encode():
    attributes = to_otel_attributes({"big": 2**80, "mixed": [1, "x"], "none": None, "": "empty key", "obj": object()})
    assert attributes["<empty>"] == "empty key"
    span = build_readable_span(
        OTelSpanData("s", trace_id=1, span_id=2, start_ns=1, end_ns=2, attributes=attributes), Resource({})
    )
    encode_spans([span])  # raises if any value is not OTLP-encodable


AWKWARD_VALUES = {"big": 2**80, "accented": "\u00e9t\u00e9", "surrogate": "x\udc80", "ints": [1, 2**70], "f": 0.5}


def test_owned_conversion_is_the_generic_conversion():
    assert owned_to_otel_attributes(dict(AWKWARD_VALUES)) == to_otel_attributes(AWKWARD_VALUES)
    odd_keys = {"\u00e9": 1, 3: "three", "x": 2**70}  # keys that are not plain ASCII strings: rebuilt
    assert owned_to_otel_attributes(dict(odd_keys)) == to_otel_attributes(odd_keys)


@pytest.mark.parametrize("legacy_fields", [False, True])
def test_an_event_maps_from_its_plain_values_as_from_its_attributes(legacy_fields):
    event = Event.create("metrics", dict(AWKWARD_VALUES))
    expected = to_otel_attributes(Event.create("metrics", dict(AWKWARD_VALUES)).attributes)
    expected["timestamp_msec"] = event.timestamp_msec
    if not legacy_fields:
        del expected["timestamp_msec"]
    mapped = sdk_event(event, legacy_fields)
    assert dict(mapped.attributes) == expected
    assert mapped.timestamp == round(event.timestamp.seconds_since_epoch * 1e9)
    # Once the application has read (and changed) the event's attributes, they are what is exported.
    event.attributes["added"] = "later"
    assert sdk_event(event, legacy_fields).attributes["added"] == "later"


def test_deterministic_ids_are_stable_and_distinct():
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    assert ids.span_id_from_uuid(a) == ids.span_id_from_uuid(uuid.UUID(int=1))
    assert ids.span_id_from_uuid(a) != ids.span_id_from_uuid(b)
    assert 0 < ids.span_id_from_uuid(a) < 2**64
    assert 0 < ids.trace_id_from_uuid(a) < 2**128
    assert ids.trace_id_from_uuid(a) != ids.trace_id_from_uuid(b)
    scheme = ids.IdScheme(deterministic=True)
    assert scheme.span_id(a) == ids.span_id_from_uuid(a)
    assert scheme.trace_id(a) == ids.trace_id_from_uuid(a)


def test_random_ids_ignore_the_seeded_random_module():
    import random

    random.seed(1234)
    first = (ids.random_span_id(), ids.random_trace_id())
    random.seed(1234)
    assert (ids.random_span_id(), ids.random_trace_id()) != first
    scheme = ids.IdScheme()
    assert scheme.span_id(uuid.UUID(int=1)) != scheme.span_id(uuid.UUID(int=1))


def test_explicit_span_data_is_exported_exactly():
    data = OTelSpanData(
        name="train",
        trace_id=0xABC,
        span_id=0x123,
        parent_span_id=0x456,
        start_ns=1_000,
        end_ns=5_000,
        attributes={"k": "v"},
        events=[OTelEventData("tick", 2_000, {"i": 1})],
        error_message="failed",
        dropped_events=3,
    )
    span = build_readable_span(data, Resource({"service.name": "replay"}))
    (resource_spans,) = encode_spans([span]).resource_spans
    (proto,) = resource_spans.scope_spans[0].spans
    assert proto.trace_id.hex() == format(0xABC, "032x")
    assert proto.span_id.hex() == format(0x123, "016x")
    assert proto.parent_span_id.hex() == format(0x456, "016x")
    assert (proto.start_time_unix_nano, proto.end_time_unix_nano) == (1_000, 5_000)
    assert proto.events[0].name == "tick" and proto.events[0].time_unix_nano == 2_000
    assert proto.status.code == 2 and proto.status.message == "failed"
    assert proto.dropped_events_count == 3
    assert proto.kind == 1
    assert resource_spans.scope_spans[0].scope.name == "nv_one_logger.otel"
