"""Spans: named intervals of work with attributes and events.

A span lives from its "span_start" event to its "span_stop" event. Spans of a long-running job can live for
days and receive millions of events, so a span does not keep every event: it keeps its start event, its stop
event and at most :data:`DEFAULT_MAX_RETAINED_EVENTS` (configurable with :meth:`Span.set_max_retained_events`)
of the most recent other events. Nothing is lost for exporters, which receive every event as it happens; the
in-memory list exists for inspection and tests. ``Span.dropped_events_count`` says how many were evicted.
"""

from __future__ import annotations

import uuid
from collections import deque
from enum import Enum
from typing import Any, ClassVar, Deque, Dict, List, Optional, Union

from nv_one_logger.core.attributes import Attribute, Attributes, AttributeValue, trusted_attribute
from nv_one_logger.core.event import Event, StandardEventName, _copy_attributes, name_to_str
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.str_enum import StrEnum
from nv_one_logger.core.time import TracingTimestamp

SpanName = Union[Enum, str]
"""A span name: a plain string or an enum member (a :class:`StrEnum` member is its string)."""

DEFAULT_MAX_RETAINED_EVENTS = 1000
"""How many events besides start and stop a span keeps in memory by default (the most recent ones)."""

_STOP_BEFORE_START_TOLERANCE_SECONDS = 0.001
_DURATION_MSEC = "duration_msec"


class StandardSpanName(StrEnum):
    """Names of spans the library itself creates."""

    APPLICATION = "application"


class StandardSpanAttributeName(StrEnum):
    """Names of span attributes the library itself sets."""

    DURATION_MSEC = "duration_msec"
    NVTX_COLOR = "nvtx_color"


class NVTXColor(StrEnum):
    """Colors for NVTX ranges (Nsight Systems timelines), for the ``nvtx_color`` span attribute."""

    UNSET = "unset"
    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    PURPLE = "purple"
    RAPIDS = "rapids"
    CYAN = "cyan"
    RED = "red"
    WHITE = "white"
    DARKGREEN = "darkgreen"
    ORANGE = "orange"


