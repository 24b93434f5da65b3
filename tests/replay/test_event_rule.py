"""Live and replay map events by one rule (``mapping.map_event``): a recorded event maps as the live one did."""

from __future__ import annotations

import pytest

from nv_one_logger.core.event import ErrorEvent, Event
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.json_line import event_json
from nv_one_logger.otel.mapping import event_data, keeps_lifecycle_event, lifecycle_event, sdk_event
from nv_one_logger.otel.replay.plan import map_recorded_event
from nv_one_logger.records.types import parse_event

T = TracingTimestamp.for_timestamp(1_700_000_000.25, validate_timestamp=False)

EVENTS = [
    Event.create("loss", {"value": 0.5, "step": 3}),
    ErrorEvent(T, "bad batch", "ValueError", "bad batch 7", "Traceback ...", {"batch": 7}),
    ErrorEvent(T, "no exception given"),
]


def _recorded(event: Event):
    """The event as a replay reads it back from a file (the JSON record form, parsed by ``records``)."""
    return parse_event(event_json(event), "event")


@pytest.mark.parametrize("event", EVENTS, ids=["plain", "error", "bare-error"])
@pytest.mark.parametrize("legacy", [True, False])
def test_a_recorded_event_maps_exactly_as_the_live_event(event, legacy):
    live = sdk_event(event, legacy)
    replayed = map_recorded_event(_recorded(event), is_error=isinstance(event, ErrorEvent), legacy_fields=legacy)
    assert (replayed.name, replayed.time_ns) == (live.name, live.timestamp)
    assert dict(replayed.attributes) == dict(live.attributes)
    assert event_data(event, legacy) == replayed  # the documented explicit-data form of the live mapping


def test_an_error_with_attributes_the_core_model_refuses_is_still_mapped_as_an_exception():
    recorded = parse_event(
        {"name": "error", "timestamp": {"seconds_since_epoch": 1.5}, "attributes": {"error_message": 42}}, "event"
    )
    mapped = map_recorded_event(recorded, is_error=True)
    assert mapped.name == "exception"
    assert mapped.attributes["one_logger.error_message"] == 42 and mapped.attributes["exception.message"] == 42


@pytest.mark.parametrize("legacy", [True, False])
@pytest.mark.parametrize("attributes", [None, {"phase": "warmup"}], ids=["bare", "with-attributes"])
def test_start_and_stop_events_are_kept_by_the_same_rule(legacy, attributes):
    event = Event.create("span_start", attributes)
    live = lifecycle_event(sdk_event(event), legacy)
    replayed = map_recorded_event(_recorded(event), legacy_fields=legacy)
    kept = keeps_lifecycle_event(replayed.attributes, legacy)
    assert kept == (legacy or attributes is not None)
    assert (live is not None) == kept
    if live is not None:
        assert dict(live.attributes or {}) == dict(replayed.attributes)
