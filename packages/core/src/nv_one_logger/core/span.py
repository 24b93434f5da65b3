"""Spans: named intervals of work with attributes and events.

A span lives from its "span_start" event to its "span_stop" event. Spans of a long-running job can live for
days and receive millions of events, so a span does not keep every event: it keeps its start event, its stop
event and at most :data:`DEFAULT_MAX_RETAINED_EVENTS` (configurable with :meth:`Span.set_max_retained_events`)
of the most recent other events. Nothing is lost for exporters, which receive every event as it happens; the
in-memory list exists for inspection and tests. ``Span.dropped_events_count`` says how many were evicted.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from enum import Enum
from typing import Any, ClassVar, Deque, Dict, List, Optional, Tuple, Union

from nv_one_logger.core._ids import new_span_id_int, new_span_uuid, uuid_str
from nv_one_logger.core._span_attributes import SpanAttributeLayers
from nv_one_logger.core._span_names import NVTXColor, StandardSpanAttributeName, StandardSpanName
from nv_one_logger.core.attributes import Attributes, AttributeValues, attribute_values
from nv_one_logger.core.event import Event, StandardEventName, _trusted_event, name_to_str
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.time import _CLASS_ATTRIBUTES, _ORIGINAL_NOW, Timer, TracingTimestamp

SpanName = Union[Enum, str]
"""A span name: a plain string or an enum member (a :class:`StrEnum` member is its string)."""

DEFAULT_MAX_RETAINED_EVENTS = 1000
"""How many events besides start and stop a span keeps in memory by default (the most recent ones)."""

_STOP_BEFORE_START_TOLERANCE_SECONDS = 0.001
_SPAN_START = StandardEventName.SPAN_START
_SPAN_STOP = StandardEventName.SPAN_STOP
_new = object.__new__

__all__ = [
    "DEFAULT_MAX_RETAINED_EVENTS",
    "NVTXColor",
    "Span",
    "SpanName",
    "StandardSpanAttributeName",
    "StandardSpanName",
]


def _clock_readings(timestamp: Optional[TracingTimestamp], what: str) -> Tuple[float, float]:
    """Return (wall, perf) seconds of ``timestamp``, or of now (through ``TracingTimestamp.now``, which tests patch).

    The common case, no timestamp and an unpatched clock, is read inline by the callers (a call less per span).
    """
    if timestamp is None:
        timestamp = TracingTimestamp.now()
    elif not isinstance(timestamp, TracingTimestamp):
        raise OneLoggerError(f"{what} must be a TracingTimestamp, got {type(timestamp).__name__}.")
    return timestamp.seconds_since_epoch, timestamp.perf_counter_seconds


class Span(SpanAttributeLayers):
    """A named interval of work.

    Spans are usually created and stopped by a recorder (``recorder.start(...)`` / ``recorder.stop(span)``),
    which also hands each change to the exporters; calling :meth:`stop` or :meth:`add_event` directly changes
    only this object. Equality and hash are by ``id``.

    Attributes come in two layers: the ones given at creation and the ones added later
    (:attr:`updated_attributes`, which includes ``duration_msec`` once stopped). :attr:`attributes` is both
    merged, as an instance of the class of the creation attributes, so ``Attributes`` subclasses survive.

    Why the internals are plain values (see "Hot path design" in docs/performance.md): most spans are created,
    stopped and exported without anyone reading them as objects. A span therefore stores a 128-bit int id, the
    float clock readings of its start and stop, and its attributes as plain ``{name: value}`` dicts; ``id``
    (a ``uuid.UUID``), ``start_event``, ``stop_event``, ``attributes`` and ``updated_attributes`` are built on
    first read and cached (the attribute layers are :mod:`nv_one_logger.core._span_attributes`).
    """

    max_retained_events: ClassVar[int] = DEFAULT_MAX_RETAINED_EVENTS

    _start_event: Optional[Event]
    _id: Optional[uuid.UUID]

    __slots__ = (
        "_dropped_events_count",
        "_events",
        "_id",
        "_id_int",
        "_id_str",
        "_name",
        "_name_str",
        "_parent_id",
        "_parent_span",
        "_start_cls",
        "_start_event",
        "_start_perf",
        "_start_values",
        "_start_wall",
        "_stop_cls",
        "_stop_event",
        "_stop_perf",
        "_stop_values",
        "_stop_wall",
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
        name_str = name_to_str(name, "Span name")
        if not isinstance(start_event, Event):
            raise OneLoggerError(f"Span start_event must be an Event, got {type(start_event).__name__}.")
        if parent_span is not None and not isinstance(parent_span, Span):
            raise OneLoggerError(f"Span parent_span must be a Span or None, got {type(parent_span).__name__}.")
        values, cls = attribute_values(span_attributes, "Span")
        start = start_event.timestamp  # the public constructor; Span.create (the hot path) builds no Event
        self._init(
            id.int, name, name_str, parent_span, start.seconds_since_epoch, start.perf_counter_seconds, values, cls
        )
        self._id = id
        self._start_event = start_event

    def _init(
        self,
        id_int: int,
        name: SpanName,
        name_str: str,
        parent_span: Optional[Span],
        start_wall: float,
        start_perf: float,
        values: Optional[AttributeValues],
        cls: type,
    ) -> None:
        self._id_int = id_int
        self._id = None
        self._id_str: Optional[str] = None
        self._name = name
        self._name_str = name_str
        self._parent_span = parent_span
        self._parent_id: Optional[uuid.UUID] = None  # only set by from_json (no parent object then)
        self._start_wall = start_wall
        self._start_perf = start_perf
        self._start_values: Optional[AttributeValues] = None
        self._start_cls: type = Attributes
        self._start_event = None
        self._stop_wall: Optional[float] = None
        self._stop_perf: Optional[float] = None  # None while active
        self._stop_values: Optional[AttributeValues] = None
        self._stop_cls: type = Attributes
        self._stop_event: Optional[Event] = None
        self._events: Optional[Deque[Event]] = None  # created on the first event: most spans have none
        self._dropped_events_count = 0
        # The attribute layers (SpanAttributeLayers), set here rather than by a call: this runs for every span.
        self._values = values
        self._cls = cls
        self._attributes = None
        self._updated = None
        self._updated_attributes = None

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
        if cls is not Span:  # a subclass may override __init__: build it the public way
            start_event = Event(
                StandardEventName.SPAN_START,
                TracingTimestamp.now() if start_time is None else start_time,
                start_event_attributes,
            )
            return cls(new_span_uuid(), name, start_event, parent_span, span_attributes)
        if start_time is None and _CLASS_ATTRIBUTES["now"] is _ORIGINAL_NOW:  # not patched: two clock reads, inline
            wall = time.time()
            perf = time.perf_counter()
        else:
            wall, perf = _clock_readings(start_time, "Event timestamp")
        if start_event_attributes is not None:
            start_values, start_cls = attribute_values(start_event_attributes, "Event")
        name_str = name if type(name) is str and name and not name.isspace() else name_to_str(name, "Span name")
        if parent_span is not None and type(parent_span) is not Span and not isinstance(parent_span, Span):
            raise OneLoggerError(f"Span parent_span must be a Span or None, got {type(parent_span).__name__}.")
        values, values_cls = (
            (None, Attributes) if span_attributes is None else attribute_values(span_attributes, "Span")
        )
        span: Span = _new(Span)
        span._init(new_span_id_int(), name, name_str, parent_span, wall, perf, values, values_cls)
        if start_event_attributes is not None:
            span._start_values = start_values
            span._start_cls = start_cls
        return span

    @classmethod
    def set_max_retained_events(cls, max_events: int) -> None:
        """Set how many non-start/stop events spans created from now on keep in memory (>= 0)."""
        if type(max_events) is not int or max_events < 0:
            raise OneLoggerError(f"max_events must be an int >= 0, got {max_events!r}.")
        cls.max_retained_events = max_events

    @property
    def id(self) -> uuid.UUID:
        """The unique id of the span."""
        span_id = self._id
        if span_id is None:
            span_id = self._id = uuid.UUID(int=self._id_int)
        return span_id

    @property
    def id_int(self) -> int:
        """The id as a 128-bit int (``span.id.int``, without building the UUID)."""
        return self._id_int

    @property
    def id_str(self) -> str:
        """The id as a canonical uuid string (``str(span.id)``), computed once."""
        text = self._id_str
        if text is None:
            text = self._id_str = uuid_str(self._id_int)
        return text

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
        parent = self._parent_span
        return self._parent_id if parent is None else parent.id

    @property
    def events(self) -> List[Event]:
        """Start event, the retained recent events, then the stop event once stopped (a new list each call)."""
        result = [self.start_event]
        if self._events:
            result.extend(self._events)
        if self._stop_perf is not None:
            result.append(self.stop_event)  # type: ignore[arg-type]
        return result

    @property
    def dropped_events_count(self) -> int:
        """How many events were evicted from memory because of the retention bound."""
        return self._dropped_events_count

    @property
    def start_event(self) -> Event:
        """The "span_start" event."""
        event = self._start_event
        if event is None:
            event = self._start_event = _trusted_event(
                _SPAN_START, "span_start", self._start_wall, self._start_perf, self._start_values, self._start_cls
            )
        return event

    @property
    def stop_event(self) -> Optional[Event]:
        """The "span_stop" event, or None while the span is active."""
        event = self._stop_event
        stop_perf = self._stop_perf
        if event is None and stop_perf is not None:
            stop_wall: float = self._stop_wall  # type: ignore[assignment]  # set together with _stop_perf
            event = self._stop_event = _trusted_event(
                _SPAN_STOP, "span_stop", stop_wall, stop_perf, self._stop_values, self._stop_cls
            )
        return event

    @property
    def active(self) -> bool:
        """True until the span is stopped."""
        return self._stop_perf is None

    def stop(
        self, stop_event_attributes: Optional[Attributes] = None, stop_time: Optional[TracingTimestamp] = None
    ) -> None:
        """Add the "span_stop" event and the ``duration_msec`` attribute. A no-op on a stopped span.

        The duration comes from the perf counters of the start and stop timestamps, so a wall-clock step in
        between does not distort it.

        Raises:
            OneLoggerError: ``stop_time`` is before the start time.
        """
        if self._stop_perf is not None:
            return
        if stop_time is None and _CLASS_ATTRIBUTES["now"] is _ORIGINAL_NOW:  # not patched: two clock reads, inline
            wall = time.time()
            perf = time.perf_counter()
        else:
            wall, perf = _clock_readings(stop_time, "stop_time")
        elapsed = perf - self._start_perf
        if elapsed < -_STOP_BEFORE_START_TOLERANCE_SECONDS:
            raise OneLoggerError(f"Span '{self._name_str}': stop time is {-elapsed:.3f} s before its start time.")
        if stop_event_attributes is not None:
            self._stop_values, self._stop_cls = attribute_values(stop_event_attributes, "Event")
        self._set_duration(max(0, round(elapsed * 1000)))
        self._stop_wall = wall
        self._stop_perf = perf

    def add_event(self, event: Event) -> Event:
        """Record ``event`` on this span and return it.

        Only the most recent events stay in memory (see the module docstring).

        Raises:
            OneLoggerError: the span is stopped, or ``event`` is not an Event.
        """
        if self._stop_perf is not None:
            raise OneLoggerError(
                "Cannot add an event to a span that is not running. "
                f"Event '{_event_name(event)}', stopped span '{self._name_str}'."
            )
        if not isinstance(event, Event):
            raise OneLoggerError(f"add_event expects an Event, got {type(event).__name__}.")
        events = self._events
        if events is None:
            events = self._events = deque(maxlen=type(self).max_retained_events)
        if len(events) == events.maxlen:
            self._dropped_events_count += 1  # append() below evicts the oldest
        events.append(event)
        return event

    @property
    def _timer(self) -> Timer:
        """The span's run time as a :class:`Timer` (running while the span is active), built on each read.

        Kept under its 2.3.1 name for subclasses and test suites that read it; the span itself stores only the
        two perf counter readings.
        """
        timer = Timer()
        if self._stop_perf is None:
            timer.start(TracingTimestamp(self._start_wall, self._start_perf))
        else:
            timer._accumulated = timer._last_interval = self._stop_perf - self._start_perf
        return timer

    def duration_msec(self) -> int:
        """Return the duration in whole milliseconds (perf counter based).

        Raises:
            OneLoggerError: the span is still active.
        """
        if self._stop_perf is None:
            raise OneLoggerError(f"Span '{self._name_str}' is still active: it has no duration yet.")
        return self._recorded_duration()

    def to_json(self) -> Dict[str, Any]:
        """Return the span as plain JSON types.

        Keys: ``id``, ``name``, ``parent_id`` (or null), ``attributes`` (merged), ``updated_attributes``,
        ``start_event``, ``events`` (the retained events between start and stop), ``stop_event`` (or null),
        ``dropped_events_count``.
        """
        from nv_one_logger.core._span_json import span_to_json

        return span_to_json(self)

    @classmethod
    def from_json(cls, data: Any) -> Span:
        """Rebuild a span from :meth:`to_json` output.

        ``parent_span`` cannot be rebuilt from an id and is None, but ``parent_id`` is kept. Attributes are plain
        ``Attributes`` (JSON does not carry the subclass).
        """
        from nv_one_logger.core._span_json import parse_span_json

        parts = parse_span_json(data)
        span = cls(parts.id, parts.name, parts.start_event, None, parts.initial_attributes)  # type: ignore[arg-type]
        span._parent_id = parts.parent_id
        for event in parts.events:
            span.add_event(event)
        if parts.updated_attributes:
            span.add_attributes(parts.updated_attributes)
        stop_event = parts.stop_event
        if stop_event is not None:
            span._stop_event = stop_event
            span._stop_wall = stop_event.timestamp.seconds_since_epoch
            span._stop_perf = stop_event.timestamp.perf_counter_seconds
        span._dropped_events_count += parts.dropped_events_count
        return span

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self._id_int == other._id_int

    def __hash__(self) -> int:
        return hash(self._id_int)  # equal to hash(self.id): UUID hashes its int

    def __repr__(self) -> str:
        state = "active" if self._stop_perf is None else "stopped"
        return f"Span(name={self._name_str!r}, id={self.id_str}, {state})"


def _event_name(event: object) -> str:
    return event.name_str if isinstance(event, Event) else repr(event)
