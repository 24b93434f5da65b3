"""Typed views of the JSON records that BaseJsonExporter writes (see docs/record-format.md).

The reader turns every line of a JSON-lines file into one of the dataclasses below. They are deliberately plain
(strings, numbers, dicts of JSON values) rather than live ``Span``/``Event`` objects: a record file may come
from another version of the library, another machine or a crashed process, and tools that read it (summary,
chrome-trace, replay) need the data as written, not objects that re-validate timestamps against "now".

Every record keeps ``raw``, the JSON object exactly as read, so that fields this version does not know about
(the format allows additions) are still available to tools that want them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Optional

from nv_one_logger.core.identity import IDENTITY_RECORD_TYPE, JobIdentity


@dataclass(frozen=True)
class RecordSource:
    """Where a record came from: the file path and the 1-based line number."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class RecordedEvent:
    """An event object inside a record (``Event.to_json()``): name, time and attributes.

    ``seconds_since_epoch`` is wall-clock time (comparable across processes and machines, up to clock skew);
    ``perf_counter_seconds`` is the writing process's monotonic clock (only comparable within one pid, but
    precise and immune to clock steps) and is None when the writer did not record it.
    """

    name: str
    seconds_since_epoch: float
    perf_counter_seconds: Optional[float]
    attributes: Dict[str, Any] = field(default_factory=dict)

    @property
    def timestamp_usec(self) -> float:
        """Wall-clock time in microseconds since the epoch (the unit of the Chrome trace format)."""
        return self.seconds_since_epoch * 1e6


def _text(event: RecordedEvent, key: str) -> Optional[str]:
    """Return the string attribute ``key`` of ``event``; None when the writer omitted it or wrote another type."""
    value = event.attributes.get(key)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Record:
    """Fields every record has. Concrete records are the subclasses; ``TYPE`` is the JSON ``type`` value."""

    TYPE: ClassVar[str] = ""

    count: int
    """Sequence number per exporter instance (1, 2, 3 ...). A gap means records were lost."""
    pid: int
    """Process id of the writer."""
    source: RecordSource = field(compare=False)
    raw: Dict[str, Any] = field(compare=False, repr=False)


@dataclass(frozen=True)
class _SpanRecord(Record):
    """Fields of every record of the span itself (start, stop, complete): which span, its name and attributes."""

    id: str
    name: str
    attributes: Dict[str, Any]


@dataclass(frozen=True)
class SpanStartRecord(_SpanRecord):
    """A span started (``type: "start"``). It stays open until a ``stop`` record with the same ``id``."""

    TYPE: ClassVar[str] = "start"

    start_event: RecordedEvent
    parent_id: Optional[str]


@dataclass(frozen=True)
class SpanStopRecord(_SpanRecord):
    """A span started by an earlier ``start`` record stopped (``type: "stop"``); attributes are final values."""

    TYPE: ClassVar[str] = "stop"

    stop_event: RecordedEvent


@dataclass(frozen=True)
class SpanCompleteRecord(_SpanRecord):
    """A span that had no other records while open, written once at its stop (``type: "complete"``)."""

    TYPE: ClassVar[str] = "complete"

    start_event: RecordedEvent
    stop_event: RecordedEvent
    parent_id: Optional[str]


@dataclass(frozen=True)
class _OnSpanRecord(Record):
    """Fields of a record of something that happened on the open span ``span_id`` (event, application error)."""

    span_id: str
    event: RecordedEvent


@dataclass(frozen=True)
class EventRecord(_OnSpanRecord):
    """An event on the open span ``span_id`` (``type: "event"``)."""

    TYPE: ClassVar[str] = "event"


@dataclass(frozen=True)
class ApplicationErrorRecord(_OnSpanRecord):
    """An application error (an ``ErrorEvent``) on the open span ``span_id`` (``type: "application_error"``)."""

    TYPE: ClassVar[str] = "application_error"

    @property
    def error_message(self) -> Optional[str]:
        """The ``error_message`` attribute, if the writer recorded one."""
        return _text(self.event, "error_message")


@dataclass(frozen=True)
class TelemetryDataErrorRecord(Record):
    """The telemetry itself is known to be missing or incomplete (``type: "telemetry_data_error"``)."""

    TYPE: ClassVar[str] = "telemetry_data_error"

    error: RecordedEvent

    @property
    def error_type(self) -> Optional[str]:
        """``no_telemetry_data`` or ``incomplete_telemetry_data`` (None if the writer omitted it)."""
        return _text(self.error, "telemetry_data_error_type")

    @property
    def error_message(self) -> Optional[str]:
        """The human-readable reason."""
        return _text(self.error, "error_message")


