"""The OneLogger -> OpenTelemetry mapping: the one place where OneLogger data becomes OTel span data.

Two layers, so that the live exporter and the replay tool share every rule:

1. ``OTelSpanData`` / ``OTelEventData`` hold *explicit* data (name, ids, start/end in ns since the epoch,
   attributes, events, status) and ``build_readable_span`` turns them into an SDK ``ReadableSpan`` that any SDK
   ``SpanExporter`` (OTLP gRPC/HTTP, console, in-memory) can export. Nothing here reads clocks, generates ids or
   touches an OTel context, which is what makes a replay reproducible.
2. The mapping table below, applied to OneLogger data: ``map_event`` is the one event rule (plain events,
   errors as ``exception`` events, ``timestamp_msec`` only with ``legacy_fields``), taking the event as plain
   values so that the live exporter (``sdk_event`` for a core ``Event``, and ``light_events``, which applies it
   to the core event's plain values on demand) and the replay (a recorded event) apply the very same rule;
   ``keeps_lifecycle_event`` decides which start/stop events are sent; ``span_attributes`` /
   ``final_span_attributes`` (span attributes + ``one_logger.span.id``), ``telemetry_data_error_attributes``.

Mapping table (docs/otel.md repeats it with examples):

- span -> one OTel span: same name, start/end from the start/stop events, attributes = final span attributes +
  ``one_logger.span.id`` (the uuid), kind INTERNAL;
- start/stop events -> nothing by default: the span's own start and end time are those events. A start or stop
  event that carries attributes of its own (``recorder.start(start_event_attributes=...)``) becomes a span event
  ``span_start`` / ``span_stop`` with those attributes. With ``legacy_fields`` both are always sent;
- event -> span event (name, timestamp, attributes);
- fields that repeat native OTel ones are left out by default: ``timestamp_msec`` on events (the event has its
  time) and ``duration_msec`` on spans (the span has start and end); ``legacy_fields`` keeps them for
  dashboards that query them;
- ErrorEvent -> span event ``exception`` with ``exception.type``, ``exception.message``,
  ``exception.stacktrace`` and ``one_logger.error_message`` (+ the event's other attributes), and span status
  ERROR with the error message;
- telemetry data error -> a span named ``telemetry_data_error`` with status ERROR and attributes
  ``one_logger.telemetry_data_error.type`` / ``.message`` (and ``one_logger.telemetry_data_error=true``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Protocol, Sequence, cast

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util import BoundedList
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.span import DEFAULT_TRACE_STATE, TraceState
from opentelemetry.trace.status import Status, StatusCode

from nv_one_logger.core.attributes import Attribute
from nv_one_logger.core.event import ErrorEvent, Event, StandardEventAttributeName
from nv_one_logger.core.internal.version import __version__
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.otel.attributes import OTelValue, owned_to_otel_attributes, to_otel_attributes, utf8_safe

ATTR_SPAN_ID = "one_logger.span.id"
ATTR_PARENT_SPAN_ID = "one_logger.parent_span.id"
ATTR_CONTINUED_FROM_TRACE = "one_logger.continued_from.trace_id"
ATTR_CONTINUED_FROM_SPAN = "one_logger.continued_from.span_id"
EVENT_TIMESTAMP_MSEC = "timestamp_msec"
SPAN_DURATION_MSEC = "duration_msec"
SPAN_START_EVENT = "span_start"
SPAN_STOP_EVENT = "span_stop"
ATTR_MARKER = "one_logger.marker"
ATTR_ERROR_MESSAGE = "one_logger.error_message"
ATTR_TELEMETRY_DATA_ERROR = "one_logger.telemetry_data_error"
ATTR_TELEMETRY_DATA_ERROR_TYPE = "one_logger.telemetry_data_error.type"
ATTR_TELEMETRY_DATA_ERROR_MESSAGE = "one_logger.telemetry_data_error.message"
EXCEPTION_EVENT_NAME = "exception"
TELEMETRY_DATA_ERROR_SPAN_NAME = "telemetry_data_error"

#: The OpenTelemetry semantic conventions the attribute names follow (the scope's ``schema_url``).
SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"


DISTRIBUTION_NAME = "nv-one-logger-otel"
DISTRIBUTION_VERSION = __version__  # the three distributions are released together under one number
SCOPE = InstrumentationScope("nv_one_logger.otel", DISTRIBUTION_VERSION, SCHEMA_URL)
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_UNSET = Status(StatusCode.UNSET)
_INTERNAL = SpanKind.INTERNAL

_ERROR_MESSAGE = StandardEventAttributeName.ERROR_MESSAGE.value
_EXCEPTION_TYPE = StandardEventAttributeName.EXCEPTION_TYPE.value
_EXCEPTION_MESSAGE = StandardEventAttributeName.EXCEPTION_MESSAGE.value
_EXCEPTION_TRACEBACK = StandardEventAttributeName.EXCEPTION_TRACEBACK.value
_ERROR_KEYS = (_ERROR_MESSAGE, _EXCEPTION_TYPE, _EXCEPTION_MESSAGE, _EXCEPTION_TRACEBACK)


@dataclass(frozen=True)
class OTelEventData:
    """One span event: name, time in ns since the epoch, OTel-ready attributes."""

    name: str
    time_ns: int
    attributes: Mapping[str, OTelValue] = field(default_factory=dict)


@dataclass(frozen=True)
class OTelSpanData:
    """Everything an OTel span needs, explicitly (ids are ints as in the OTel API).

    ``parent_span_id`` is in the same trace and owned by this process (live spans whose parent belongs to
    another component, such as the application's own OTel span, are built by ``live_spans`` from a
    ``SpanContext`` instead).
    ``error_message`` set means status ERROR with that message; ``dropped_events`` is reported to the backend.
    """

    name: str
    trace_id: int
    span_id: int
    start_ns: int
    end_ns: int
    parent_span_id: Optional[int] = None
    attributes: Mapping[str, OTelValue] = field(default_factory=dict)
    events: Sequence[OTelEventData] = ()
    error_message: Optional[str] = None
    dropped_events: int = 0
    link_trace_id: Optional[int] = None
    link_span_id: Optional[int] = None
    """A span link (to the real parent of a span that begins a continuation trace, see ``trace_bounds``)."""


def ns_from_seconds(seconds: float) -> int:
    """Nanoseconds since the epoch of float seconds since the epoch (~0.25 us resolution), rounded."""
    return round(seconds * 1e9)


def timestamp_ns(timestamp: TracingTimestamp) -> int:
    """Wall-clock nanoseconds since the epoch of a OneLogger timestamp (``ns_from_seconds``)."""
    return ns_from_seconds(timestamp.seconds_since_epoch)


def _checked_span_context(
    trace_id: int, span_id: int, is_remote: bool, trace_state: TraceState = DEFAULT_TRACE_STATE
) -> SpanContext:
    return SpanContext(trace_id, span_id, is_remote=is_remote, trace_flags=_SAMPLED, trace_state=trace_state)


def _tuple_span_context(
    trace_id: int, span_id: int, is_remote: bool, trace_state: TraceState = DEFAULT_TRACE_STATE
) -> SpanContext:
    return _tuple_new(SpanContext, (trace_id, span_id, is_remote, _SAMPLED, trace_state, True))


class SpanContextBuilder(Protocol):
    """``(trace_id, span_id, is_remote[, trace_state]) -> SpanContext`` (sampled), for valid ids only."""

    def __call__(
        self, trace_id: int, span_id: int, is_remote: bool, trace_state: TraceState = DEFAULT_TRACE_STATE
    ) -> SpanContext:
        """Return the span context (no validation of the ids: the caller guarantees them)."""


def _pick_span_context_builder() -> SpanContextBuilder:
    """Return the fastest correct ``SpanContext`` builder for the installed SDK.

    The SDK's ``SpanContext`` is a tuple whose ``__new__`` re-validates the ids (Python code, per span). Our
    ids are valid by construction (non-zero, in range), so the tuple is built directly - but only if this SDK
    version lays it out as expected; otherwise the checked constructor is used.
    """
    try:
        probe = _tuple_span_context(0xABC, 0x123, True)
        if probe == _checked_span_context(0xABC, 0x123, True) and probe.is_valid and probe.span_id == 0x123:
            return _tuple_span_context
    except Exception:  # a different SDK layout: the checked constructor always works
        pass
    return _checked_span_context


_tuple_new = tuple.__new__
span_context = _pick_span_context_builder()
"""``span_context(trace_id, span_id, is_remote[, trace_state]) -> SpanContext`` (sampled), valid ids only."""

_READABLE_SPAN_PARAMETERS = (
    "name",
    "context",
    "parent",
    "resource",
    "attributes",
    "events",
    "links",
    "kind",
    "instrumentation_info",
    "status",
    "start_time",
    "end_time",
    "instrumentation_scope",
)
try:
    _POSITIONAL_READABLE_SPAN = (
        tuple(inspect.signature(ReadableSpan.__init__).parameters)[1:14] == _READABLE_SPAN_PARAMETERS
    )
except (TypeError, ValueError):  # pragma: no cover - signature not introspectable
    _POSITIONAL_READABLE_SPAN = False


def readable_span(
    name: str,
    context: SpanContext,
    parent: Optional[SpanContext],
    resource: Resource,
    attributes: Mapping[str, OTelValue],
    events: Sequence[SdkEvent],
    status: Status,
    start_ns: int,
    end_ns: int,
    scope: InstrumentationScope = SCOPE,
    links: Sequence[Link] = (),
) -> ReadableSpan:
    """Build a ``ReadableSpan`` from ready SDK pieces (positional arguments when the SDK's signature allows).

    Positional arguments save ~0.5 us per span over keywords; the parameter order is checked once at import
    against the installed SDK, and keywords are used if it ever differs.
    """
    if _POSITIONAL_READABLE_SPAN:
        return ReadableSpan(
            name, context, parent, resource, attributes, events, links, _INTERNAL, None, status, start_ns, end_ns, scope
        )
    return ReadableSpan(
        name=name,
        context=context,
        parent=parent,
        resource=resource,
        attributes=attributes,
        events=events,
        links=links,
        kind=_INTERNAL,
        status=status,
        start_time=start_ns,
        end_time=end_ns,
        instrumentation_scope=scope,
    )


def error_status(message: Optional[str]) -> Status:
    """Status ERROR with ``message`` (UTF-8 safe), or the shared UNSET status for None."""
    return _UNSET if message is None else Status(StatusCode.ERROR, utf8_safe(message))


def build_readable_span(data: OTelSpanData, resource: Resource, scope: InstrumentationScope = SCOPE) -> ReadableSpan:
    """Turn explicit span data into an SDK ``ReadableSpan`` ready for any ``SpanExporter``.

    The SDK documents ``ReadableSpan`` as produced by its tracer; we build it directly because a tracer cannot
    take explicit span ids, and because building it off the application's thread is what keeps the hot path
    cheap. The constructor is public and stable across SDK versions since 1.0.
    """
    context = _checked_span_context(data.trace_id, data.span_id, False)
    parent = _checked_span_context(data.trace_id, data.parent_span_id, False) if data.parent_span_id else None
    events: Sequence[SdkEvent] = [SdkEvent(utf8_safe(e.name), e.attributes, e.time_ns) for e in data.events]
    if data.dropped_events:
        events = with_dropped_count(events, data.dropped_events)
    links: Sequence[Link] = ()
    if data.link_trace_id and data.link_span_id:
        links = (Link(_checked_span_context(data.link_trace_id, data.link_span_id, False)),)
    return readable_span(
        utf8_safe(data.name),
        context,
        parent,
        resource,
        data.attributes,
        events,
        error_status(data.error_message),
        data.start_ns,
        max(data.end_ns, data.start_ns),
        scope,
        links,
    )


def with_dropped_count(events: Sequence[SdkEvent], dropped: int) -> Sequence[SdkEvent]:
    """Return ``events`` as the SDK's ``BoundedList`` reporting ``dropped`` older events (``dropped_events_count``)."""
    bounded: BoundedList[SdkEvent] = BoundedList(None)
    bounded.extend(events)
    bounded.dropped = dropped
    return bounded


def plain_attributes(attributes: Optional[Mapping[str, object]]) -> Dict[str, object]:
    """Snapshot a OneLogger ``Attributes`` (name -> ``Attribute``) as name -> value (``dict.copy``: one C call)."""
    if attributes is None:
        return {}
    snapshot: Dict[str, object] = dict.copy(attributes) if isinstance(attributes, dict) else dict(attributes)
    return {name: value.value if isinstance(value, Attribute) else value for name, value in snapshot.items()}


def map_event(
    name: str,
    time_ns: int,
    attributes: Mapping[str, object],
    *,
    is_error: bool = False,
    legacy_fields: bool = True,
) -> OTelEventData:
    """Map an event given as plain values (name, time, attribute values): the one event rule of the bridge.

    A plain event keeps its name and attributes; an error becomes an ``exception`` event (semantic conventions:
    ``exception.type``, ``exception.message``, ``exception.stacktrace``) plus ``one_logger.error_message``, built
    from the ``error_message`` / ``exception_*`` attributes an ``ErrorEvent`` stores its fields in (so an error
    read back from a file maps exactly like the live one). ``legacy_fields=False`` leaves ``timestamp_msec`` out.
    """
    if not is_error:
        converted = to_otel_attributes(attributes)
        if not legacy_fields:
            converted.pop(EVENT_TIMESTAMP_MSEC, None)
        return OTelEventData(name, time_ns, converted)
    mapped: Dict[str, object] = {
        k: v for k, v in attributes.items() if k not in _ERROR_KEYS and (legacy_fields or k != EVENT_TIMESTAMP_MSEC)
    }
    error_message = attributes.get(_ERROR_MESSAGE)
    if attributes.get(_EXCEPTION_TYPE):
        mapped["exception.type"] = attributes[_EXCEPTION_TYPE]
    mapped["exception.message"] = attributes.get(_EXCEPTION_MESSAGE) or error_message
    if attributes.get(_EXCEPTION_TRACEBACK):
        mapped["exception.stacktrace"] = attributes[_EXCEPTION_TRACEBACK]
    mapped[ATTR_ERROR_MESSAGE] = error_message
    return OTelEventData(EXCEPTION_EVENT_NAME, time_ns, to_otel_attributes(mapped))


def sdk_event(event: Event, legacy_fields: bool = True) -> SdkEvent:
    """Return the SDK span event of a OneLogger event: ``map_event`` without the intermediate object (live path).

    ``legacy_fields=False`` leaves ``timestamp_msec`` out (the event's own time says it) without building the
    event twice.
    """
    if isinstance(event, ErrorEvent):
        data = map_event(
            event.name_str,
            timestamp_ns(event.timestamp),
            plain_attributes(event.attributes),
            is_error=True,
            legacy_fields=legacy_fields,
        )
        return SdkEvent(data.name, data.attributes, data.time_ns)
    if type(event) is Event:  # the core class: its plain values and time, without building objects
        values = event.attributes_json()
        if not legacy_fields:
            values.pop(EVENT_TIMESTAMP_MSEC, None)
        return SdkEvent(
            utf8_safe(event.name_str), owned_to_otel_attributes(values), ns_from_seconds(event.seconds_since_epoch)
        )
    # A subclass may override ``attributes`` and ``timestamp``.
    converted = to_otel_attributes(event.attributes)
    if not legacy_fields:
        converted.pop(EVENT_TIMESTAMP_MSEC, None)
    return SdkEvent(utf8_safe(event.name_str), converted, timestamp_ns(event.timestamp))


def event_data(event: Event, legacy_fields: bool = True) -> OTelEventData:
    """Map a OneLogger event as the live exporter does (``sdk_event``), as explicit data (for reuse)."""
    mapped = sdk_event(event, legacy_fields)
    attributes = cast(Dict[str, OTelValue], mapped.attributes)  # sdk_event's are converted values, in a dict
    return OTelEventData(mapped.name, mapped.timestamp or 0, attributes)


def keeps_lifecycle_event(attributes: Optional[Mapping[str, object]], legacy_fields: bool) -> bool:
    """Tell whether a mapped ``span_start``/``span_stop`` event is sent.

    Always with ``legacy_fields``; otherwise only when it carries attributes of its own (``timestamp_msec`` is
    already left out by the mapping).
    """
    return legacy_fields or bool(attributes)


def without_native_duplicates(event: SdkEvent) -> SdkEvent:
    """Return ``event`` without ``timestamp_msec`` (the event's own time says it), the same object if it has none."""
    attributes = event.attributes
    if not attributes or EVENT_TIMESTAMP_MSEC not in attributes:
        return event
    kept = {k: v for k, v in attributes.items() if k != EVENT_TIMESTAMP_MSEC}
    return SdkEvent(event.name, kept, event.timestamp)


def lifecycle_event(event: SdkEvent, legacy_fields: bool) -> Optional[SdkEvent]:
    """Return the ``span_start``/``span_stop`` span event to send for a start/stop event, or None."""
    if not legacy_fields:
        event = without_native_duplicates(event)
    return event if keeps_lifecycle_event(event.attributes, legacy_fields) else None


def span_attributes(
    attributes: Optional[Mapping[str, object]], span_id: str, legacy_fields: bool = True
) -> Dict[str, OTelValue]:
    """Return the OTel attributes of a span given as plain values: its attributes + ``one_logger.span.id``.

    ``legacy_fields=False`` leaves ``duration_msec`` out (the span's start and end say it). The replay calls this
    with a recorded span's attributes; ``final_span_attributes`` is the same for a live ``Span``.
    """
    return _with_span_id(to_otel_attributes(attributes), span_id, legacy_fields)


def final_span_attributes(span: Span, legacy_fields: bool = True) -> Dict[str, OTelValue]:
    """Return the OTel attributes of a OneLogger span: its current attributes + ``one_logger.span.id``.

    The core ``Span`` class gives its attributes as plain values (``attributes_json``: no ``Attribute`` objects
    built); a subclass goes through ``attributes``, which it may override.
    """
    if type(span) is not Span:
        return span_attributes(span.attributes, str(span.id), legacy_fields)
    return _with_span_id(owned_to_otel_attributes(span.attributes_json()), span.id_str, legacy_fields)


def _with_span_id(converted: Dict[str, OTelValue], span_id: str, legacy_fields: bool) -> Dict[str, OTelValue]:
    """Finish converted span attributes: ``duration_msec`` only with ``legacy_fields``, ``one_logger.span.id`` set."""
    if not legacy_fields:
        converted.pop(SPAN_DURATION_MSEC, None)
    converted[ATTR_SPAN_ID] = span_id
    return converted


def telemetry_data_error_attributes(
    error_type: str, message: str, extra: Optional[Mapping[str, object]] = None
) -> Dict[str, OTelValue]:
    """Attributes of the span that reports a telemetry data error (``extra``: the error's other attributes)."""
    others: Dict[str, object] = {
        k: v for k, v in plain_attributes(extra).items() if k not in (_ERROR_MESSAGE, "telemetry_data_error_type")
    }
    attributes = to_otel_attributes(others)
    attributes[ATTR_TELEMETRY_DATA_ERROR_TYPE] = utf8_safe(error_type)
    attributes[ATTR_TELEMETRY_DATA_ERROR_MESSAGE] = utf8_safe(message)
    attributes[ATTR_TELEMETRY_DATA_ERROR] = True
    return attributes
