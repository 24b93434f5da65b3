"""Turns the stream of exporter calls into OTel spans, including the liveness markers of long-open spans.

Runs on the export worker's thread (``pipeline.ExportWorker`` calls ``process`` once per batch cycle with the
calls queued since the last cycle, and also when nothing was queued, so that long-open spans are noticed), so
nothing here costs the application's thread anything.

Liveness: a span that is still open ``liveness_threshold_s`` (default 1 s) after its start, at the end of a batch
cycle, is *streamed*; ``live_markers`` builds its markers and says why they exist. This module keeps the
bookkeeping: which open spans have crossed the threshold, and which events are still to go out in a marker. Each
event is exported exactly once: in an event marker if its span was streamed when the event was handled, else in
the span's final OTel span. Spans shorter than the threshold (nearly all spans, and every span of a program
shorter than the threshold) get no marker at all: the trace is span for span what the OTel SDK would send. When a
span stops, its one complete span is sent with its real id.

Events the final span cannot carry (more than ``event_limit`` on a span that was not streamed) go out in event
markers when the span stops. With ``event_markers=False`` nothing is streamed: the final span carries the most
recent events and reports the older ones as ``dropped_events_count``.

Traces and parents: ``live_traces`` gives each span its parent and its trace (the nearest exported OneLogger
ancestor, else the application's span, ``TRACEPARENT`` or the session trace, else a new trace; continuation traces
beyond ``max_spans_per_trace`` spans). A span that begins a continuation trace carries a span link to its real
parent and ``one_logger.parent_span.id``, ``one_logger.continued_from.trace_id`` / ``.span_id``.

Telemetry data errors become a zero-length ``telemetry_data_error`` span with status ERROR, child of an open root
span (or itself a root when no root span is open). Every root span that is exported afterwards (or in the same
batch) carries ``one_logger.telemetry_data_error = true``; so does the error span itself.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable, Deque, Dict, List, Optional, Sequence, Tuple, Union

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import Link, SpanContext

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.otel.attributes import utf8_safe
from nv_one_logger.otel.ids import IdScheme, random_span_id, random_trace_id
from nv_one_logger.otel.light_events import light_event
from nv_one_logger.otel.live_calls import Call, DataErrorCall, EventCall, LossReport, StartCall, StopCall
from nv_one_logger.otel.live_markers import event_markers, start_marker
from nv_one_logger.otel.live_traces import LiveTraces
from nv_one_logger.otel.mapping import (
    ATTR_CONTINUED_FROM_SPAN,
    ATTR_CONTINUED_FROM_TRACE,
    ATTR_ERROR_MESSAGE,
    ATTR_PARENT_SPAN_ID,
    ATTR_TELEMETRY_DATA_ERROR,
    TELEMETRY_DATA_ERROR_SPAN_NAME,
    OTelSpanData,
    build_readable_span,
    error_status,
    final_span_attributes,
    lifecycle_event,
    readable_span,
    sdk_event,
    telemetry_data_error_attributes,
    timestamp_ns,
    with_dropped_count,
)

DEFAULT_LIVENESS_THRESHOLD_S = 1.0
"""Spans open longer than this are streamed (docs/otel.md explains the choice)."""
DEFAULT_MAX_SPANS_PER_TRACE = 10000
"""Default cap of OneLogger spans per trace (docs/otel.md, "Traces", explains the choice)."""

_ERROR_CALLS = frozenset((DataErrorCall, LossReport))


class OpenSpan:
    """Worker-side state of one open OneLogger span (its OTel context is built once, here)."""

    __slots__ = (
        "context",
        "dropped",
        "error_message",
        "event_window",
        "events",
        "is_root",
        "link",
        "name",
        "parent",
        "pending",
        "span",
        "start_event",
        "start_ns",
        "streaming",
    )

    def __init__(
        self,
        span: Span,
        context: SpanContext,
        parent: Optional[SpanContext],
        start_event: SdkEvent,
        event_window: int,
        link: Optional[SpanContext],
    ) -> None:
        self.span = span
        self.name = utf8_safe(span.name_str)
        self.context = context
        self.parent = parent
        self.link = link  # the real parent of a span that begins a continuation trace
        self.is_root = parent is None or parent.is_remote
        self.start_event = start_event
        self.start_ns: int = start_event.timestamp or 0
        self.event_window = event_window
        self.events: Optional[Deque[SdkEvent]] = None  # created on the first event: most spans have none
        self.dropped = 0
        self.pending: List[SdkEvent] = []  # events to stream in the next event marker
        self.streaming = False
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
        liveness_threshold_s: float = DEFAULT_LIVENESS_THRESHOLD_S,
        legacy_fields: bool = False,
        max_spans_per_trace: int = DEFAULT_MAX_SPANS_PER_TRACE,
        remote_parent: Optional[SpanContext] = None,
        trace_per_session: bool = False,
        light_events: bool = False,
    ) -> None:
        self._resource = resource if isinstance(resource, Resource) else None
        self._resource_factory = None if isinstance(resource, Resource) else resource
        self.event_limit = max(2, event_limit)
        self.start_markers = start_markers
        self.event_markers = event_markers
        self.threshold_ns = max(0, round(liveness_threshold_s * 1e9))
        self.legacy_fields = legacy_fields
        # True when the span exporter encodes with ``otlp_encoding`` (the SDK's gRPC exporter): plain events then
        # become ``light_events.LightEvent`` objects, converted and encoded once, when the encoder reads them.
        self.light_events = light_events
        self.traces = LiveTraces(ids, max_spans_per_trace, remote_parent, trace_per_session)
        self.trace_parents = self.traces.trace_parents  # trace id -> its remote parent, for the sampler
        self.telemetry_data_error_seen = False
        # Keyed by ``uuid.int``: hashing an int is a C call, ``uuid.UUID.__hash__`` is Python code.
        self._open: Dict[int, OpenSpan] = {}
        # Spans not streamed yet, in start order: (start ns, key); a cycle looks only at those old enough.
        self._waiting: Deque[Tuple[int, int]] = deque()
        # Open spans with events to send in a marker at the end of this cycle.
        self._dirty: Dict[int, OpenSpan] = {}

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
    def process(self, calls: List[Call]) -> List[ReadableSpan]:
        """Translate one cycle's calls (``live_calls`` records, in call order) into spans to export.

        This is the export thread's hot loop: one dict lookup per call, each span's OTel context built once,
        SDK events built directly (no intermediate objects; light events for the gRPC exporter), the resource read
        once per cycle. An empty list is a cycle without calls: only long-open spans are looked at.
        """
        out: List[ReadableSpan] = []
        if not calls and not self._open:
            return out
        if not self.telemetry_data_error_seen and not _ERROR_CALLS.isdisjoint(map(type, calls)):  # C loop
            # A root span exported in the same batch as a telemetry data error is flagged too, even if it ended
            # a moment before the error was reported: the flag says "this run's data is not complete".
            self.telemetry_data_error_seen = True
        open_spans = self._open
        resource = self.resource
        legacy = self.legacy_fields
        light = light_event if self.light_events else None
        streams_events = self.event_markers
        for call in calls:
            # Events first: they outnumber starts and stops wherever the export thread's time matters.
            if type(call) is tuple:  # an ``EventCall``, the one record that is a bare tuple (``live_calls``)
                event_call: EventCall = call  # type: ignore[assignment]  # mypy does not narrow on ``is tuple``
                span, payload = event_call
                key = span.id_int
                state = open_spans.get(key)
                if state is None:
                    state = open_spans[key] = self._new_state(span, None)
                if type(payload) is Event:
                    event = light(payload, legacy) if light is not None else sdk_event(payload, legacy)
                else:
                    event = sdk_event(payload, legacy)
                    if isinstance(payload, ErrorEvent):
                        state.error_message = str((event.attributes or {}).get(ATTR_ERROR_MESSAGE, ""))
                if state.streaming and streams_events:  # ``_add_event``'s first case inline: a call less per event
                    state.pending.append(event)
                    self._dirty[key] = state
                else:
                    self._add_event(key, state, event)
            elif type(call) is StopCall:
                (span,) = call
                key = span.id_int
                state = open_spans.pop(key, None)
                if state is None:  # its start was dropped (full queue): the span object still has everything
                    state = self._new_state(span, None)
                self._finish(key, span, state, resource, out)
            elif type(call) is StartCall:
                span, app_parent = call
                key = span.id_int
                if key not in open_spans:
                    open_spans[key] = self._new_state(span, app_parent)
            elif type(call) is DataErrorCall:
                (error,) = call
                extra = error.attributes
                out.append(self._error_span(error.error_type.value, error.error_message, extra, error.timestamp))
            elif type(call) is LossReport:  # the exporter's own, stamped now
                error_type, message = call
                out.append(self._error_span(error_type, message, None, None))
        if self._waiting or self._dirty:
            self._stream_long_open(out)
        return out

    # --- span state ----------------------------------------------------------------------------------------
    def _new_state(self, span: Span, app_parent: Optional[SpanContext]) -> OpenSpan:
        """State for the first call seen for ``span``: normally its start; after a dropped start, whatever came."""
        context, parent, link = self.traces.place(span, app_parent, self._open, self.resource)
        start = sdk_event(span.start_event, self.legacy_fields)  # mapped once, as ``lifecycle_event`` sends it
        state = OpenSpan(span, context, parent, start, self.event_limit - 2, link)
        self._waiting.append((state.start_ns, span.id_int))
        return state

    def _add_event(self, key: int, state: OpenSpan, event: SdkEvent) -> None:
        if state.streaming and self.event_markers:
            state.pending.append(event)  # streamed in the next event marker, not carried by the final span
            self._dirty[key] = state
            return
        events = state.events
        if events is None:
            events = state.events = deque(maxlen=max(0, state.event_window))
        if len(events) == events.maxlen:
            if self.event_markers:
                state.pending.append(events[0])  # cannot be carried by the final span: goes out in a marker
                if len(state.pending) >= self.event_limit:
                    self._dirty[key] = state
            else:
                state.dropped += 1
        events.append(event)

    # --- spans out -----------------------------------------------------------------------------------------
    def _finish(self, key: int, span: Span, state: OpenSpan, resource: Resource, out: List[ReadableSpan]) -> None:
        context = state.context
        self.traces.stopped(key, context)
        self._dirty.pop(key, None)
        if state.pending:
            if state.streaming:  # handled in the same cycle as the stop: they go with the span, exactly once
                window = max(0, state.event_window)
                carried = state.pending[len(state.pending) - window :] if window else []
                state.pending = state.pending[: len(state.pending) - len(carried)]
                state.events = deque(carried)
            if state.pending:
                event_markers(state, resource, self.event_limit, out)
        legacy = self.legacy_fields
        start = lifecycle_event(state.start_event, legacy)
        events: List[SdkEvent] = [] if start is None else [start]
        if state.events:
            events.extend(state.events)
        stop = span.stop_event
        start_ns = state.start_ns
        if stop is not None:
            stop_event = sdk_event(stop, legacy)
            end_ns = stop_event.timestamp or start_ns
            stop_sent = lifecycle_event(stop_event, legacy)
            if stop_sent is not None:
                events.append(stop_sent)
        else:
            end_ns = time.time_ns()
        attributes = final_span_attributes(span, legacy)
        if state.is_root and self.telemetry_data_error_seen:
            attributes[ATTR_TELEMETRY_DATA_ERROR] = True
        links: Sequence[Link] = ()
        link = state.link
        if link is not None:
            links = (Link(link),)
            attributes[ATTR_CONTINUED_FROM_TRACE] = format(link.trace_id, "032x")
            attributes[ATTR_CONTINUED_FROM_SPAN] = format(link.span_id, "016x")
            if span.parent_id is not None:
                attributes[ATTR_PARENT_SPAN_ID] = str(span.parent_id)
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
                links=links,
            )
        )

    def _stream_long_open(self, out: List[ReadableSpan]) -> None:
        """Start streaming the spans open longer than the threshold; send the events of the spans that have some.

        Costs the number of spans that crossed the threshold or received events, not the number of open spans.
        """
        waiting = self._waiting
        open_spans = self._open
        oldest_kept = time.time_ns() - self.threshold_ns
        while waiting and waiting[0][0] <= oldest_kept:
            key = waiting.popleft()[1]
            state = open_spans.get(key)
            if state is None or state.streaming:
                continue
            state.streaming = True
            if self.start_markers:
                out.append(start_marker(state, self.resource, self.legacy_fields))
            if self.event_markers and state.events:
                state.pending.extend(state.events)  # held so far for the final span: streamed instead
                state.events = None
            if state.pending:
                self._dirty[key] = state
        if len(waiting) > 2 * len(open_spans) + 1024:  # mostly spans that ended young: drop them
            self._waiting = deque(item for item in waiting if item[1] in open_spans)
        dirty, self._dirty = self._dirty, {}
        for state in dirty.values():
            if state.pending:
                event_markers(state, self.resource, self.event_limit, out)

    def _error_span(
        self, error_type: str, message: str, extra: Optional[Attributes], when: Optional[TracingTimestamp]
    ) -> ReadableSpan:
        """Build a ``telemetry_data_error`` span, child of an open root span (``when``: its time; None: now)."""
        self.telemetry_data_error_seen = True
        time_ns = timestamp_ns(when) if when is not None else time.time_ns()
        root = next((s for s in self._open.values() if s.is_root), None)
        traces = self.traces
        trace_id = root.context.trace_id if root is not None else (traces.first_trace_id or random_trace_id())
        if traces.first_trace_id is None:
            traces.first_trace_id = trace_id
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