class Span:
    """A named interval of work.

    Spans are usually created and stopped by a recorder (``recorder.start(...)`` / ``recorder.stop(span)``),
    which also hands each change to the exporters; calling :meth:`stop` or :meth:`add_event` directly changes
    only this object. Equality and hash are by ``id``.

    Attributes come in two layers: the ones given at creation and the ones added later
    (:attr:`updated_attributes`, which includes ``duration_msec`` once stopped). :attr:`attributes` is both
    merged, as an instance of the class of the creation attributes, so ``Attributes`` subclasses survive.
    """

    max_retained_events: ClassVar[int] = DEFAULT_MAX_RETAINED_EVENTS

    __slots__ = (
        "_attributes",
        "_dropped_events_count",
        "_events",
        "_id",
        "_name",
        "_name_str",
        "_parent_id",
        "_parent_span",
        "_start_event",
        "_stop_event",
        "_updated_attributes",
    )

    def __init__(
        self,
        id: uuid.UUID,
        name: SpanName,
        start_event: Event,
        parent_span: Optional[Span] = None,
        span_attributes: Optional[Attributes] = None,
    ) -> None:
        if not isinstance(id, uuid.UUID):
            raise OneLoggerError(f"Span id must be a uuid.UUID, got {type(id).__name__}.")
        self._name_str = name_to_str(name, "Span name")
        if not isinstance(start_event, Event):
            raise OneLoggerError(f"Span start_event must be an Event, got {type(start_event).__name__}.")
        if parent_span is not None and not isinstance(parent_span, Span):
            raise OneLoggerError(f"Span parent_span must be a Span or None, got {type(parent_span).__name__}.")
        self._id = id
        self._name = name
        self._parent_span = parent_span
        self._parent_id = None if parent_span is None else parent_span._id
        self._start_event = start_event
        self._stop_event: Optional[Event] = None
        self._events: Optional[Deque[Event]] = None  # created on the first event: most spans have none
        self._dropped_events_count = 0
        self._attributes = _copy_attributes(span_attributes, "Span")
        self._updated_attributes: Optional[Attributes] = None

    @classmethod
    def create(
        cls,
        name: SpanName,
        parent_span: Optional[Span] = None,
        span_attributes: Optional[Attributes] = None,
        start_event_attributes: Optional[Attributes] = None,
        start_time: Optional[TracingTimestamp] = None,
    ) -> Span:
        """Create a span with a new random id and a "span_start" event at ``start_time`` (default: now)."""
        start_event = Event(
            StandardEventName.SPAN_START,
            TracingTimestamp.now() if start_time is None else start_time,
            start_event_attributes,
        )
        return cls(uuid.uuid4(), name, start_event, parent_span, span_attributes)

    @classmethod
    def set_max_retained_events(cls, max_events: int) -> None:
        """Set how many non-start/stop events spans created from now on keep in memory (>= 0)."""
        if type(max_events) is not int or max_events < 0:
            raise OneLoggerError(f"max_events must be an int >= 0, got {max_events!r}.")
        cls.max_retained_events = max_events

    @property
    def id(self) -> uuid.UUID:
        """The unique id of the span."""
        return self._id

    @property
    def name(self) -> SpanName:
        """The name as given (a str or an enum member)."""
        return self._name

    @property
    def name_str(self) -> str:
        """The name as a plain string."""
        return self._name_str

    @property
    def parent_span(self) -> Optional[Span]:
        """The enclosing span, or None for a root span (also None for spans rebuilt by :meth:`from_json`)."""
        return self._parent_span

    @property
    def parent_id(self) -> Optional[uuid.UUID]:
        """The id of the enclosing span, or None for a root span (kept by :meth:`from_json`)."""
        return self._parent_id

    @property
    def events(self) -> List[Event]:
        """Start event, the retained recent events, then the stop event once stopped (a new list each call)."""
        result = [self._start_event]
        if self._events:
            result.extend(self._events)
        if self._stop_event is not None:
            result.append(self._stop_event)
        return result

    @property
    def dropped_events_count(self) -> int:
        """How many events were evicted from memory because of the retention bound."""
        return self._dropped_events_count

    @property
    def attributes(self) -> Attributes:
        """Creation attributes merged with later ones (later wins). Read it; change it through ``add_attribute``."""
        return self._attributes

    @property
    def updated_attributes(self) -> Attributes:
        """Only the attributes added after creation (including ``duration_msec`` once stopped)."""
        if self._updated_attributes is None:
            self._updated_attributes = type(self._attributes)()
        return self._updated_attributes

    @property
    def start_event(self) -> Event:
        """The "span_start" event."""
        return self._start_event

    @property
    def stop_event(self) -> Optional[Event]:
        """The "span_stop" event, or None while the span is active."""
        return self._stop_event

    @property
    def active(self) -> bool:
        """True until the span is stopped."""
        return self._stop_event is None

    def stop(
        self, stop_event_attributes: Optional[Attributes] = None, stop_time: Optional[TracingTimestamp] = None
    ) -> None:
        """Add the "span_stop" event and the ``duration_msec`` attribute. A no-op on a stopped span.

        The duration comes from the perf counters of the start and stop timestamps, so a wall-clock step in
        between does not distort it.

        Raises:
            OneLoggerError: ``stop_time`` is before the start time.
        """
        if self._stop_event is not None:
            return
        if stop_time is None:
            stop_time = TracingTimestamp.now()
        elif not isinstance(stop_time, TracingTimestamp):
            raise OneLoggerError(f"stop_time must be a TracingTimestamp, got {type(stop_time).__name__}.")
        elapsed = stop_time.perf_counter_seconds - self._start_event.timestamp.perf_counter_seconds
        if elapsed < -_STOP_BEFORE_START_TOLERANCE_SECONDS:
            raise OneLoggerError(f"Span '{self._name_str}': stop time is {-elapsed:.3f} s before its start time.")
        stop_event = Event(StandardEventName.SPAN_STOP, stop_time, stop_event_attributes)
        duration = trusted_attribute(_DURATION_MSEC, max(0, round(elapsed * 1000)))
        dict.__setitem__(self.updated_attributes, _DURATION_MSEC, duration)
        dict.__setitem__(self._attributes, _DURATION_MSEC, duration)
        self._stop_event = stop_event

    def add_event(self, event: Event) -> None:
        """Record ``event`` on this span (only the most recent ones stay in memory; see the module docs).

        Raises:
            OneLoggerError: the span is stopped, or ``event`` is not an Event.
        """
        if self._stop_event is not None:
            raise OneLoggerError(f"Cannot add event '{_event_name(event)}' to stopped span '{self._name_str}'.")
        if not isinstance(event, Event):
            raise OneLoggerError(f"add_event expects an Event, got {type(event).__name__}.")
        events = self._events
        if events is None:
            events = self._events = deque(maxlen=type(self).max_retained_events)
        if len(events) == events.maxlen:
            self._dropped_events_count += 1  # append() below evicts the oldest
        events.append(event)

    def add_attribute(self, name: str, value: AttributeValue) -> Attribute:
        """Add (or replace) one attribute after creation and return it."""
        attribute = Attribute(name, value)
        dict.__setitem__(self.updated_attributes, attribute.name, attribute)
        dict.__setitem__(self._attributes, attribute.name, attribute)
        return attribute

    def add_attributes(self, attributes: Attributes) -> None:
        """Add (or replace) several attributes after creation."""
        if attributes is None:
            return
        new = _copy_attributes(attributes, "Span.add_attributes")
        dict.update(self.updated_attributes, new)
        dict.update(self._attributes, new)

    def duration_msec(self) -> int:
        """Return the duration in whole milliseconds (perf counter based).

        Raises:
            OneLoggerError: the span is still active.
        """
        if self._stop_event is None:
            raise OneLoggerError(f"Span '{self._name_str}' is still active: it has no duration yet.")
        value = self._attributes.get_int_value(_DURATION_MSEC)
        return 0 if value is None else value

    def to_json(self) -> Dict[str, Any]:
        """Return the span as plain JSON types.

        Keys: ``id``, ``name``, ``parent_id`` (or null), ``attributes`` (merged), ``updated_attributes``,
        ``start_event``, ``events`` (the retained events between start and stop), ``stop_event`` (or null),
        ``dropped_events_count``.
        """
        return {
            "id": str(self._id),
            "name": self._name_str,
            "parent_id": None if self._parent_id is None else str(self._parent_id),
            "attributes": self._attributes.to_json(),
            "updated_attributes": {} if self._updated_attributes is None else self._updated_attributes.to_json(),
            "start_event": self._start_event.to_json(),
            "events": [event.to_json() for event in self._events or ()],
            "stop_event": None if self._stop_event is None else self._stop_event.to_json(),
            "dropped_events_count": self._dropped_events_count,
        }

    @classmethod
    def from_json(cls, data: Any) -> Span:
        """Rebuild a span from :meth:`to_json` output.

        ``parent_span`` cannot be rebuilt from an id and is None, but ``parent_id`` is kept. Attributes are plain
        ``Attributes`` (JSON does not carry the subclass).
        """
        if not isinstance(data, dict):
            raise OneLoggerError(f"Span JSON must be an object, got {type(data).__name__}.")
        try:
            span_id = uuid.UUID(data["id"])
            parent_id = None if data.get("parent_id") is None else uuid.UUID(data["parent_id"])
            start_event = Event.from_json(data["start_event"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise OneLoggerError(f"Invalid span JSON ({type(error).__name__}: {error}).") from None
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
            span._stop_event = Event.from_json(data["stop_event"])
        dropped = data.get("dropped_events_count")
        if type(dropped) is int:
            span._dropped_events_count += dropped
        return span

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self._id == other._id

    def __hash__(self) -> int:
        return hash(self._id)

    def __repr__(self) -> str:
        state = "active" if self._stop_event is None else "stopped"
        return f"Span(name={self._name_str!r}, id={self._id}, {state})"


def _event_name(event: Any) -> str:
    return event.name_str if isinstance(event, Event) else repr(event)
