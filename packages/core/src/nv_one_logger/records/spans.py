"""Rebuild spans from records (``rebuild`` / ``rebuild_spans``).

A span is spread over several records (``start`` ... ``event`` ... ``stop``), or is one ``complete`` record.
The rebuilder joins them by span id, links parents through ``parent_id`` and computes durations, so that
tools (summary, chrome-trace, replay) work with whole spans. It never raises on inconsistent input -- records
may come from a crashed process or from only some of the files of a rotated log -- but reports each oddity as
a ``RebuildProblem`` and flags spans that were still open when the data ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from nv_one_logger.core.identity import JobIdentity
from nv_one_logger.records.types import (
    ApplicationErrorRecord,
    EventRecord,
    Record,
    RecordedEvent,
    RecordSource,
    SpanCompleteRecord,
    SpanStartRecord,
    SpanStopRecord,
    TelemetryDataErrorRecord,
)
from nv_one_logger.records.writers import Writers


@dataclass(eq=False)
class RebuiltSpan:
    """One span as rebuilt from its records.

    ``events`` holds every event recorded while the span was open, in record order, including application
    errors (which are also listed in ``errors``), but not the start and stop events, which are separate.
    ``attributes`` are the final values: the start record's attributes updated by the stop record's.
    ``stop_event`` is None when the span was still open at the end of the data (see ``open``).
    """

    id: str
    name: str
    pid: int
    parent_id: Optional[str]
    start_event: RecordedEvent
    source: RecordSource
    """Location of the span's ``start`` or ``complete`` record."""
    stop_event: Optional[RecordedEvent] = None
    attributes: Dict[str, Any] = field(default_factory=dict)
    events: List[RecordedEvent] = field(default_factory=list)
    errors: List[RecordedEvent] = field(default_factory=list)
    parent: Optional[RebuiltSpan] = field(default=None, repr=False)
    """The parent span, when a span with ``parent_id`` is in the data (None for roots and missing parents)."""
    children: List[RebuiltSpan] = field(default_factory=list, repr=False)

    @property
    def open(self) -> bool:
        """True when no stop was recorded: the span was still running when the data ends (or its stop was lost)."""
        return self.stop_event is None

    @property
    def parent_missing(self) -> bool:
        """True when the span names a parent that is not in the data (e.g. it is in an older rotated file)."""
        return self.parent_id is not None and self.parent is None

    @property
    def start_seconds(self) -> float:
        """Start time, seconds since the epoch."""
        return self.start_event.seconds_since_epoch

    @property
    def duration_seconds(self) -> Optional[float]:
        """Duration of a stopped span in seconds (None while open).

        Uses the writer's monotonic clock when both events carry it (precise, immune to clock steps), else
        the wall clock, else the ``duration_msec`` attribute.
        """
        stop = self.stop_event
        if stop is None:
            return None
        start = self.start_event
        if start.perf_counter_seconds is not None and stop.perf_counter_seconds is not None:
            elapsed = stop.perf_counter_seconds - start.perf_counter_seconds
            if elapsed >= 0:
                return elapsed
        elapsed = stop.seconds_since_epoch - start.seconds_since_epoch
        if elapsed >= 0:
            return elapsed
        msec = self.attributes.get("duration_msec")
        if isinstance(msec, (int, float)) and not isinstance(msec, bool) and msec >= 0:
            return float(msec) / 1000.0
        return 0.0

    @property
    def end_seconds(self) -> Optional[float]:
        """Stop time, seconds since the epoch (start plus duration; None while open)."""
        duration = self.duration_seconds
        return None if duration is None else self.start_seconds + duration


@dataclass(frozen=True)
class RebuildProblem:
    """A record that did not fit: a stop or event for an unknown span, a duplicate start, a second stop."""

    source: RecordSource
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class RebuildResult:
    """Everything ``rebuild`` found: spans in order of their first record, telemetry data errors, problems."""

    spans: List[RebuiltSpan] = field(default_factory=list)
    telemetry_data_errors: List[TelemetryDataErrorRecord] = field(default_factory=list)
    problems: List[RebuildProblem] = field(default_factory=list)
    writers: Writers = field(default_factory=Writers)
    """Every writer (log file + pid) in the data: its identity and where its data ends (``records.writers``)."""

    @property
    def last_seconds_by_pid(self) -> Dict[int, float]:
        """Latest wall-clock time in any record of each pid: where the data of that process ends.

        Keyed by pid only: when files from several hosts reuse a pid, this is the latest of them; ``writers``
        keeps them apart.
        """
        ends: Dict[int, float] = {}
        for writer in self.writers:
            if writer.last_seconds is not None and writer.last_seconds > ends.get(writer.pid, float("-inf")):
                ends[writer.pid] = writer.last_seconds
        return ends

    @property
    def identities(self) -> Dict[int, JobIdentity]:
        """The identity of each pid that has an identity record (files from older versions have none).

        Keyed by pid only: when files from several hosts reuse a pid, the first; ``writers`` keeps them apart.
        """
        found: Dict[int, JobIdentity] = {}
        for writer in self.writers:
            if writer.identity is not None:
                found.setdefault(writer.pid, writer.identity)
        return found

    def identity_of(self, pid: int) -> Optional[JobIdentity]:
        """Return the identity (application, session, rank, host...) of the process ``pid``, if recorded."""
        return self.identities.get(pid)

    @property
    def roots(self) -> List[RebuiltSpan]:
        """Spans without a parent in the data."""
        return [span for span in self.spans if span.parent is None]

    @property
    def open_spans(self) -> List[RebuiltSpan]:
        """Spans still open at the end of the data."""
        return [span for span in self.spans if span.open]


