"""Turn rebuilt spans (``nv_one_logger.records``) into the OTel span data a replay sends, with deterministic ids.

This is the replay's counterpart of ``live_spans.LiveSpanTranslator``: both end in ``mapping.py`` (the one place
where OneLogger data becomes OTel span data), so a replayed span looks exactly like the final span the live
exporter sends for the same OneLogger span. Recorded events are mapped by ``mapping.map_event`` and start/stop
events kept by ``mapping.keeps_lifecycle_event``, the rules the live exporter applies to the ``Event`` they were
written from, so errors become ``exception`` events by the same code in both paths.

Rules (docs/replay.md repeats them for users):

- **One trace per writer process**: per pid within one record file (its rotated segments count as the same
  file). A file may hold several pids (forked workers, ranks appending to one file); files from different hosts
  or containers may reuse a pid (pid 1 in every container) and still are different processes. Each writer's
  spans form one trace whose id is ``ids.trace_id_from_uuid`` of its *first root span* (first in file order
  whose parent is not among the same writer's spans) -- the derivation the live exporter uses with
  ``deterministic_ids=True``, whose first root span is the same one. Span ids are
  ``ids.span_id_from_uuid(span uuid)``. So replaying a file twice gives the same ids, and a run exported live
  with deterministic ids and replayed later is one trace.
- **Parents** are kept when the parent span is in the same writer's data. A span whose parent is missing (an older
  rotated segment that was not given, a parent in another process) becomes a root of its writer's trace and carries
  ``one_logger.parent_span.id`` (the missing parent's uuid) so the link is not lost.
- **Events and errors** as live: the final span carries ``span_start``, the most recent ``event_limit - 2`` events
  and ``span_stop``; older events are counted in ``dropped_events_count`` (raise ``OTEL_SPAN_EVENT_COUNT_LIMIT``
  to carry more). The status is ERROR with the message of the span's last application error.
- **Spans still open at the end of the data** (the process crashed or the file was cut) end at the time of the
  last record of their writer and carry ``one_logger.replay.unclosed = true``; they have no ``span_stop`` event.
- **Telemetry data errors** become ``telemetry_data_error`` spans (``mapping.telemetry_data_error_attributes``,
  status ERROR) in their writer's trace, children of the root span open at that time, as live. Their span ids are
  derived from the trace id and the error's time, type and message (``telemetry_data_error_span_id``), so they
  are stable across replays too (the live exporter gives these spans random ids). Every root span of a writer
  that reported a telemetry data error carries ``one_logger.telemetry_data_error = true`` ("the data of this run
  is not complete"). Live, the flag is on the root spans exported with or after the error -- normally the
  ``application`` span, the only root, which ends last; a replay knows the whole run and flags every root of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from nv_one_logger.core.event import TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.identity import JobIdentity
from nv_one_logger.otel.ids import span_id_from_uuid, trace_id_from_uuid
from nv_one_logger.otel.live_markers import MARKER_EVENT, event_marker_name
from nv_one_logger.otel.mapping import (
    ATTR_CONTINUED_FROM_SPAN,
    ATTR_CONTINUED_FROM_TRACE,
    ATTR_ERROR_MESSAGE,
    ATTR_MARKER,
    ATTR_SPAN_ID,
    ATTR_TELEMETRY_DATA_ERROR,
    EVENT_TIMESTAMP_MSEC,
    TELEMETRY_DATA_ERROR_SPAN_NAME,
    OTelEventData,
    OTelSpanData,
    keeps_lifecycle_event,
    map_event,
    ns_from_seconds,
    span_attributes,
    telemetry_data_error_attributes,
)
from nv_one_logger.otel.replay.ids import marker_span_id, orphan_trace_id, telemetry_data_error_span_id, uuid_of
from nv_one_logger.otel.trace_bounds import TraceAssigner
from nv_one_logger.records.spans import RebuildResult, RebuiltSpan
from nv_one_logger.records.types import RecordedEvent, TelemetryDataErrorRecord
from nv_one_logger.records.writers import Writer

ATTR_UNCLOSED = "one_logger.replay.unclosed"
ATTR_MISSING_PARENT = "one_logger.parent_span.id"
DEFAULT_EVENT_LIMIT = 128
DEFAULT_MAX_SPANS_PER_TRACE = 10000  # the live exporter's default (live_spans.DEFAULT_MAX_SPANS_PER_TRACE)


def _new_trace_id(span_key: int) -> int:
    return trace_id_from_uuid(uuid.UUID(int=span_key))


def map_recorded_event(event: RecordedEvent, is_error: bool = False, legacy_fields: bool = False) -> OTelEventData:
    """Map a recorded event by ``mapping.map_event``, as the live exporter maps the ``Event`` it was written from.

    With ``legacy_fields`` the event carries ``timestamp_msec`` computed from its time, as the ``Event``
    constructor sets it (a file from another writer may lack it).
    """
    attributes = event.attributes
    if legacy_fields:
        attributes = dict(attributes)
        attributes[EVENT_TIMESTAMP_MSEC] = round(event.seconds_since_epoch * 1000)
    return map_event(
        event.name,
        ns_from_seconds(event.seconds_since_epoch),
        attributes,
        is_error=is_error,
        legacy_fields=legacy_fields,
    )


def event_json(event: RecordedEvent) -> Dict[str, Any]:
    """Return the ``Event.to_json()`` form of a recorded event (a missing perf counter becomes 0)."""
    perf = event.perf_counter_seconds if event.perf_counter_seconds is not None else 0.0
    return {
        "name": event.name,
        "timestamp": {"seconds_since_epoch": event.seconds_since_epoch, "perf_counter_seconds": perf},
        "attributes": event.attributes,
    }


@dataclass
class PlannedSpan:
    """One span to send: the explicit OTel data plus what the dry run and the counters need."""

    data: OTelSpanData
    pid: int
    depth: int
    trace_index: int
    recorded_events: int
    """Events recorded on the span (application errors included, start/stop excluded), before any bound."""
    errors: int
    unclosed: bool = False
    telemetry_data_error: bool = False
    marker: bool = False
    """An event marker carrying events the final span cannot (as the live exporter sends them)."""


@dataclass
class PlannedTrace:
    """All spans of one writer process (a pid in one record file): one trace."""

    pid: int
    source: str
    """The writer's log file (``Writer.log``: absolute, the live file's path for rotated segments)."""
    trace_id: int
    spans: List[PlannedSpan] = field(default_factory=list)
    identity: Optional[JobIdentity] = None
    """The writer's identity record (its resource attributes), None for files written before it existed."""


