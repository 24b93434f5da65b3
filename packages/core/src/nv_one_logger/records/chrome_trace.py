"""Convert rebuilt spans to the Chrome Trace Event format (opened by Perfetto and chrome://tracing).

Layout of the timeline:

* one **process track per writer** (``records.writers``: a pid in one log file; named after the pid and the file
  it wrote, so a ``rank{rank}.jsonl`` template shows the rank), sorted by first activity;
* inside a process, spans are ``"X"`` (complete) events on **lanes** (Chrome "threads"): the trace format needs
  the slices of one thread to nest strictly, but spans of threads or asyncio tasks can overlap without nesting,
  so each span goes to the first lane where it nests, and extra lanes appear only when needed;
* events are ``"i"`` (instant) markers on the span's lane; application errors are instant markers named
  ``error: <message>`` in category ``error`` with ``cname`` ``terrible`` (red); telemetry data errors are
  process-wide instant markers in category ``telemetry_data_error``, also red;
* spans still open at the end of the data extend to the last record of their writer (``Writer.last_seconds``)
  and carry ``args.still_open = true`` (and ``[open]`` in the name).

Times are microseconds since the epoch. Within one process they come from the writer's monotonic clock
(``perf_counter_seconds``), shifted onto the wall clock by the offset of the process's first span: this keeps
child spans exactly inside their parents even if the wall clock was stepped while the job ran. Records without
a monotonic time use the wall clock.

Memory: ``ChromeTraceBuilder`` keeps each span as a small record -- times as floats, attributes already encoded
as a JSON string -- instead of the rebuilt span with its dicts, and ``write`` streams the trace to the file
instead of building it as one list: the trace holds every span and event, so they are all kept until the end,
but in about 1.2 times the size of the input files (a quarter of what the rebuilt spans and a trace built in
memory need). Within a process, slices are written in start order, each
followed by its instant markers.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

from nv_one_logger.records.reader import PathLike
from nv_one_logger.records.spans import RebuildResult, RebuiltSpan, SpanAssembler
from nv_one_logger.records.types import Record, RecordedEvent, TelemetryDataErrorRecord
from nv_one_logger.records.writers import Writer, Writers

ERROR_COLOR = "terrible"
OPEN_COLOR = "yellow"
_OTHER_DATA = {"generator": "one-logger chrome-trace", "time_unit": "microseconds since the Unix epoch"}

_Moment = Tuple[float, Optional[float]]
"""(wall-clock seconds, monotonic seconds or None) of an event."""
_Marker = Tuple[str, str, float, Optional[float], str, bool]
"""(name, category, wall, monotonic, args as JSON, is an error) of an instant marker."""


def _moment(event: RecordedEvent) -> _Moment:
    return (event.seconds_since_epoch, event.perf_counter_seconds)


class _Entry:
    """One span, compactly: what its slice and markers need, attributes already encoded."""

    __slots__ = ("args", "markers", "name", "start", "stop")

    def __init__(self, name: str, start: _Moment, stop: Optional[_Moment], args: str, markers: List[_Marker]):
        self.name = name
        self.start = start
        self.stop = stop
        self.args = args
        self.markers = markers


class _Process:
    def __init__(self, writer: Writer, chrome_pid: int) -> None:
        self.writer = writer
        self.chrome_pid = chrome_pid
        self.offset: Optional[float] = None  # wall - perf of the process's first span
        self.offset_order: Optional[Tuple[int, int]] = None
        self.entries: List[_Entry] = []
        self.telemetry: List[Tuple[_Moment, str, str]] = []  # (moment, name, args JSON)
        self.end_usec = 0.0
        self.first_usec = float("inf")
        self.lanes: List[int] = []

    def usec(self, moment: _Moment) -> float:
        wall, perf = moment
        if self.offset is not None and perf is not None:
            return round((perf + self.offset) * 1e6, 3)
        return round(wall * 1e6, 3)

    def data_end_usec(self) -> float:
        """Where the writer's data ends, on the process's timeline (its first activity when nothing is timed)."""
        writer = self.writer
        if writer.last_seconds is None:
            return self.first_usec
        return self.usec((writer.last_seconds, writer.last_perf_seconds))


def _span_args(span: RebuiltSpan) -> Dict[str, Any]:
    args: Dict[str, Any] = dict(span.attributes)
    args["span_id"] = span.id
    if span.parent_id is not None:
        args["parent_id"] = span.parent_id
    if span.open:
        args["still_open"] = True
    return args


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _assign_lanes(intervals: List[Tuple[float, float, int]]) -> Dict[int, int]:
    """Give each (start, end, index) interval the first lane where it nests; returns index -> lane (0-based)."""
    lanes: List[List[float]] = []  # per lane: stack of end times of enclosing intervals
    assignment: Dict[int, int] = {}
    for start, end, index in sorted(intervals, key=lambda item: (item[0], -item[1], item[2])):
        for lane_number, stack in enumerate(lanes):
            while stack and stack[-1] <= start:
                stack.pop()
            if not stack or stack[-1] >= end:
                stack.append(end)
                assignment[index] = lane_number
                break
        else:
            lanes.append([end])
            assignment[index] = len(lanes) - 1
    return assignment


def _error_name(event: RecordedEvent) -> str:
    message = event.attributes.get("error_message")
    text = str(message) if message is not None else event.name
    return "error: " + (text if len(text) <= 80 else text[:77] + "...")


class ChromeTraceBuilder:
    """Collect spans and telemetry data errors (in any order), then write or build the trace.

    ``order`` tells which span came first in the data (the process's time offset comes from its first span);
    ``build_chrome_trace`` passes the span's position, a streaming reader the position of its start record.
    ``writers`` is the table the records were noted in (``RebuildResult.writers``): one process per writer.
    """

    def __init__(self, writers: Writers) -> None:
        self._writers = writers
        self._processes: Dict[Writer, _Process] = {}
        self._used_pids: Dict[int, Writer] = {}
        self._names: Dict[str, str] = {}
        self.span_count = 0
        self._finished = False

    def _process(self, path: str, pid: int) -> _Process:
        writer = self._writers.of(path, pid)
        process = self._processes.get(writer)
        if process is None:
            chrome_pid = pid
            while chrome_pid in self._used_pids:  # the same pid in two files (two hosts): keep them apart
                chrome_pid += 1_000_000
            self._used_pids[chrome_pid] = writer
            process = self._processes[writer] = _Process(writer, chrome_pid)
        return process

    def _intern(self, name: str) -> str:
        return self._names.setdefault(name, name)

    def add_span(self, span: RebuiltSpan, order: Tuple[int, int]) -> None:
        """Add a span with its events (``order``: position of its start in the data, smaller is earlier)."""
        process = self._process(span.source.path, span.pid)
        start = span.start_event
        if start.perf_counter_seconds is not None and (process.offset_order is None or order < process.offset_order):
            process.offset = start.seconds_since_epoch - start.perf_counter_seconds
            process.offset_order = order
        error_ids = {id(error) for error in span.errors}
        markers: List[_Marker] = []
        for event in span.events:
            args = _json(dict(event.attributes, span_id=span.id))
            if id(event) in error_ids:
                markers.append((_error_name(event), "error", *_moment(event), args, True))
            else:
                markers.append((self._intern(event.name), "event", *_moment(event), args, False))
        stop = _moment(span.stop_event) if span.stop_event is not None else None
        process.entries.append(_Entry(self._intern(span.name), _moment(start), stop, _json(_span_args(span)), markers))
        self.span_count += 1

    def add_telemetry_data_error(self, error: TelemetryDataErrorRecord) -> None:
        """Add a telemetry data error: a process-wide red marker."""
        process = self._process(error.source.path, error.pid)
        name = f"telemetry_data_error: {error.error_type or 'unknown'}"
        process.telemetry.append((_moment(error.error), name, _json(dict(error.error.attributes))))

    def _finish(self) -> List[_Process]:
        processes = list(self._processes.values())
        if self._finished:
            return sorted(processes, key=lambda p: p.first_usec)
        self._finished = True
        for process in processes:
            for entry in process.entries:
                process.first_usec = min(process.first_usec, process.usec(entry.start))
            for moment, _, _ in process.telemetry:
                process.first_usec = min(process.first_usec, process.usec(moment))
            process.end_usec = process.data_end_usec()

            def interval(entry: _Entry, process: _Process = process) -> Tuple[float, float]:
                start = process.usec(entry.start)
                end = process.usec(entry.stop) if entry.stop is not None else process.end_usec
                return start, max(start, end)

            process.entries.sort(key=lambda entry: (interval(entry)[0], -interval(entry)[1]))
            intervals = [(*interval(entry), index) for index, entry in enumerate(process.entries)]
            assignment = _assign_lanes(intervals)
            process.lanes = [assignment[index] for index in range(len(process.entries))]
        return sorted(processes, key=lambda p: p.first_usec)

    def _metadata(self, processes: List[_Process]) -> Iterator[Dict[str, Any]]:
        for process in processes:
            pid = process.chrome_pid
            yield _meta(pid, None, "process_name", {"name": process.writer.name})
            if process.entries:
                yield _meta(pid, None, "process_labels", {"labels": process.writer.shown_log})
            for lane in sorted(set(process.lanes)):
                label = "spans" if lane == 0 else f"spans (overlapping, lane {lane + 1})"
                yield _meta(pid, lane + 1, "thread_name", {"name": label})
                yield _meta(pid, lane + 1, "thread_sort_index", {"sort_index": lane})
        for rank, process in enumerate(processes):
            yield _meta(process.chrome_pid, None, "process_sort_index", {"sort_index": rank})

    def _process_events(self, process: _Process) -> Iterator[str]:
        """Yield the process's events as JSON texts (args are already JSON: spliced in, not encoded again)."""
        pid = process.chrome_pid
        for moment, name, args in sorted(process.telemetry, key=lambda item: process.usec(item[0])):
            head = {"name": name, "cat": "telemetry_data_error", "ph": "i", "s": "p", "ts": process.usec(moment)}
            tail = {"pid": pid, "tid": 0, "cname": ERROR_COLOR}
            yield _json(head)[:-1] + "," + _json(tail)[1:-1] + ',"args":' + args + "}"
        for entry, lane in zip(process.entries, process.lanes):
            start = process.usec(entry.start)
            end = process.usec(entry.stop) if entry.stop is not None else process.end_usec
            tid = lane + 1
            fields: Dict[str, Any] = {
                "name": entry.name + (" [open]" if entry.stop is None else ""),
                "cat": "span",
                "ph": "X",
                "ts": start,
                "dur": round(max(start, end) - start, 3),
                "pid": pid,
                "tid": tid,
            }
            if entry.stop is None:
                fields["cname"] = OPEN_COLOR
            yield _json(fields)[:-1] + ',"args":' + entry.args + "}"
            for name, category, wall, perf, args, error in entry.markers:
                marker: Dict[str, Any] = {"name": name, "cat": category, "ph": "i", "s": "t"}
                marker.update(ts=process.usec((wall, perf)), pid=pid, tid=tid)
                if error:
                    marker["cname"] = ERROR_COLOR
                yield _json(marker)[:-1] + ',"args":' + args + "}"

    def event_texts(self) -> Iterator[str]:
        """Every trace event as a JSON text: metadata first, then each process's events."""
        processes = self._finish()
        for meta in self._metadata(processes):
            yield _json(meta)
        for process in processes:
            yield from self._process_events(process)

    def write(self, handle: TextIO) -> int:
        """Write the trace (the JSON object form) to ``handle`` event by event; returns the number of events."""
        count = 0
        handle.write('{"traceEvents":[')
        for text in self.event_texts():
            handle.write(("\n," if count else "\n") + text)
            count += 1
        handle.write('\n],"displayTimeUnit":"ms","otherData":' + _json(_OTHER_DATA) + "}\n")
        return count

    def build(self) -> Dict[str, Any]:
        """Return the trace as a JSON-ready dict (the whole trace in memory: fine for small data)."""
        events = [json.loads(text) for text in self.event_texts()]
        return {"traceEvents": events, "displayTimeUnit": "ms", "otherData": dict(_OTHER_DATA)}


def build_chrome_trace(result: RebuildResult) -> Dict[str, Any]:
    """Return the trace as a JSON-ready dict ``{"traceEvents": [...], "displayTimeUnit": "ms", ...}``."""
    builder = ChromeTraceBuilder(result.writers)
    for index, span in enumerate(result.spans):
        builder.add_span(span, (index, 0))
    for error in result.telemetry_data_errors:
        builder.add_telemetry_data_error(error)
    return builder.build()


def trace_records(stream: Iterable[Record], paths: Sequence[PathLike] = ()) -> ChromeTraceBuilder:
    """Read records once into a builder, dropping each span's records as soon as it stops (``RecordStream``).

    ``paths`` are the files in reading order, so that a span's start position orders the processes' spans.
    """
    assembler = SpanAssembler(keep=False, attach_events=True, problem_limit=0)
    builder = ChromeTraceBuilder(assembler.result.writers)
    file_index = {os.fspath(path): index for index, path in enumerate(paths)}

    def order(span: RebuiltSpan) -> Tuple[int, int]:
        return (file_index.get(span.source.path, 0), span.source.line)

    for record in stream:
        span = assembler.feed(record)
        if span is not None:
            builder.add_span(span, order(span))
        elif isinstance(record, TelemetryDataErrorRecord):
            builder.add_telemetry_data_error(record)
    for span in assembler.finish().spans:  # still open at the end of the data
        builder.add_span(span, order(span))
    return builder


def _meta(pid: int, tid: Optional[int], kind: str, args: Dict[str, Any]) -> Dict[str, Any]:
    event: Dict[str, Any] = {"name": kind, "ph": "M", "pid": pid, "args": args}
    event["tid"] = tid if tid is not None else 0
    return event