class SpanAssembler:
    """Join records into spans one record at a time; ``rebuild`` is this run over a whole input.

    ``feed`` returns the span a record completed (its ``stop`` or ``complete`` record), so a caller that only
    needs finished spans -- summary statistics over a file of millions of records -- can use each span and let it
    go. With ``keep=False`` the assembler forgets a span once it is stopped and, unless ``attach_events``, does
    not attach events to spans (the caller sees them in the records), so memory is bounded by the spans open at
    one moment and by
    ``problem_limit`` problems (all are counted in ``problem_count``); the price is that a record referring to
    an already stopped span (a second stop, a late event) is reported as referring to a span not in the data.
    With ``keep=True`` (``rebuild``) every span is kept and parents are linked in ``finish``.
    """

    def __init__(
        self, *, keep: bool = True, attach_events: Optional[bool] = None, problem_limit: Optional[int] = None
    ) -> None:
        self.result = RebuildResult()
        self.problem_count = 0
        self._keep = keep
        self._attach = keep if attach_events is None else attach_events
        self._problem_limit = problem_limit
        self._by_id: Dict[str, RebuiltSpan] = {}

    def open_span(self, span_id: str) -> Optional[RebuiltSpan]:
        """Return the span ``span_id`` if it is known and still open."""
        span = self._by_id.get(span_id)
        return span if span is not None and span.open else None

    @property
    def open_spans(self) -> List[RebuiltSpan]:
        """Spans started and not (yet) stopped, in order of their start record."""
        return [span for span in self._by_id.values() if span.open]

    def _problem(self, record: Record, message: str) -> None:
        self.problem_count += 1
        if self._problem_limit is None or len(self.result.problems) < self._problem_limit:
            self.result.problems.append(RebuildProblem(record.source, message))

    def _stopped(self, span: RebuiltSpan) -> RebuiltSpan:
        if not self._keep:
            del self._by_id[span.id]
        return span

    def feed(self, record: Record) -> Optional[RebuiltSpan]:
        """Take the next record (in file order); return the span it completed, if any."""
        result = self.result
        result.writers.note(record)
        if isinstance(record, (SpanStartRecord, SpanCompleteRecord)):
            if record.id in self._by_id:
                self._problem(record, f"duplicate start of span {record.id} ({record.name!r}); ignored")
                return None
            span = RebuiltSpan(
                id=record.id,
                name=record.name,
                pid=record.pid,
                parent_id=record.parent_id,
                start_event=record.start_event,
                source=record.source,
                attributes=dict(record.attributes),
            )
            self._by_id[record.id] = span
            if self._keep:
                result.spans.append(span)
            if isinstance(record, SpanCompleteRecord):
                span.stop_event = record.stop_event
                return self._stopped(span)
        elif isinstance(record, SpanStopRecord):
            span_or_none = self._by_id.get(record.id)
            if span_or_none is None:
                self._problem(record, f"stop of span {record.id} ({record.name!r}) whose start is not in the data")
            elif span_or_none.stop_event is not None:
                self._problem(record, f"second stop of span {record.id} ({record.name!r}); ignored")
            else:
                span_or_none.stop_event = record.stop_event
                span_or_none.attributes.update(record.attributes)
                return self._stopped(span_or_none)
        elif isinstance(record, (EventRecord, ApplicationErrorRecord)):
            span_or_none = self._by_id.get(record.span_id)
            kind = "error" if isinstance(record, ApplicationErrorRecord) else "event"
            if span_or_none is None:
                self._problem(
                    record, f"{kind} {record.event.name!r} on span {record.span_id} whose start is not in the data"
                )
                return None
            if self._attach:
                span_or_none.events.append(record.event)
                if isinstance(record, ApplicationErrorRecord):
                    span_or_none.errors.append(record.event)
        elif isinstance(record, TelemetryDataErrorRecord):
            result.telemetry_data_errors.append(record)
        return None

    def finish(self) -> RebuildResult:
        """Link parents (kept spans only) and return the result; without ``keep``, ``spans`` are the open ones."""
        result = self.result
        if not self._keep:
            result.spans = self.open_spans
        for span in result.spans:
            if span.parent_id is not None:
                parent = self._by_id.get(span.parent_id)
                if parent is not None and parent is not span:
                    span.parent = parent
                    parent.children.append(span)
        return result


def rebuild(records: Iterable[Record]) -> RebuildResult:
    """Join records into spans; see the module docstring. Input order is file order (start before stop)."""
    assembler = SpanAssembler(keep=True)
    for record in records:
        assembler.feed(record)
    return assembler.finish()


def rebuild_spans(records: Iterable[Record]) -> List[RebuiltSpan]:
    """Return the spans of ``rebuild(records)``, in order of their first record."""
    return rebuild(records).spans
