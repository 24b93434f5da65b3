"""Span <-> JSON (``Span.to_json`` / ``Span.from_json``), kept out of span.py, which is about the hot path.

Both directions use only the span's public face: :func:`span_to_json` reads a span, :func:`parse_span_json`
checks a JSON object and returns its parts, and ``Span.from_json`` (in the span module, which alone sets a
span's internals) assembles the span from them.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import describe_exception

if TYPE_CHECKING:
    from nv_one_logger.core.span import Span


def span_to_json(span: Span) -> Dict[str, Any]:
    """See :meth:`Span.to_json` (a JSON document: its values are of every JSON type, hence ``Any``)."""
    parent_id = span.parent_id
    stop_event = span.stop_event
    events = span.events  # start event, the retained events, then the stop event once stopped
    return {
        "id": span.id_str,
        "name": span.name_str,
        "parent_id": None if parent_id is None else str(parent_id),
        "attributes": span.attributes_json(),
        "updated_attributes": span.updated_attributes_json(),
        "start_event": events[0].to_json(),
        "events": [event.to_json() for event in events[1 : len(events) - (stop_event is not None)]],
        "stop_event": None if stop_event is None else stop_event.to_json(),
        "dropped_events_count": span.dropped_events_count,
    }


class SpanJsonParts(NamedTuple):
    """What a span's JSON holds, checked and rebuilt as objects."""

    id: uuid.UUID
    name: object  # as found; the Span constructor checks it
    parent_id: Optional[uuid.UUID]
    start_event: Event
    initial_attributes: Attributes
    updated_attributes: Attributes
    events: List[Event]
    stop_event: Optional[Event]
    dropped_events_count: int


def parse_span_json(data: object) -> SpanJsonParts:
    """Check the output of :meth:`Span.to_json` and rebuild its parts (``OneLoggerError`` when invalid)."""
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
    events = [Event.from_json(event_json) for event_json in data.get("events") or ()]
    stop_json = data.get("stop_event")
    dropped = data.get("dropped_events_count")
    return SpanJsonParts(
        id=span_id,
        name=data.get("name"),
        parent_id=parent_id,
        start_event=start_event,
        initial_attributes=initial,
        updated_attributes=updated,
        events=events,
        stop_event=None if stop_json is None else Event.from_json(stop_json),
        dropped_events_count=dropped if type(dropped) is int else 0,
    )
