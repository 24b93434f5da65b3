"""Who wrote a record: the *writer*, one concept for every reader of record files.

A writer is one process writing one log: the log file without its rotation suffix (``run.jsonl.3`` is segment 3
of ``run.jsonl``, see ``rotation``) plus the pid. Files copied from two hosts or containers may both hold pid 1;
they are two writers, because they are two files. One file may hold several writers (forked workers, ranks
appending to one file), told apart by their pids.

What the data says about a writer is kept here, so that summary, report, chrome-trace and replay agree on it:

- its **identity** (application, rank, host ...): the first identity record of the writer
  (``nv_one_logger.core.identity``; files of older versions have none);
- **where its data ends**: the latest wall-clock time in any of its records (with the monotonic time of that
  same moment, for timelines drawn on the writer's monotonic clock). A span still open at the end of the data
  is shown, or replayed, as running until then. Every record counts, also one that does not fit (the stop of
  a span whose start is in a segment that was not given): the process was alive when it wrote it.
- **where its data begins**: the earliest wall-clock time in any of its records. The run as a whole spans from
  the earliest beginning to the latest end of its writers (``RunDigest.first_seconds`` / ``last_seconds``).

``Writers`` collects them while records stream by (``SpanAssembler`` feeds it every record it sees).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Iterator, NamedTuple, Optional, Tuple

from nv_one_logger.core.identity import JobIdentity
from nv_one_logger.records.rotation import strip_rotation_suffix
from nv_one_logger.records.types import (
    ApplicationErrorRecord,
    EventRecord,
    IdentityRecord,
    Record,
    RecordedEvent,
    SpanCompleteRecord,
    SpanStartRecord,
    SpanStopRecord,
    TelemetryDataErrorRecord,
)


class WriterKey(NamedTuple):
    """What identifies a writer: its log (absolute path, rotation suffix stripped) and its pid."""

    log: str
    pid: int


def writer_key(path: str, pid: int) -> WriterKey:
    """Return the writer of a record of process ``pid`` read from ``path`` (a rotated segment counts as its log)."""
    return WriterKey(strip_rotation_suffix(os.path.abspath(path)), pid)


@dataclass(eq=False)
class Writer:
    """One writer (see the module docstring) and what its records said about it so far."""

    key: WriterKey
    shown_log: str
    """The log as the user named it (rotation suffix stripped): what tools print."""
    identity: Optional[JobIdentity] = None
    first_seconds: Optional[float] = None
    """The earliest wall-clock time in any of the writer's records: where its data begins (None: no timed record)."""
    last_seconds: Optional[float] = None
    """The latest wall-clock time in any of the writer's records: where its data ends (None: no timed record)."""
    last_perf_seconds: Optional[float] = None
    """The latest monotonic time in any of the writer's records that carried one: where its data ends on the
    process's own timeline (after a wall-clock step back, not the time of the ``last_seconds`` record)."""

    @property
    def pid(self) -> int:
        """The writer's process id (as the writer's host saw it)."""
        return self.key.pid

    @property
    def log(self) -> str:
        """The writer's log file: absolute path, rotation suffix stripped."""
        return self.key.log

    @property
    def host(self) -> Optional[str]:
        """The host named by the writer's identity record, if any."""
        return self.identity.host if self.identity is not None else None

    @property
    def name(self) -> str:
        """``pid 812 (rank3-812.jsonl)``: how tools name a writer (the pid and the file it wrote)."""
        return f"pid {self.pid} ({os.path.basename(self.shown_log)})"

    def seen(self, event: RecordedEvent) -> None:
        """Note the time of one of the writer's events (its data begins no later and ends no earlier than it)."""
        seconds = event.seconds_since_epoch
        if self.last_seconds is None or seconds > self.last_seconds:
            self.last_seconds = seconds
        if self.first_seconds is None or seconds < self.first_seconds:
            self.first_seconds = seconds
        perf = event.perf_counter_seconds
        if perf is not None and (self.last_perf_seconds is None or perf > self.last_perf_seconds):
            self.last_perf_seconds = perf


def record_events(record: Record) -> Tuple[RecordedEvent, ...]:
    """Return the timed events of a record (none for an identity record)."""
    if isinstance(record, SpanCompleteRecord):
        return (record.start_event, record.stop_event)
    if isinstance(record, SpanStartRecord):
        return (record.start_event,)
    if isinstance(record, SpanStopRecord):
        return (record.stop_event,)
    if isinstance(record, (EventRecord, ApplicationErrorRecord)):
        return (record.event,)
    if isinstance(record, TelemetryDataErrorRecord):
        return (record.error,)
    return ()


class Writers:
    """Every writer seen in a stream of records, in order of first appearance."""

    def __init__(self) -> None:
        self._by_key: Dict[WriterKey, Writer] = {}
        self._by_source: Dict[Tuple[str, int], Writer] = {}  # (path as read, pid): no path arithmetic per record

    def of(self, path: str, pid: int) -> Writer:
        """Return the writer of a record of process ``pid`` read from ``path`` (created when new)."""
        writer = self._by_source.get((path, pid))
        if writer is None:
            key = writer_key(path, pid)
            writer = self._by_key.get(key)
            if writer is None:
                writer = self._by_key[key] = Writer(key, strip_rotation_suffix(path))
            self._by_source[(path, pid)] = writer
        return writer

    def note(self, record: Record) -> Writer:
        """Take one record (in file order): its times, and the identity when it is the writer's identity record."""
        writer = self.of(record.source.path, record.pid)
        if isinstance(record, IdentityRecord):
            if writer.identity is None:
                writer.identity = record.identity
        else:
            for event in record_events(record):
                writer.seen(event)
        return writer

    def __iter__(self) -> Iterator[Writer]:
        return iter(list(self._by_key.values()))
