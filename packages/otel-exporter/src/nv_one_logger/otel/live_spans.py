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
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext

from nv_one_logger.core.event import TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.otel.ids import IdScheme, random_span_id, random_trace_id
from nv_one_logger.otel.mapping import (
    ATTR_MARKER,
    ATTR_SPAN_ID,
    ATTR_TELEMETRY_DATA_ERROR,
    TELEMETRY_DATA_ERROR_SPAN_NAME,
    OTelEventData,
    OTelSpanData,
    build_readable_span,
    event_data,
    final_span_attributes,
    telemetry_data_error_attributes,
    timestamp_ns,
)

OP_START = 0
OP_EVENT = 1
OP_STOP = 2
OP_TELEMETRY_DATA_ERROR = 3

MARKER_SPAN_START = "span_start"
MARKER_EVENT = "event"
_RECENT_LIMIT = 4096


class _OpenSpan:
    """Worker-side state of one open OneLogger span."""

    __slots__ = (
        "dropped",
        "error_message",
        "events",
        "is_root",
        "name",
        "parent_is_remote",
        "parent_span_id",
        "pending",
        "span",
        "span_id",
        "start_event",
        "start_marker_sent",
        "start_ns",
        "trace_id",
    )

    def __init__(
        self,
        span: Span,
        trace_id: int,
        span_id: int,
        parent: Optional[Tuple[int, bool]],
        start_event: OTelEventData,
        event_limit: int,
    ) -> None:
        self.span = span
        self.name = span.name_str
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_span_id = parent[0] if parent else None
        self.parent_is_remote = parent[1] if parent else False
        self.is_root = parent is None or parent[1]
        self.start_event = start_event
        self.start_ns = start_event.time_ns
        self.events: Deque[OTelEventData] = deque(maxlen=max(0, event_limit - 2))
        self.dropped = 0
        self.pending: List[OTelEventData] = []
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
        self._recent: Dict[int, Tuple[int, int]] = {}
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
        """Translate one cycle's calls (``(op, span, payload)`` tuples, in call order) into spans to export."""
        out: List[ReadableSpan] = []
        touched: Dict[int, _OpenSpan] = {}
        if not self.telemetry_data_error_seen and any(item[0] == OP_TELEMETRY_DATA_ERROR for item in items):
            # A root span exported in the same batch as a telemetry data error is flagged too, even if it ended
            # a moment before the error was reported: the flag says "this run's data is not complete".
            self.telemetry_data_error_seen = True
        for op, span, payload in items:
            if op == OP_EVENT:
                state = self._state_of(span, None)
                self._add_event(state, event_data(payload))
                touched[span.id.int] = state
            elif op == OP_START:
                touched[span.id.int] = self._state_of(span, payload)
            elif op == OP_STOP:
                state = self._state_of(span, None)
                touched.pop(span.id.int, None)
                self._finish(span, state, out)
            elif op == OP_TELEMETRY_DATA_ERROR:
                out.append(self._telemetry_data_error_span(payload))
        for state in touched.values():
            self._markers(state, out)
        return out

    # --- span state ----------------------------------------------------------------------------------------
    def _state_of(self, span: Span, app_parent: Optional[SpanContext]) -> _OpenSpan:
        key = span.id.int
        state = self._open.get(key)
        if state is not None:
            return state
        # First call for this span: normally its start; after a dropped start, whatever call came first.
        parent = self._find_parent(span)
        if parent is not None:
            trace_id, parent_ref = parent[0], (parent[1], False)
        elif app_parent is not None and app_parent.is_valid:
            trace_id, parent_ref = app_parent.trace_id, (app_parent.span_id, True)
        else:
            trace_id, parent_ref = self._trace_id_for(span.id), None
        state = _OpenSpan(
            span,
            trace_id,
            self.ids.span_id(span.id),
            parent_ref,
            event_data(span.start_event),
            self.event_limit,
        )
        self._open[key] = state
        return state

    def _trace_id_for(self, root_uuid: uuid.UUID) -> int:
        if self.trace_id is None:
            self.trace_id = self.ids.trace_id(root_uuid)
        return self.trace_id

    def _find_parent(self, span: Span) -> Optional[Tuple[int, int]]:
        """(trace_id, span_id) of the nearest exported ancestor (open or recently stopped), if any."""
        ancestor = span.parent_span
        ancestor_id = span.parent_id
        while ancestor_id is not None:
            key = ancestor_id.int
            state = self._open.get(key)
            if state is not None:
                return state.trace_id, state.span_id
            recent = self._recent.get(key)
            if recent is not None:
                return recent
            if ancestor is None:
                return None
            ancestor = ancestor.parent_span
            ancestor_id = None if ancestor is None else ancestor.id
        return None

    def _add_event(self, state: _OpenSpan, event: OTelEventData) -> None:
        if event.is_error:
            state.error_message = str(event.attributes.get("one_logger.error_message", ""))
        if state.events.maxlen is not None and len(state.events) == state.events.maxlen:
            state.dropped += 1
        state.events.append(event)
        if self.event_markers:
            state.pending.append(event)

    # --- spans out -----------------------------------------------------------------------------------------
    def _finish(self, span: Span, state: _OpenSpan, out: List[ReadableSpan]) -> None:
        key = span.id.int
        del self._open[key]
        if len(self._recent_order) >= _RECENT_LIMIT:
            self._recent.pop(self._recent_order.popleft(), None)
        self._recent[key] = (state.trace_id, state.span_id)
        self._recent_order.append(key)
        # Pending events the final span cannot carry (evicted by the bound) still go out as markers.
        evicted = len(state.pending) - len(state.events)
        if evicted > 0:
            state.pending = state.pending[:evicted]
            self._event_markers(state, out)
        stop = span.stop_event
        end_ns = timestamp_ns(stop.timestamp) if stop is not None else time.time_ns()
        events = [state.start_event, *state.events]
        if stop is not None:
            events.append(event_data(stop))
        attributes = final_span_attributes(span)
        if state.is_root and self.telemetry_data_error_seen:
            attributes[ATTR_TELEMETRY_DATA_ERROR] = True
        data = OTelSpanData(
            name=state.name,
            trace_id=state.trace_id,
            span_id=state.span_id,
            start_ns=state.start_ns,
            end_ns=end_ns,
            parent_span_id=state.parent_span_id,
            parent_is_remote=state.parent_is_remote,
            attributes=attributes,
            events=events,
            error_message=state.error_message,
            dropped_events=state.dropped,
        )
        out.append(build_readable_span(data, self.resource))

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

    def _marker(self, state: _OpenSpan, name: str, kind: str, events: List[OTelEventData]) -> ReadableSpan:
        if kind == MARKER_SPAN_START:
            attributes = final_span_attributes(state.span)  # what is running, as known now
        else:
            attributes = {ATTR_SPAN_ID: str(state.span.id)}
        attributes[ATTR_MARKER] = kind
        data = OTelSpanData(
            name=name,
            trace_id=state.trace_id,
            span_id=random_span_id(),
            start_ns=events[0].time_ns,
            end_ns=events[-1].time_ns,
            parent_span_id=state.span_id,
            attributes=attributes,
            events=events,
        )
        return build_readable_span(data, self.resource)

    def _telemetry_data_error_span(self, error: Any) -> ReadableSpan:
        self.telemetry_data_error_seen = True
        if isinstance(error, TelemetryDataError):
            error_type, message, extra = error.error_type.value, error.error_message, error.attributes
            time_ns = timestamp_ns(error.timestamp)
        else:  # (error_type, message) reported by the exporter itself, e.g. for delivery losses
            error_type, message = error
            extra, time_ns = None, time.time_ns()
        root = next((s for s in self._open.values() if s.is_root), None)
        trace_id = root.trace_id if root is not None else (self.trace_id or random_trace_id())
        if self.trace_id is None:
            self.trace_id = trace_id
        data = OTelSpanData(
            name=TELEMETRY_DATA_ERROR_SPAN_NAME,
            trace_id=trace_id,
            span_id=random_span_id(),
            start_ns=time_ns,
            end_ns=time_ns,
            parent_span_id=root.span_id if root is not None else None,
            attributes=telemetry_data_error_attributes(error_type, message, extra),
            error_message=message,
        )
        return build_readable_span(data, self.resource)
