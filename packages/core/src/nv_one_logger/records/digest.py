"""One pass over record files that keeps only what the summary and the report show (``digest_files``).

``load_files`` keeps every span with its attributes and events: fine for a demo, hundreds of megabytes for a
long job. A digest keeps, per rank and span name, two arrays of 8-byte floats (start time and duration of each
stopped span) and, per rank and numeric event attribute (``loss`` of a ``training_metrics`` event), two arrays
of (time, value). Everything else is bounded by a constant or by the spans open at one moment:

* spans are assembled with ``SpanAssembler(keep=False)``: a span is dropped as soon as it stops;
* application errors and telemetry data errors keep the ``listed`` earliest (all are counted);
* numeric event series are limited to ``max_series`` distinct (event name, attribute) pairs.

So memory is about 16 bytes per stopped span plus 16 bytes per numeric event value, plus the open spans.
"""

from __future__ import annotations

import heapq
import math
from array import array
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from nv_one_logger.records.files import ProgressHandler, ReadTotals, RecordStream
from nv_one_logger.records.identity import RankLabel, WriterRanks
from nv_one_logger.records.reader import PathLike, ReadReport, WarningHandler
from nv_one_logger.records.spans import RebuildProblem, RebuiltSpan, SpanAssembler
from nv_one_logger.records.stats import SpanNameStats, stats_of_durations
from nv_one_logger.records.types import (
    ApplicationErrorRecord,
    EventRecord,
    RecordedEvent,
    SpanCompleteRecord,
    SpanStartRecord,
    TelemetryDataErrorRecord,
)
from nv_one_logger.records.writers import Writer

LISTED = 1000
MAX_SERIES = 50
_LISTED_PROBLEMS = 10


@dataclass
class SpanSeries:
    """The stopped spans of one name on one rank: start (seconds since the epoch) and duration, in stop order."""

    starts: array = field(default_factory=lambda: array("d"))
    durations: array = field(default_factory=lambda: array("d"))
    depth: int = 0
    """Nesting depth of the first span of the series (0 for a root): where a timeline draws it."""


@dataclass
class NumberSeries:
    """Values of one numeric event attribute on one rank: time (seconds since the epoch) and value."""

    times: array = field(default_factory=lambda: array("d"))
    values: array = field(default_factory=lambda: array("d"))


@dataclass(frozen=True, order=True)
class ErrorEntry:
    """An application error or telemetry data error, as listed (ordered by time)."""

    seconds: float
    rank: RankLabel
    where: str
    """The span name for an application error; the error type for a telemetry data error."""
    message: str
    source: str
    span_id: str = field(default="", compare=False)
    """The span of an application error (empty for a telemetry data error)."""
    attributes: Dict[str, Any] = field(default_factory=dict, compare=False)
    """The error event's attributes as recorded (exception type, message, traceback ...)."""


@dataclass(frozen=True)
class OpenSpan:
    """A span still open at the end of the data, with the last time its process was seen."""

    name: str
    rank: RankLabel
    pid: int
    start_seconds: float
    last_seconds: float


