"""Convert rebuilt spans to the Chrome Trace Event format (opened by Perfetto and chrome://tracing).

Layout of the timeline:

* one **process track per writer process** (pid; named after the pid and the file it wrote, so a
  ``rank{rank}.jsonl`` template shows the rank), sorted by first activity;
* inside a process, spans are ``"X"`` (complete) events on **lanes** (Chrome "threads"): the trace format needs
  the slices of one thread to nest strictly, but spans of threads or asyncio tasks can overlap without nesting,
  so each span goes to the first lane where it nests, and extra lanes appear only when needed;
* events are ``"i"`` (instant) markers on the span's lane; application errors are instant markers named
  ``error: <message>`` in category ``error`` with ``cname`` ``terrible`` (red); telemetry data errors are
  process-wide instant markers in category ``telemetry_data_error``, also red;
* spans still open at the end of the data extend to the last record of their process and carry
  ``args.still_open = true`` (and ``[open]`` in the name).

Times are microseconds since the epoch. Within one process they come from the writer's monotonic clock
(``perf_counter_seconds``), shifted onto the wall clock by the offset of the process's first span: this keeps
child spans exactly inside their parents even if the wall clock was stepped while the job ran. Records without
a monotonic time use the wall clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from nv_one_logger.records.rotation import strip_rotation_suffix
from nv_one_logger.records.spans import RebuildResult, RebuiltSpan
from nv_one_logger.records.types import RecordedEvent

ERROR_COLOR = "terrible"
OPEN_COLOR = "yellow"


@dataclass
class _Process:
    key: Tuple[str, int]
    chrome_pid: int
    offset: Optional[float] = None  # wall - perf for this process
    spans: List[RebuiltSpan] = field(default_factory=list)
    end_usec: float = 0.0
    first_usec: float = float("inf")

    def usec(self, event: RecordedEvent) -> float:
        if self.offset is not None and event.perf_counter_seconds is not None:
            return round((event.perf_counter_seconds + self.offset) * 1e6, 3)
        return round(event.seconds_since_epoch * 1e6, 3)


def _log_name(path: str) -> str:
    """Return the file a record came from, without a rotation suffix (``run.jsonl.3`` -> ``run.jsonl``)."""
    return strip_rotation_suffix(path)


def _span_args(span: RebuiltSpan) -> Dict[str, Any]:
    args: Dict[str, Any] = dict(span.attributes)
    args["span_id"] = span.id
    if span.parent_id is not None:
        args["parent_id"] = span.parent_id
    if span.open:
        args["still_open"] = True
    return args


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


def build_chrome_trace(result: RebuildResult) -> Dict[str, Any]:
    """Return the trace as a JSON-ready dict ``{"traceEvents": [...], "displayTimeUnit": "ms", ...}``."""
    processes: Dict[Tuple[str, int], _Process] = {}
    used_pids: Dict[int, Tuple[str, int]] = {}

    def process_for(path: str, pid: int) -> _Process:
        key = (_log_name(path), pid)
        process = processes.get(key)
        if process is None:
            chrome_pid = pid
            while chrome_pid in used_pids:  # the same pid in two files (two hosts): keep them apart
                chrome_pid += 1_000_000
            used_pids[chrome_pid] = key
            process = processes[key] = _Process(key=key, chrome_pid=chrome_pid)
        return process

    for span in result.spans:
        process = process_for(span.source.path, span.pid)
        if process.offset is None and span.start_event.perf_counter_seconds is not None:
            process.offset = span.start_event.seconds_since_epoch - span.start_event.perf_counter_seconds
        process.spans.append(span)

    events: List[Dict[str, Any]] = []
    metadata: List[Dict[str, Any]] = []
    for process in processes.values():
        spans = process.spans
        for span in spans:
            process.first_usec = min(process.first_usec, process.usec(span.start_event))
            for moment in (span.stop_event, *span.events):
                if moment is not None:
                    process.end_usec = max(process.end_usec, process.usec(moment))
            process.end_usec = max(process.end_usec, process.usec(span.start_event))
        intervals = []
        for index, span in enumerate(spans):
            start = process.usec(span.start_event)
            end = process.usec(span.stop_event) if span.stop_event is not None else process.end_usec
            intervals.append((start, max(start, end), index))
        lanes = _assign_lanes(intervals)
        pid = process.chrome_pid
        for start, end, index in intervals:
            span = spans[index]
            tid = lanes[index] + 1
            slice_event: Dict[str, Any] = {
                "name": span.name + (" [open]" if span.open else ""),
                "cat": "span",
                "ph": "X",
                "ts": start,
                "dur": round(end - start, 3),
                "pid": pid,
                "tid": tid,
                "args": _span_args(span),
            }
            if span.open:
                slice_event["cname"] = OPEN_COLOR
            events.append(slice_event)
            error_ids = {id(error) for error in span.errors}
            for event in span.events:
                marker: Dict[str, Any] = {
                    "name": event.name,
                    "cat": "event",
                    "ph": "i",
                    "s": "t",
                    "ts": process.usec(event),
                    "pid": pid,
                    "tid": tid,
                    "args": dict(event.attributes, span_id=span.id),
                }
                if id(event) in error_ids:
                    marker.update(name=_error_name(event), cat="error", cname=ERROR_COLOR)
                events.append(marker)
        path, real_pid = process.key
        process_name = f"pid {real_pid} ({os.path.basename(path)})"
        metadata.append(_meta(pid, None, "process_name", {"name": process_name}))
        metadata.append(_meta(pid, None, "process_labels", {"labels": path}))
        for lane in sorted(set(lanes.values())):
            label = "spans" if lane == 0 else f"spans (overlapping, lane {lane + 1})"
            metadata.append(_meta(pid, lane + 1, "thread_name", {"name": label}))
            metadata.append(_meta(pid, lane + 1, "thread_sort_index", {"sort_index": lane}))

    for error in result.telemetry_data_errors:
        process = process_for(error.source.path, error.pid)
        if not process.spans and process.first_usec == float("inf"):  # a process with no spans at all
            path, real_pid = process.key
            name = f"pid {real_pid} ({os.path.basename(path)})"
            metadata.append(_meta(process.chrome_pid, None, "process_name", {"name": name}))
        process.first_usec = min(process.first_usec, process.usec(error.error))
        events.append(
            {
                "name": f"telemetry_data_error: {error.error_type or 'unknown'}",
                "cat": "telemetry_data_error",
                "ph": "i",
                "s": "p",
                "ts": process.usec(error.error),
                "pid": process.chrome_pid,
                "tid": 0,
                "cname": ERROR_COLOR,
                "args": dict(error.error.attributes),
            }
        )

    ordered = sorted(processes.values(), key=lambda p: p.first_usec)
    for rank, process in enumerate(ordered):
        metadata.append(_meta(process.chrome_pid, None, "process_sort_index", {"sort_index": rank}))
    events.sort(key=lambda e: (e["ts"], -e.get("dur", 0.0)))
    return {
        "traceEvents": metadata + events,
        "displayTimeUnit": "ms",
        "otherData": {"generator": "one-logger chrome-trace", "time_unit": "microseconds since the Unix epoch"},
    }


def _meta(pid: int, tid: Optional[int], kind: str, args: Dict[str, Any]) -> Dict[str, Any]:
    event: Dict[str, Any] = {"name": kind, "ph": "M", "pid": pid, "args": args}
    event["tid"] = tid if tid is not None else 0
    return event