@dataclass(frozen=True)
class IdentityRecord(Record):
    """Which job, rank and host wrote the records of this ``pid`` (``type: "identity"``, first of each process).

    Files written before this record existed have none: every field of the identity is then unknown.
    """

    TYPE: ClassVar[str] = IDENTITY_RECORD_TYPE

    identity: JobIdentity


RECORD_TYPES: Dict[str, type] = {
    cls.TYPE: cls
    for cls in (
        IdentityRecord,
        SpanStartRecord,
        SpanStopRecord,
        SpanCompleteRecord,
        EventRecord,
        ApplicationErrorRecord,
        TelemetryDataErrorRecord,
    )
}


class MalformedRecord(ValueError):
    """A JSON object with a known ``type`` lacks a required field or has one of the wrong type."""


def _require(obj: Dict[str, Any], key: str, kind: type, what: str = "") -> Any:
    value = obj.get(key)
    # bool is an int subclass; a bool where a number is expected is a malformed record, not a number.
    if value is None or not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        where = f"{what}.{key}" if what else key
        raise MalformedRecord(f"field {where!r} must be a {kind.__name__}, got {value!r}")
    return value


def _optional_str(obj: Dict[str, Any], key: str) -> Optional[str]:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedRecord(f"field {key!r} must be a string or null, got {value!r}")
    return value


def _attributes(obj: Dict[str, Any], key: str = "attributes", what: str = "") -> Dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        where = f"{what}.{key}" if what else key
        raise MalformedRecord(f"field {where!r} must be an object, got {value!r}")
    return value


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def parse_event(obj: Any, what: str) -> RecordedEvent:
    """Parse an event object; the time comes from ``timestamp`` or, failing that, ``timestamp_msec``."""
    if not isinstance(obj, dict):
        raise MalformedRecord(f"field {what!r} must be an object, got {obj!r}")
    name = _require(obj, "name", str, what)
    attributes = _attributes(obj, what=what)
    seconds: Optional[float] = None
    perf: Optional[float] = None
    timestamp = obj.get("timestamp")
    if isinstance(timestamp, dict):
        seconds = _number(timestamp.get("seconds_since_epoch"))
        perf = _number(timestamp.get("perf_counter_seconds"))
    if seconds is None:
        msec = _number(attributes.get("timestamp_msec"))
        if msec is not None:
            seconds = msec / 1000.0
    if seconds is None or not math.isfinite(seconds):
        raise MalformedRecord(f"event {what!r} has no usable timestamp")
    if perf is not None and not math.isfinite(perf):
        perf = None
    return RecordedEvent(name=name, seconds_since_epoch=seconds, perf_counter_seconds=perf, attributes=attributes)


def _event(obj: Dict[str, Any], key: str) -> RecordedEvent:
    return parse_event(obj.get(key), key)


def parse_record(obj: Dict[str, Any], source: RecordSource) -> Optional[Record]:
    """Turn one decoded JSON object into a typed record.

    Returns None for a foreign object (no ``type`` or a type this version does not know): the caller decides
    what to do with it. Raises MalformedRecord when a known record type lacks a required field.
    """
    record_type = obj.get("type")
    if not isinstance(record_type, str) or record_type not in RECORD_TYPES:
        return None
    common: Dict[str, Any] = {
        "count": _require(obj, "count", int),
        "pid": _require(obj, "pid", int),
        "source": source,
        "raw": obj,
    }
    if record_type == IDENTITY_RECORD_TYPE:
        return IdentityRecord(**common, identity=JobIdentity.from_json(obj, common["pid"]))
    if record_type in (SpanStartRecord.TYPE, SpanStopRecord.TYPE, SpanCompleteRecord.TYPE):
        common.update(id=_require(obj, "id", str), name=_require(obj, "name", str), attributes=_attributes(obj))
        if record_type == SpanStopRecord.TYPE:
            return SpanStopRecord(**common, stop_event=_event(obj, "stop_event"))
        start_event = _event(obj, "start_event")
        if record_type == SpanStartRecord.TYPE:
            return SpanStartRecord(**common, start_event=start_event, parent_id=_optional_str(obj, "parent_id"))
        return SpanCompleteRecord(
            **common,
            start_event=start_event,
            stop_event=_event(obj, "stop_event"),
            parent_id=_optional_str(obj, "parent_id"),
        )
    if record_type in (EventRecord.TYPE, ApplicationErrorRecord.TYPE):
        on_span = EventRecord if record_type == EventRecord.TYPE else ApplicationErrorRecord
        return on_span(**common, span_id=_require(obj, "span_id", str), event=_event(obj, "event"))
    return TelemetryDataErrorRecord(**common, error=_event(obj, "error"))
