"""Span <-> JSON (``Span.to_json`` / ``Span.from_json``), kept out of span.py, which is about the hot path."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Dict, Type

from nv_one_logger.core.attributes import Attributes, values_to_json
from nv_one_logger.core.event import Event
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import describe_exception

if TYPE_CHECKING:
    from nv_one_logger.core.span import Span


def span_to_json(span: Span) -> Dict[str, Any]:
    """See :meth:`Span.to_json`."""
    parent_id = span.parent_id
    updated_attributes = span._updated_attributes
    stop_event = span.stop_event
    return {
        "id": span.id_str,
        "name": span._name_str,
        "parent_id": None if parent_id is None else str(parent_id),
        "attributes": span.attributes_json(),
        "updated_attributes": (
            values_to_json(span._updated) if updated_attributes is None else updated_attributes.to_json()
        ),
        "start_event": span.start_event.to_json(),
        "events": [event.to_json() for event in span._events or ()],
        "stop_event": None if stop_event is None else stop_event.to_json(),
        "dropped_events_count": span._dropped_events_count,
    }


def span_from_json(cls: Type[Span], data: Any) -> Span:
    """See :meth:`Span.from_json`."""
    if not isinstance(data, dict):
        raise OneLoggerError(f"Span JSON must be an object, got {type(data).__name__}.")
    try:
        span_id = uuid.UUID(data["id"])
        parent_id = None if data.get("parent_id") is None else uuid.UUID(data["parent_id"])
        start_event = Event.from_json(data["start_event"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise OneLoggerError(f"Invalid span JSON ({describe_exception(error)}).") from None
    merged = Attributes.from_json(data.get("attributes"))
    updated = Attributes.from_json(data.get("updated_attributes"))
    initial = Attributes({name: attr for name, attr in merged.items() if name not in updated})
    span = cls(span_id, data.get("name"), start_event, None, initial)  # type: ignore[arg-type]
    span._parent_id = parent_id
    for event_json in data.get("events") or ():
        span.add_event(Event.from_json(event_json))
    if updated:
        span.add_attributes(updated)
    if data.get("stop_event") is not None:
        stop_event = Event.from_json(data["stop_event"])
        span._stop_event = stop_event
        span._stop_wall = stop_event._wall
        span._stop_perf = stop_event._perf
    dropped = data.get("dropped_events_count")
    if type(dropped) is int:
        span._dropped_events_count += dropped
    return span