@dataclass
class ReplayPlan:
    """What a replay sends, trace by trace, with totals."""

    traces: List[PlannedTrace] = field(default_factory=list)

    @property
    def spans(self) -> List[PlannedSpan]:
        """Every span of every trace, in trace order."""
        return [span for trace in self.traces for span in trace.spans]

    @property
    def span_count(self) -> int:
        """Number of OTel spans (telemetry data error spans included)."""
        return sum(len(trace.spans) for trace in self.traces)

    @property
    def event_count(self) -> int:
        """Recorded events on the spans (application errors included; span_start/span_stop not counted)."""
        return sum(span.recorded_events for span in self.spans)

    @property
    def error_count(self) -> int:
        """Application errors (``exception`` events)."""
        return sum(span.errors for span in self.spans)

    @property
    def telemetry_data_error_count(self) -> int:
        """Telemetry data error spans."""
        return sum(1 for span in self.spans if span.telemetry_data_error)

    @property
    def unclosed_count(self) -> int:
        """Spans that were still open at the end of the data."""
        return sum(1 for span in self.spans if span.unclosed)

    @property
    def dropped_event_count(self) -> int:
        """Events beyond the per-span event limit (reported to the backend as ``dropped_events_count``)."""
        return sum(span.data.dropped_events for span in self.spans)


@dataclass
class _WriterData:
    """What one writer (``records.writers``: a pid in one log file, rotated segments included) sends."""

    writer: Writer
    spans: List[RebuiltSpan] = field(default_factory=list)
    errors: List[TelemetryDataErrorRecord] = field(default_factory=list)