class _Earliest:
    """Keep the ``limit`` smallest entries seen (a bounded max-heap) and count them all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._heap: List[Tuple[float, int, ErrorEntry]] = []

    def add(self, entry: ErrorEntry) -> None:
        self.count += 1
        item = (-entry.seconds, -self.count, entry)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def sorted(self) -> List[ErrorEntry]:
        return [entry for _, _, entry in sorted(self._heap, key=lambda item: (-item[0], -item[1]))]


def _message(event: RecordedEvent) -> str:
    attrs = event.attributes
    message = str(attrs.get("error_message", event.name))
    kind = str(attrs.get("exception_type") or "")
    return f"{message} ({kind})" if kind and not message.startswith(kind) else message


@dataclass
class RunDigest(ReadTotals):
    """What one pass kept; see the module docstring for the memory it needs."""

    paths: List[str] = field(default_factory=list)
    reports: List[ReadReport] = field(default_factory=list)
    unlisted_segments: List[str] = field(default_factory=list)
    spans: Dict[Tuple[RankLabel, str], SpanSeries] = field(default_factory=dict)
    numbers: Dict[Tuple[RankLabel, str], NumberSeries] = field(default_factory=dict)
    """Keyed by rank and ``"<event name>.<attribute>"``."""
    open_spans: List[OpenSpan] = field(default_factory=list)
    open_counts: Dict[str, int] = field(default_factory=dict)
    error_counts: Dict[str, int] = field(default_factory=dict)
    errors: List[ErrorEntry] = field(default_factory=list)
    error_total: int = 0
    telemetry_errors: List[ErrorEntry] = field(default_factory=list)
    telemetry_error_total: int = 0
    problems: List[RebuildProblem] = field(default_factory=list)
    problem_total: int = 0
    writers: List[Writer] = field(default_factory=list)
    """Every writer (log file + pid, ``records.writers``) in the data: the processes of the run."""
    dropped_series: int = 0

    @property
    def first_seconds(self) -> Optional[float]:
        """Where the run's data begins: the earliest beginning of its writers' data (None: no timed record)."""
        return min((w.first_seconds for w in self.writers if w.first_seconds is not None), default=None)

    @property
    def last_seconds(self) -> Optional[float]:
        """Where the run's data ends: the latest end of its writers' data (None: no timed record)."""
        return max((w.last_seconds for w in self.writers if w.last_seconds is not None), default=None)

    @property
    def ranks(self) -> List[RankLabel]:
        """Every lane that has a span, an event or an error, sorted (ranks first, then pids)."""
        lanes = {rank for rank, _ in self.spans} | {rank for rank, _ in self.numbers}
        lanes |= {span.rank for span in self.open_spans} | {e.rank for e in self.errors + self.telemetry_errors}
        return sorted(lanes)

    def durations(self) -> Dict[Tuple[RankLabel, str], Sequence[float]]:
        """Durations of stopped spans per (rank, span name): the input of ``ranks.phases_by_rank``."""
        return {key: series.durations for key, series in self.spans.items()}

    def name_stats(self) -> List[SpanNameStats]:
        """Per-span-name statistics over all ranks, sorted by total time (the plain summary table)."""
        by_name: Dict[str, List[float]] = {}
        for (_, name), series in self.spans.items():
            by_name.setdefault(name, []).extend(series.durations)
        for name in list(self.open_counts) + list(self.error_counts):
            by_name.setdefault(name, [])
        stats = [
            stats_of_durations(name, values, self.open_counts.get(name, 0), self.error_counts.get(name, 0))
            for name, values in by_name.items()
        ]
        stats.sort(key=lambda s: (-s.total_seconds, s.name))
        return stats


class _Digester:
    def __init__(self, listed: int, max_series: int) -> None:
        self.digest = RunDigest()
        self.assembler = SpanAssembler(keep=False, problem_limit=_LISTED_PROBLEMS)
        self.ranks = WriterRanks(self.assembler.result.writers)
        self.errors = _Earliest(listed)
        self.telemetry = _Earliest(listed)
        self.max_series = max_series
        self.series_names: Set[str] = set()
        self.span_ranks: Dict[str, RankLabel] = {}  # open span id -> lane, for its events
        self.span_depths: Dict[str, int] = {}  # open span id -> nesting depth

    def _numbers(self, rank: RankLabel, event: RecordedEvent) -> None:
        for key, value in event.attributes.items():
            if key == "timestamp_msec" or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if not math.isfinite(value):
                continue
            series_name = f"{event.name}.{key}"
            if series_name not in self.series_names:
                if len(self.series_names) >= self.max_series:
                    self.digest.dropped_series += 1
                    continue
                self.series_names.add(series_name)
            series = self.digest.numbers.get((rank, series_name))
            if series is None:
                series = self.digest.numbers[(rank, series_name)] = NumberSeries()
            series.times.append(event.seconds_since_epoch)
            series.values.append(float(value))

    def _stopped(self, span: RebuiltSpan, rank: RankLabel) -> None:
        duration = span.duration_seconds
        if duration is None:
            return
        depth = self.span_depths.pop(span.id, 0)
        series = self.digest.spans.get((rank, span.name))
        if series is None:
            series = self.digest.spans[(rank, span.name)] = SpanSeries(depth=depth)
        series.starts.append(span.start_seconds)
        series.durations.append(duration)

    def feed_all(self, stream: RecordStream) -> None:
        for record in stream:
            if isinstance(record, (SpanStartRecord, SpanCompleteRecord)):
                rank = self.ranks.label(record.source.path, record.pid, record.attributes)
                self.span_ranks[record.id] = rank
                parent_depth = self.span_depths.get(record.parent_id) if record.parent_id is not None else None
                self.span_depths[record.id] = 0 if parent_depth is None else parent_depth + 1
            elif isinstance(record, (EventRecord, ApplicationErrorRecord)):
                owner = self.span_ranks.get(record.span_id)
                if owner is not None and isinstance(record, EventRecord):
                    self._numbers(owner, record.event)
            elif isinstance(record, TelemetryDataErrorRecord):
                rank = self.ranks.label(record.source.path, record.pid, {})
                self.telemetry.add(
                    ErrorEntry(
                        record.error.seconds_since_epoch,
                        rank,
                        record.error_type or "unknown",
                        record.error_message or "",
                        str(record.source),
                        attributes=dict(record.error.attributes),
                    )
                )
            span = self.assembler.feed(record)
            if isinstance(record, ApplicationErrorRecord) and record.span_id in self.span_ranks:
                self._error(record)
            if span is not None:
                self._stopped(span, self.span_ranks.pop(span.id, self.ranks.label(span.source.path, span.pid, {})))

    def _error(self, record: ApplicationErrorRecord) -> None:
        rank = self.span_ranks[record.span_id]
        name = self._open_name(record.span_id)
        self.digest.error_counts[name] = self.digest.error_counts.get(name, 0) + 1
        event = record.event
        entry = ErrorEntry(
            event.seconds_since_epoch,
            rank,
            name,
            _message(event),
            str(record.source),
            span_id=record.span_id,
            attributes=dict(event.attributes),
        )
        self.errors.add(entry)

    def _open_name(self, span_id: str) -> str:
        span = self.assembler.open_span(span_id)
        return span.name if span is not None else "?"

    def finish(self) -> RunDigest:
        digest = self.digest
        result = self.assembler.finish()
        for span in result.spans:
            rank = self.span_ranks.get(span.id) or self.ranks.label(span.source.path, span.pid, {})
            writer_end = result.writers.of(span.source.path, span.pid).last_seconds
            last = writer_end if writer_end is not None else span.start_seconds
            digest.open_spans.append(OpenSpan(span.name, rank, span.pid, span.start_seconds, last))
            digest.open_counts[span.name] = digest.open_counts.get(span.name, 0) + 1
        digest.problem_total = self.assembler.problem_count
        digest.problems = list(result.problems)
        digest.errors, digest.error_total = self.errors.sorted(), self.errors.count
        digest.telemetry_errors, digest.telemetry_error_total = self.telemetry.sorted(), self.telemetry.count
        digest.writers = list(result.writers)
        _rename_lanes(digest, self.ranks.renamed())
        return digest


def _rename_lanes(digest: RunDigest, renames: Dict[RankLabel, RankLabel]) -> None:
    """Apply ``WriterRanks.renamed`` (two writers without a rank share a pid) to everything keyed by lane."""
    if not renames:
        return

    def lane(rank: RankLabel) -> RankLabel:
        return renames.get(rank, rank)

    digest.spans = {(lane(rank), name): series for (rank, name), series in digest.spans.items()}
    digest.numbers = {(lane(rank), name): series for (rank, name), series in digest.numbers.items()}
    digest.open_spans = [replace(span, rank=lane(span.rank)) for span in digest.open_spans]
    digest.errors = [replace(entry, rank=lane(entry.rank)) for entry in digest.errors]
    digest.telemetry_errors = [replace(entry, rank=lane(entry.rank)) for entry in digest.telemetry_errors]


def digest_files(
    paths: Iterable[PathLike],
    *,
    strict: bool = False,
    on_warning: Optional[WarningHandler] = None,
    on_progress: Optional[ProgressHandler] = None,
    listed: int = LISTED,
    max_series: int = MAX_SERIES,
) -> RunDigest:
    """Read ``paths`` once and keep what summaries and reports need; ReaderError on corrupt input."""
    stream = RecordStream(paths, strict=strict, on_warning=on_warning, on_progress=on_progress)
    digester = _Digester(listed, max_series)
    digester.feed_all(stream)
    digest = digester.finish()
    digest.paths = [str(p) for p in stream.paths]
    digest.reports = stream.reports
    digest.unlisted_segments = [str(p) for p in stream.unlisted_segments]
    return digest
