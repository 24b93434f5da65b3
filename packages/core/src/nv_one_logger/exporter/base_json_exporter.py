"""Turn exporter calls into JSON records, for exporters that write one JSON object per record.

Record format (every record has ``type``, ``count`` and ``pid``; see docs/record-format.md):

========================  ==================================================================================
``start``                 ``id``, ``name``, ``parent_id``, ``attributes`` (if any), ``start_event``
``stop``                  ``id``, ``name``, ``attributes`` (final, if any), ``stop_event``
``complete``              ``id``, ``name``, ``parent_id``, ``attributes`` (final), ``start_event``, ``stop_event``
``event``                 ``span_id``, ``event``
``application_error``     ``span_id``, ``event``
``telemetry_data_error``  ``error``
========================  ==================================================================================

``count`` is 1, 2, 3, ... per exporter instance in the order records are handed to ``_write``; a number that is
missing from a file means a record could not be written. ``pid`` is the process id (correct after ``fork``).

Start/stop merging (``merge_start_stop=True``, the default): a span with no other record between its start and
its stop is written once, as ``complete``, at its stop. Most spans of a job are short leaves (one iteration,
one data load), so this halves the volume. It works by holding back the start record of the most recent span:

- the next record for the same span's stop turns it into ``complete``;
- any other record (or ``flush_pending()``, or ``close()``) first writes the held start record as ``start``.

Durability tradeoff: a held start record is in memory only. If the process is killed (SIGKILL, OOM, node
failure) while the most recent span is still open and nothing else has been recorded since it started, that
start never reaches the output. A sink that must show "what was running when it died" promptly can pass
``merge_start_stop=False`` (every start is written at once; spans are then always a ``start``/``stop`` pair),
or call ``flush_pending()`` from a periodic flush. Exactly one start record can be pending at any time.
"""

from __future__ import annotations

import os
import threading
import weakref
from abc import abstractmethod
from typing import Any, Dict, Optional

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter, ExportError

JsonRecord = Dict[str, Any]
"""One record: a dict of plain JSON types (str, int, float, bool, None, list, dict)."""

_pid = os.getpid()
_live_exporters: weakref.WeakSet[BaseJsonExporter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # The child has one thread: a lock held by another parent thread at fork time would never be released.
    global _pid
    _pid = os.getpid()
    for exporter in list(_live_exporters):
        exporter._lock = threading.Lock()
        # A held-back start record belongs to the parent's span: the parent writes it (as start or complete).
        # Written by the child as well, at its next record, it would be a duplicate from another pid.
        exporter._pending_span = None
        exporter._pending_record = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class BaseJsonExporter(BaseExporter):
    """Builds JSON records and hands each to :meth:`_write`, one at a time and in ``count`` order.

    Thread-safe: numbering, start/stop merging and ``_write`` happen under one lock, so ``_write``
    implementations need no locking of their own and records reach them in ``count`` order.

    Subclasses implement ``_write(json_dict)``. Their ``close()`` must call ``super().close()`` *before*
    releasing the resource ``_write`` uses, because closing writes a still-pending start record.

    Args:
        merge_start_stop: write a span without records in between as a single ``complete`` record (see the
            module docstring for the durability tradeoff).
    """

    def __init__(self, merge_start_stop: bool = True) -> None:
        super().__init__()
        self._merge_start_stop = merge_start_stop
        self._lock = threading.Lock()
        self._count = 0
        self._pending_span: Optional[Span] = None
        self._pending_record: Optional[JsonRecord] = None
        _live_exporters.add(self)

    @property
    def merge_start_stop(self) -> bool:
        """Whether start/stop pairs with nothing in between are merged into ``complete`` records."""
        return self._merge_start_stop

    @property
    def count(self) -> int:
        """The ``count`` of the last record handed to ``_write`` (0 before the first)."""
        return self._count

    @abstractmethod
    def _write(self, json_dict: JsonRecord) -> None:
        """Deliver one record. Called under the exporter lock, in ``count`` order."""

    def export_start(self, span: Span) -> None:
        """Write (or, when merging, hold back) a ``start`` record."""
        super().export_start(span)
        record: JsonRecord = {
            "type": "start",
            "count": 0,
            "pid": 0,
            "id": str(span.id),
            "name": span.name_str,
            "parent_id": None if span.parent_id is None else str(span.parent_id),
        }
        if span.attributes:
            record["attributes"] = span.attributes.to_json()
        record["start_event"] = span.start_event.to_json()
        with self._lock:
            self._flush_pending_locked()
            if self._merge_start_stop:
                self._pending_span = span
                self._pending_record = record
            else:
                self._emit_locked(record)

    def export_stop(self, span: Span) -> None:
        """Write a ``stop`` record, or a ``complete`` record when the span's start is still held back."""
        super().export_stop(span)
        stop_event = span.stop_event
        if stop_event is None:
            raise ExportError(f"{type(self).__name__}.export_stop(): span '{span.name_str}' is not stopped.")
        span_id = str(span.id)
        attributes = span.attributes.to_json() if span.attributes else None
        stop_json = stop_event.to_json()
        with self._lock:
            pending = self._pending_record
            if pending is not None and self._pending_span is span:
                self._pending_span = self._pending_record = None
                record: JsonRecord = {
                    "type": "complete",
                    "count": 0,
                    "pid": 0,
                    "id": span_id,
                    "name": span.name_str,
                    "parent_id": pending["parent_id"],
                }
                if attributes is not None:
                    record["attributes"] = attributes
                record["start_event"] = pending["start_event"]
                record["stop_event"] = stop_json
            else:
                self._flush_pending_locked()
                record = {"type": "stop", "count": 0, "pid": 0, "id": span_id, "name": span.name_str}
                if attributes is not None:
                    record["attributes"] = attributes
                record["stop_event"] = stop_json
            self._emit_locked(record)

    def export_event(self, event: Event, span: Span) -> None:
        """Write an ``event`` record."""
        super().export_event(event, span)
        self._emit({"type": "event", "count": 0, "pid": 0, "span_id": str(span.id), "event": event.to_json()})

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Write an ``application_error`` record."""
        super().export_error(event, span)
        self._emit(
            {"type": "application_error", "count": 0, "pid": 0, "span_id": str(span.id), "event": event.to_json()}
        )

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Write a ``telemetry_data_error`` record."""
        super().export_telemetry_data_error(error)
        self._emit({"type": "telemetry_data_error", "count": 0, "pid": 0, "error": error.to_json()})

    def flush_pending(self) -> None:
        """Write a held-back start record now (no-op if there is none or the exporter is not ready)."""
        with self._lock:
            if self.ready:
                self._flush_pending_locked()

    def close(self) -> None:
        """Write a held-back start record, then close. Idempotent."""
        try:
            self.flush_pending()
        finally:
            super().close()

    def _emit(self, record: JsonRecord) -> None:
        with self._lock:
            self._flush_pending_locked()
            self._emit_locked(record)

    def _flush_pending_locked(self) -> None:
        record = self._pending_record
        if record is not None:
            # Cleared first: if _write fails, the record is not retried in front of every later record.
            self._pending_span = self._pending_record = None
            self._emit_locked(record)

    def _emit_locked(self, record: JsonRecord) -> None:
        self._count += 1
        record["count"] = self._count
        record["pid"] = _pid
        self._write(record)