class _WriterPlanner:
    """Plans the trace of one writer (see the module docstring)."""

    def __init__(
        self,
        data: _WriterData,
        trace_index: int,
        event_limit: int,
        on_span: Optional[Callable[[], None]] = None,
        max_spans_per_trace: int = DEFAULT_MAX_SPANS_PER_TRACE,
        legacy_fields: bool = False,
    ) -> None:
        writer = data.writer
        self.pid = writer.pid
        self.legacy_fields = legacy_fields
        self.traces = TraceAssigner(max_spans_per_trace, _new_trace_id)
        self._trace_of: Dict[str, int] = {}
        self.source = writer.log
        self.identity = writer.identity
        self.trace_index = trace_index
        self.on_span = on_span
        self._span_ids: Dict[str, int] = {}
        self.spans = data.spans
        self.errors = data.errors
        self.last_seconds = writer.last_seconds
        self.event_limit = max(2, event_limit)
        self.ids = {id(span) for span in self.spans}
        self.roots = [span for span in self.spans if not self._has_parent(span)]
        if self.roots:
            self.trace_id = trace_id_from_uuid(uuid_of(self.roots[0].id))
        elif self.spans:  # only reachable through a parent cycle in corrupt data
            self.trace_id = trace_id_from_uuid(uuid_of(self.spans[0].id))
        else:
            self.trace_id = orphan_trace_id(self.pid, self.errors[0])

    def _span_id(self, span: RebuiltSpan) -> int:
        span_id = self._span_ids.get(span.id)
        if span_id is None:
            span_id = self._span_ids[span.id] = span_id_from_uuid(uuid_of(span.id))
        return span_id

    def _has_parent(self, span: RebuiltSpan) -> bool:
        return span.parent is not None and id(span.parent) in self.ids

    def _end_seconds(self, span: RebuiltSpan) -> float:
        # The stop event's wall time, as the live exporter uses it (not ``RebuiltSpan.end_seconds``, which is the
        # start plus the monotonic duration and can differ from it by a few hundred nanoseconds).
        if span.stop_event is not None:
            end = span.stop_event.seconds_since_epoch
        else:
            end = self.last_seconds if self.last_seconds is not None else span.start_seconds
        return max(end, span.start_seconds)

    def _depths(self) -> Dict[int, int]:
        """Depth of every span (0 for a root), keyed by ``id(span)``: one walk, each span visited once.

        Walking up from every span instead costs the sum of all depths: quadratic for a deep parent chain.
        A parent cycle (corrupt data) is cut where it closes.
        """
        depths: Dict[int, int] = {}
        for span in self.spans:
            path: List[RebuiltSpan] = []
            on_path = set()
            node, base = span, -1
            while True:
                known = depths.get(id(node))
                if known is not None:
                    base = known
                    break
                path.append(node)
                on_path.add(id(node))
                parent = node.parent
                if parent is None or id(parent) not in self.ids or id(parent) in on_path:
                    break
                node = parent
            for offset, item in enumerate(reversed(path), start=1):
                depths[id(item)] = base + offset
        return depths

    def plan(self) -> PlannedTrace:
        trace = PlannedTrace(pid=self.pid, source=self.source, trace_id=self.trace_id, identity=self.identity)
        depths = self._depths()
        for span in self.spans:
            trace.spans.append(self._plan_span(span, depths[id(span)], trace.spans))
            if self.on_span is not None:
                self.on_span()
        for record in self.errors:
            trace.spans.append(self._plan_telemetry_data_error(record))
            if self.on_span is not None:
                self.on_span()
        return trace

    def _place(self, span: RebuiltSpan) -> Tuple[int, Optional[RebuiltSpan], Optional[RebuiltSpan]]:
        """``(trace id, parent, linked parent)`` of a span, by the live exporter's rules (``trace_bounds``)."""
        key = uuid_of(span.id).int
        parent = span.parent if self._has_parent(span) else None
        parent_trace = self._trace_of.get(parent.id) if parent is not None else None
        if parent is None or parent_trace is None:
            trace_id, parent = self.traces.new_root(key), None
            link = None
        else:
            trace_id, continued = self.traces.place(parent_trace, key)
            link = parent if continued else None
            if continued:
                parent = None
        self._trace_of[span.id] = trace_id
        return trace_id, parent, link

    def _plan_span(self, span: RebuiltSpan, depth: int, out: List[PlannedSpan]) -> PlannedSpan:
        error_ids = {id(e) for e in span.errors}
        legacy = self.legacy_fields
        overflow = max(0, len(span.events) - (self.event_limit - 2))
        mapped: List[OTelEventData] = []
        last_error: Optional[OTelEventData] = None  # the errors are among the events, in the same order
        for event in span.events:
            is_error = id(event) in error_ids
            mapped.append(map_recorded_event(event, is_error=is_error, legacy_fields=legacy))
            if is_error:
                last_error = mapped[-1]
        # The status carries the last error's message, even when that event is not on the final span.
        error_message = None if last_error is None else str(last_error.attributes.get(ATTR_ERROR_MESSAGE, ""))
        events = []
        start = map_recorded_event(span.start_event, legacy_fields=legacy)
        if keeps_lifecycle_event(start.attributes, legacy):
            events.append(start)
        events.extend(mapped[overflow:])
        if span.stop_event is not None:
            stop = map_recorded_event(span.stop_event, legacy_fields=legacy)
            if keeps_lifecycle_event(stop.attributes, legacy):
                events.append(stop)

        trace_id, parent, link = self._place(span)
        attributes = span_attributes(span.attributes, span.id, legacy)
        if span.parent_id is not None and parent is None:
            attributes[ATTR_MISSING_PARENT] = span.parent_id
        if link is not None:
            attributes[ATTR_CONTINUED_FROM_TRACE] = format(self._trace_of[link.id], "032x")
            attributes[ATTR_CONTINUED_FROM_SPAN] = format(self._span_id(link), "016x")
        end_seconds = self._end_seconds(span)
        if span.open:
            attributes[ATTR_UNCLOSED] = True
        if parent is None and self.errors:
            attributes[ATTR_TELEMETRY_DATA_ERROR] = True

        data = OTelSpanData(
            name=span.name,
            trace_id=trace_id,
            span_id=self._span_id(span),
            start_ns=ns_from_seconds(span.start_seconds),
            end_ns=ns_from_seconds(end_seconds),
            parent_span_id=self._span_id(parent) if parent is not None else None,
            attributes=attributes,
            events=events,
            error_message=error_message,
            link_trace_id=self._trace_of[link.id] if link is not None else None,
            link_span_id=self._span_id(link) if link is not None else None,
        )
        # Events the final span cannot carry go out in event markers, as live: each event is sent exactly once.
        for index in range(0, overflow, self.event_limit):
            chunk = mapped[index : min(overflow, index + self.event_limit)]
            marker = OTelSpanData(
                name=event_marker_name(span.name),
                trace_id=trace_id,
                span_id=marker_span_id(span.id, index),
                start_ns=chunk[0].time_ns,
                end_ns=chunk[-1].time_ns,
                parent_span_id=data.span_id,
                attributes={ATTR_SPAN_ID: span.id, ATTR_MARKER: MARKER_EVENT},
                events=chunk,
            )
            out.append(PlannedSpan(marker, self.pid, depth + 1, self.trace_index, 0, 0, marker=True))
        return PlannedSpan(
            data=data,
            pid=self.pid,
            trace_index=self.trace_index,
            depth=depth,
            recorded_events=len(span.events),
            errors=len(span.errors),
            unclosed=span.open,
        )

    def _open_root_at(self, seconds: float) -> Optional[RebuiltSpan]:
        for root in self.roots:
            if root.start_seconds <= seconds <= self._end_seconds(root):
                return root
        return None

    def _plan_telemetry_data_error(self, record: TelemetryDataErrorRecord) -> PlannedSpan:
        seconds = record.error.seconds_since_epoch
        try:
            error = TelemetryDataError.from_json(event_json(record.error))
            assert isinstance(error, TelemetryDataError)
            extra: Any = error.attributes
            error_type, message = error.error_type.value, error.error_message
        except OneLoggerError:
            error_type = record.error_type or "unknown"
            message = record.error_message or ""
            extra = record.error.attributes
        root = self._open_root_at(seconds)
        data = OTelSpanData(
            name=TELEMETRY_DATA_ERROR_SPAN_NAME,
            trace_id=self._trace_of.get(root.id, self.trace_id) if root is not None else self.trace_id,
            span_id=telemetry_data_error_span_id(self.trace_id, ns_from_seconds(seconds), error_type, message),
            start_ns=ns_from_seconds(seconds),
            end_ns=ns_from_seconds(seconds),
            parent_span_id=self._span_id(root) if root is not None else None,
            attributes=telemetry_data_error_attributes(error_type, message, extra),
            error_message=message,
        )
        return PlannedSpan(
            data=data,
            pid=self.pid,
            trace_index=self.trace_index,
            depth=1 if root is not None else 0,
            recorded_events=0,
            errors=0,
            telemetry_data_error=True,
        )


