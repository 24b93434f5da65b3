"""Turns the stream of exporter calls into OTel spans, including the liveness markers of open spans.

Runs on the export worker's thread (``pipeline.ExportWorker`` calls ``process`` once per batch cycle with the
calls queued since the last cycle), so nothing here costs the application's thread anything.

Liveness scheme (also in docs/otel.md). OTel exports a span only when it ends, so a days-long training span would
be invisible until the end, and lost on a crash. At the end of each cycle, for every OneLogger span that is
*still open*:

- if its start was not announced yet, a **start marker** is sent: a zero-length span named ``"<name> [started]"``
  at the span's start time, child of the (future) real span, carrying the span's current attributes, its
  ``span_start`` event, ``one_logger.span.id`` and ``one_logger.marker = "span_start"``;
- if it received events since the last cycle, an **event marker** is sent: a span named ``"<name> [events]"``
  from the first to the last of those events, child of the real span, carrying those events (at most the span
  event limit per marker; more markers if needed) and ``one_logger.marker = "event"``.

A span that starts and stops within one cycle (nearly all short spans) gets no marker at all: its final span
already carries everything, so the liveness scheme costs nothing for it. When the span stops, the single
complete span is sent with its real id; markers never reuse it, and a viewer or query hides them with the filter
``one_logger.marker`` *is not set*.

Events on long spans: the final span carries ``span_start``, the most recent ``event_limit - 2`` events and
``span_stop`` (``event_limit`` is the SDK's span event limit, ``OTEL_SPAN_EVENT_COUNT_LIMIT``, default 128); the
number of older events it does not carry is reported as the span's ``dropped_events_count``. With event markers
on (the default), every event also went out in a marker, so none is lost.

Trace and parents: all spans of one exporter share one trace (the first root span fixes the trace id). A span's
parent is its nearest exported OneLogger ancestor (also when that ancestor stopped recently, within
``_RECENT_LIMIT`` spans). A span without one is a root; with ``parent_from_current_otel_span`` the exporter hands
in the application's current OTel span context instead, and the span becomes its child (in the app's trace).

Telemetry data errors become a zero-length ``telemetry_data_error`` span with status ERROR in the same trace,
child of the open root span (or itself a root of the trace when no root span is open). Every root span that
is exported afterwards (or in the same batch) carries ``one_logger.telemetry_data_error = true``; so does the
error span itself.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple, Union

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.otel.attributes import to_otel_attributes, utf8_safe
from nv_one_logger.otel.ids import IdScheme, random_span_id, random_trace_id
from nv_one_logger.otel.mapping import (
    ATTR_ERROR_MESSAGE,
    ATTR_MARKER,
    ATTR_SPAN_ID,
    ATTR_TELEMETRY_DATA_ERROR,
    TELEMETRY_DATA_ERROR_SPAN_NAME,
    OTelSpanData,
    build_readable_span,
    error_status,
    final_span_attributes,
    readable_span,
    sdk_event,
    span_context,
    telemetry_data_error_attributes,
    timestamp_ns,
    with_dropped_count,
)

OP_START = 0
OP_EVENT = 1
OP_STOP = 2
OP_TELEMETRY_DATA_ERROR = 3

MARKER_SPAN_START = "span_start"
MARKER_EVENT = "event"
_RECENT_LIMIT = 4096


class _OpenSpan:
    """Worker-side state of one open OneLogger span (its OTel context is built once, here)."""

    __slots__ = (
        "context",
        "dropped",
        "error_message",
        "event_window",
        "events",
        "is_root",
        "name",
        "parent",
        "pending",
        "span",
        "start_event",
        "start_marker_sent",
    )

    def __init__(
        self,
        span: Span,
        context: SpanContext,
        parent: Optional[SpanContext],
        start_event: SdkEvent,
        event_window: int,
    ) -> None:
        self.span = span
        self.name = utf8_safe(span.name_str)
        self.context = context
        self.parent = parent
        self.is_root = parent is None or parent.is_remote
        self.start_event = start_event
        self.event_window = event_window
        self.events: Optional[Deque[SdkEvent]] = None  # created on the first event: most spans have none
        self.dropped = 0
        self.pending: List[SdkEvent] = []
        self.start_marker_sent = False
        self.error_message: Optional[str] = None


class LiveSpanTranslator:
    """Stateful translator from exporter calls to ``ReadableSpan`` objects (see the module docstring)."""

    def __init__(
        self,
        resource: Union[Resource, Callable[[], Resource]],
        ids: IdScheme,
        event_limit: int = 128,
        start_markers: bool = True,
        event_markers: bool = True,
    ) -> None:
        self._resource = resource if isinstance(resource, Resource) else None
        self._resource_factory = None if isinstance(resource, Resource) else resource
        self.ids = ids
        self.event_limit = max(2, event_limit)
        self.start_markers = start_markers
        self.event_markers = event_markers
        self.trace_id: Optional[int] = None
        self.telemetry_data_error_seen = False
        # Keyed by ``uuid.int``: hashing an int is a C call, ``uuid.UUID.__hash__`` is Python code.
        self._open: Dict[int, _OpenSpan] = {}
        self._recent: Dict[int, SpanContext] = {}
        self._recent_order: Deque[int] = deque()  # oldest first, to evict in O(1)

    @property
    def resource(self) -> Resource:
        """The resource, built on first use when a factory was given.

        The exporter is initialized by the recorder's constructor, usually *before* ``configure_one_logger``
        installs the config the resource is built from; the first batch comes after that.
        """
        if self._resource is None:
            assert self._resource_factory is not None
            self._resource = self._resource_factory()
        return self._resource

    # --- entry point ---------------------------------------------------------------------------------------
    def process(self, items: List[Tuple[int, Any, Any]]) -> List[ReadableSpan]:
        """Translate one cycle's calls (``(op, span, payload)`` tuples, in call order) into spans to export.

        This is the export thread's hot loop: one dict lookup per call, each span's OTel context built once,
        SDK events built directly (no intermediate objects), the resource read once per cycle.
        """
        out: List[ReadableSpan] = []
        touched: Dict[int, _OpenSpan] = {}
        if not self.telemetry_data_error_seen and any(item[0] == OP_TELEMETRY_DATA_ERROR for item in items):
            # A root span exported in the same batch as a telemetry data error is flagged too, even if it ended
            # a moment before the error was reported: the flag says "this run's data is not complete".
            self.telemetry_data_error_seen = True
        open_spans = self._open
        resource = self.resource
        for op, span, payload in items:
            if op == OP_STOP:
                key = span.id.int
                state = open_spans.pop(key, None)
                if state is None:  # its start was dropped (full queue): the span object still has everything
                    state = self._new_state(span, None)
                else:
                    touched.pop(key, None)
                self._finish(key, span, state, resource, out)
            elif op == OP_START:
                key = span.id.int
                state = open_spans.get(key)
                if state is None:
                    state = open_spans[key] = self._new_state(span, payload)
                touched[key] = state
            elif op == OP_EVENT:
                key = span.id.int
                state = open_spans.get(key)
                if state is None:
                    state = open_spans[key] = self._new_state(span, None)
                event = sdk_event(payload)
                if type(payload) is not Event and isinstance(payload, ErrorEvent):
                    state.error_message = str((event.attributes or {}).get(ATTR_ERROR_MESSAGE, ""))
                self._add_event(state, event)
                touched[key] = state
            elif op == OP_TELEMETRY_DATA_ERROR:
                out.append(self._telemetry_data_error_span(payload))
        for state in touched.values():
            self._markers(state, out)
        return out

    # --- span state ----------------------------------------------------------------------------------------
    def _new_state(self, span: Span, app_parent: Optional[SpanContext]) -> _OpenSpan:
        """State for the first call seen for ``span``: normally its start; after a dropped start, whatever came."""
        parent = self._find_parent(span)
        if parent is not None:
            trace_id = parent.trace_id
        elif app_parent is not None and app_parent.is_valid:
            trace_id = app_parent.trace_id
            parent = span_context(trace_id, app_parent.span_id, True)
        else:
            trace_id = self.trace_id if self.trace_id is not None else self._first_trace_id(span.id)
        span_id = random_span_id() if not self.ids.deterministic else self.ids.span_id(span.id)
        return _OpenSpan(
            span,
            span_context(trace_id, span_id, False),
            parent,
            sdk_event(span.start_event),
            self.event_limit - 2,
        )

    def _first_trace_id(self, root_uuid: uuid.UUID) -> int:
        self.trace_id = self.ids.trace_id(root_uuid)
        return self.trace_id

    def _find_parent(self, span: Span) -> Optional[SpanContext]:
        """Return the context of the nearest exported ancestor (open or recently stopped), if any."""
        ancestor_id = span.parent_id
        if ancestor_id is None:
            return None
        ancestor = span.parent_span
        while ancestor_id is not None:
            key = ancestor_id.int
            state = self._open.get(key)
            if state is not None:
                return state.context
            recent = self._recent.get(key)
            if recent is not None:
                return recent
            if ancestor is None:
                return None
            ancestor = ancestor.parent_span
            ancestor_id = None if ancestor is None else ancestor.id
        return None

    def _add_event(self, state: _OpenSpan, event: SdkEvent) -> None:
        events = state.events
        if events is None:
            events = state.events = deque(maxlen=max(0, state.event_window))
        if len(events) == events.maxlen:
            state.dropped += 1
        events.append(event)
        if self.event_markers:
            state.pending.append(event)

    # --- spans out -----------------------------------------------------------------------------------------
    def _finish(self, key: int, span: Span, state: _OpenSpan, resource: Resource, out: List[ReadableSpan]) -> None:
        context = state.context
        recent = self._recent
        if len(self._recent_order) >= _RECENT_LIMIT:
            recent.pop(self._recent_order.popleft(), None)
        recent[key] = context
        self._recent_order.append(key)
        retained = state.events
        if retained is None:
            events = [state.start_event]
        else:
            # Pending events the final span cannot carry (evicted by the bound) still go out as markers.
            evicted = len(state.pending) - len(retained)
            if evicted > 0:
                state.pending = state.pending[:evicted]
                self._event_markers(state, out)
            events = [state.start_event, *retained]
        stop = span.stop_event
        start_ns = state.start_event.timestamp
        if stop is not None:
            stop_event = sdk_event(stop)
            end_ns = stop_event.timestamp
            events.append(stop_event)
        else:
            end_ns = time.time_ns()
        attributes = to_otel_attributes(span.attributes)
        attributes[ATTR_SPAN_ID] = str(span.id)
        if state.is_root and self.telemetry_data_error_seen:
            attributes[ATTR_TELEMETRY_DATA_ERROR] = True
        out.append(
            readable_span(
                state.name,
                context,
                state.parent,
                resource,
                attributes,
                with_dropped_count(events, state.dropped) if state.dropped else events,
                error_status(state.error_message),
                start_ns,
                end_ns if end_ns > start_ns else start_ns,
            )
        )

    def _markers(self, state: _OpenSpan, out: List[ReadableSpan]) -> None:
        if self.start_markers and not state.start_marker_sent:
            state.start_marker_sent = True
            out.append(self._marker(state, f"{state.name} [started]", MARKER_SPAN_START, [state.start_event]))
        if state.pending:
            self._event_markers(state, out)

    def _event_markers(self, state: _OpenSpan, out: List[ReadableSpan]) -> None:
        pending, state.pending = state.pending, []
        for i in range(0, len(pending), self.event_limit):
            out.append(self._marker(state, f"{state.name} [events]", MARKER_EVENT, pending[i : i + self.event_limit]))

    def _marker(self, state: _OpenSpan, name: str, kind: str, events: List[SdkEvent]) -> ReadableSpan:
        if kind == MARKER_SPAN_START:
            attributes = final_span_attributes(state.span)  # what is running, as known now
        else:
            attributes = {ATTR_SPAN_ID: str(state.span.id)}
        attributes[ATTR_MARKER] = kind
        start_ns = events[0].timestamp
        end_ns = events[-1].timestamp
        return readable_span(
            name,
            span_context(state.context.trace_id, random_span_id(), False),
            state.context,
            self.resource,
            attributes,
            events,
            error_status(None),
            start_ns,
            end_ns if end_ns > start_ns else start_ns,
        )

    def _telemetry_data_error_span(self, error: Any) -> ReadableSpan:
        self.telemetry_data_error_seen = True
        if isinstance(error, TelemetryDataError):
            error_type, message, extra = error.error_type.value, error.error_message, error.attributes
            time_ns = timestamp_ns(error.timestamp)
        else:  # (error_type, message) reported by the exporter itself, e.g. for delivery losses
            error_type, message = error
            extra, time_ns = None, time.time_ns()
        root = next((s for s in self._open.values() if s.is_root), None)
        trace_id = root.context.trace_id if root is not None else (self.trace_id or random_trace_id())
        if self.trace_id is None:
            self.trace_id = trace_id
        data = OTelSpanData(
            name=TELEMETRY_DATA_ERROR_SPAN_NAME,
            trace_id=trace_id,
            span_id=random_span_id(),
            start_ns=time_ns,
            end_ns=time_ns,
            parent_span_id=root.context.span_id if root is not None else None,
            attributes=telemetry_data_error_attributes(error_type, message, extra),
            error_message=message,
        )
        return build_readable_span(data, self.resource)