def plan_replay(
    result: RebuildResult,
    event_limit: int = DEFAULT_EVENT_LIMIT,
    on_progress: Optional[Callable[[int], None]] = None,
    max_spans_per_trace: int = DEFAULT_MAX_SPANS_PER_TRACE,
    legacy_fields: bool = False,
) -> ReplayPlan:
    """Plan the replay of rebuilt records: one ``PlannedTrace`` per writer, in order of first appearance.

    ``on_progress`` receives the number of spans planned so far, every 1024 spans.
    """
    planned = 0

    def count() -> None:
        nonlocal planned
        planned += 1
        if on_progress is not None and planned % 1024 == 0:
            on_progress(planned)

    writers: Dict[Writer, _WriterData] = {}

    def writer_of(path: str, pid: int) -> _WriterData:
        writer = result.writers.of(path, pid)
        data = writers.get(writer)
        if data is None:
            data = writers[writer] = _WriterData(writer)
        return data

    for span in result.spans:
        writer_of(span.source.path, span.pid).spans.append(span)
    for record in result.telemetry_data_errors:
        writer_of(record.source.path, record.pid).errors.append(record)
    plan = ReplayPlan()
    for index, writer in enumerate(writers.values()):
        plan.traces.append(
            _WriterPlanner(
                writer, index, event_limit, count, max_spans_per_trace=max_spans_per_trace, legacy_fields=legacy_fields
            ).plan()
        )
    return plan
