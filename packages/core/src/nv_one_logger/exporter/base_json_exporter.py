"""Turn exporter calls into JSON records, for exporters that write one JSON object per record.

Record format (every record has ``type``, ``count`` and ``pid``; see docs/record-format.md):

========================  ==================================================================================
``identity``              ``application``, ``session_tag``, ``world_size``, ``rank``, ``is_baseline_run``, ``host``,
                          ``instance_id``, ``custom_metadata``, ``versions`` (first record of each process)
``start``                 ``id``, ``name``, ``parent_id``, ``attributes`` (if any), ``start_event``
``stop``                  ``id``, ``name``, ``attributes`` (final, if any), ``stop_event``
``complete``              ``id``, ``name``, ``parent_id``, ``attributes`` (final), ``start_event``, ``stop_event``
``event``                 ``span_id``, ``event``
``application_error``     ``span_id``, ``event``
``telemetry_data_error``  ``error``
========================  ==================================================================================

The ``identity`` record (``nv_one_logger.core.identity``) is written before the first other record of each
process (again by a forked child, whose pid differs), so a file says which job, rank and host it came from.
Its ``count`` is 0: it heads the numbered records rather than being one of them.
It is built when the first record is written, normally after ``configure_one_logger``; written earlier, the
config fields are null.

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

Dicts or lines: subclasses get each record as a dict (``_write``), or, if they override ``_write_line``, as one
line of JSON encoded straight from the spans and events (faster; see :class:`BaseJsonExporter`).
"""

from __future__ import annotations

import os
import weakref
from abc import abstractmethod
from typing import Any, Dict, NoReturn, Optional, Tuple

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.identity import IDENTITY_RECORD_TYPE, current_identity, prime_process_facts
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter, ExportError, ExporterState
from nv_one_logger.exporter.json_line import (
    encode_event,
    encode_str,
    encode_value,
    event_json,
    span_attributes_json,
    span_id_str,
)

_logger = get_logger(__name__)

JsonRecord = Dict[str, Any]
"""One record: a dict of plain JSON types (str, int, float, bool, None, list, dict)."""

_pid = os.getpid()
_live_exporters: weakref.WeakSet[BaseJsonExporter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # The exporter's lock is reset by nv_one_logger.core.internal.locks (it is a fork-safe lock).
    global _pid
    _pid = os.getpid()
    for exporter in list(_live_exporters):
        # A held-back start record belongs to the parent's span: the parent writes it (as start or complete).
        # Written by the child as well, at its next record, it would be a duplicate from another pid.
        exporter._pending_span = None
        exporter._pending_record = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_MAX_CACHED_SPANS = 4096
"""Bound of the per-exporter cache of encoded span ids (only spans started and never stopped stay in it)."""

_READY = ExporterState.READY
_ENCODING_ERRORS = (TypeError, ValueError, RecursionError)

# A held-back start in line mode: (span, id_json, name_json, parent_json, attributes at start or None, start_event).
_PendingStart = Tuple[Span, str, str, str, Optional[JsonRecord], str]


def _writes_lines(cls: type) -> bool:
    """Whether the nearest override of the two write hooks in ``cls``'s MRO is ``_write_line``.

    A subclass of a line writer that overrides ``_write`` (to observe or change the dicts) gets dicts again.
    """
    for klass in cls.__mro__:
        if klass is BaseJsonExporter:
            break
        members = vars(klass)
        if "_write_line" in members:
            return True
        if "_write" in members:
            return False
    return False


def _start_body(pending: _PendingStart) -> str:
    _span, id_json, name_json, parent_json, attributes, start_json = pending
    attributes_json = "" if attributes is None else f',"attributes":{encode_value(attributes)}'
    return f'"id":{id_json},"name":{name_json},"parent_id":{parent_json}{attributes_json},"start_event":{start_json}'


class BaseJsonExporter(BaseExporter):
    r"""Builds JSON records and hands each to :meth:`_write`, one at a time and in ``count`` order.

    Thread-safe: numbering, start/stop merging and ``_write`` happen under one lock, so ``_write``
    implementations need no locking of their own and records reach them in ``count`` order.

    Subclasses implement ``_write(json_dict)``. Their ``close()`` must call ``super().close()`` *before*
    releasing the resource ``_write`` uses, because closing writes a still-pending start record.

    Line writers: a subclass that only needs each record as one line of JSON also overrides
    :meth:`_write_line`. Records are then encoded straight from the span and event objects, without building the
    dicts (about half the cost of a record on the hot path), in one fixed encoding: compact, ASCII-only
    (``\uXXXX`` escapes), NaN and infinities as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``. A line
    is exactly ``encode_value(json_dict)`` (``nv_one_logger.exporter.json_line``) of the dict ``_write`` would
    have received, so a line writer's ``_write`` should be ``self._write_line(encode_value(json_dict))``. If a
    subclass of a line writer overrides ``_write`` again, it gets dicts again.

    Args:
        merge_start_stop: write a span without records in between as a single ``complete`` record (see the
            module docstring for the durability tradeoff).
    """

    writes_identity_record = True
    """Whether the first record of each process is preceded by an ``identity`` record (files: yes)."""

    def __init__(self, merge_start_stop: bool = True) -> None:
        super().__init__()
        self._merge_start_stop = merge_start_stop
        self._lock = fork_safe_lock()
        self._count = 0
        self._pending_span: Optional[Span] = None
        self._pending_record: Any = None  # a JsonRecord, or a _PendingStart in line mode
        self._lines = _writes_lines(type(self))
        # id(span) -> (span, id_json, name_json) from export_start to export_stop, so that the events of a span
        # and its stop record do not format its uuid again. The span is kept to make the identity check safe.
        self._span_json: Dict[int, Tuple[Span, str, str]] = {}
        # The pid whose identity record was written (0: none yet; -1: this exporter writes none).
        self._identity_pid = 0 if self.writes_identity_record else -1
        self._identity_config: Any = None  # the OneLoggerConfig the identity is read from (None: the provider's)
        _live_exporters.add(self)

    def initialize(self) -> None:
        """Become ready; the identity's process facts are computed now (see ``identity.prime_process_facts``)."""
        prime_process_facts()
        super().initialize()

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

    def _write_line(self, line: str) -> None:
        """Deliver one record as a line of JSON without the newline (line writers only; see the class docs)."""
        raise NotImplementedError

    # -- the export calls --------------------------------------------------------------------------------

    def export_start(self, span: Span) -> None:
        """Write (or, when merging, hold back) a ``start`` record."""
        if self._state is not _READY:
            self._check_ready("export_start")
        if self._lines:
            self._start_line(span)
            return
        record: JsonRecord = {
            "type": "start",
            "count": 0,
            "pid": 0,
            "id": span_id_str(span),
            "name": span.name_str,
            "parent_id": None if span.parent_id is None else str(span.parent_id),
        }
        attributes = span_attributes_json(span)
        if attributes:
            record["attributes"] = attributes
        record["start_event"] = span.start_event.to_json()
        self._hold_or_emit_start(span, record)

    def export_stop(self, span: Span) -> None:
        """Write a ``stop`` record, or a ``complete`` record when the span's start is still held back."""
        if self._state is not _READY:
            self._check_ready("export_stop")
        stop_event = span.stop_event
        if stop_event is None:
            raise ExportError(f"{type(self).__name__}.export_stop(): span '{span.name_str}' is not stopped.")
        if self._lines:
            self._stop_line(span, stop_event)
            return
        span_id = span_id_str(span)
        attributes = span_attributes_json(span) or None
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
        if self._state is not _READY:
            self._check_ready("export_event")
        if self._lines:
            self._event_line("event", event, span)
        else:
            self._emit(
                {"type": "event", "count": 0, "pid": 0, "span_id": span_id_str(span), "event": event_json(event)}
            )

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Write an ``application_error`` record."""
        if self._state is not _READY:
            self._check_ready("export_error")
        if self._lines:
            self._event_line("application_error", event, span)
        else:
            self._emit(
                {
                    "type": "application_error",
                    "count": 0,
                    "pid": 0,
                    "span_id": span_id_str(span),
                    "event": event_json(event),
                }
            )

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Write a ``telemetry_data_error`` record."""
        if self._state is not _READY:
            self._check_ready("export_telemetry_data_error")
        if self._lines:
            try:
                body = f'"error":{encode_event(error)}'
            except _ENCODING_ERRORS as exc:
                self._unencodable(exc)
            with self._lock:
                self._flush_pending_locked()
                self._emit_line_locked("telemetry_data_error", body)
        else:
            self._emit({"type": "telemetry_data_error", "count": 0, "pid": 0, "error": event_json(error)})

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

    # -- dict records --------------------------------------------------------------------------------------

    def _emit(self, record: JsonRecord) -> None:
        with self._lock:
            self._flush_pending_locked()
            self._emit_locked(record)

    def _write_identity_locked(self) -> None:
        """Write the identity record of this process (before its first other record; see the module docs).

        Its ``count`` is 0: it is a header outside the numbered sequence, so the records of a process are still
        numbered 1, 2, 3 ... and a gap still means exactly one lost span, event or error record.

        A failure to write it is not the caller's failure: the record being written goes on (and fails, and is
        counted and reported, on its own if the destination is broken); the header is not retried.
        """
        self._identity_pid = _pid
        try:
            if self._lines:
                self._write_line(self._identity_line())
            else:
                self._write({"type": IDENTITY_RECORD_TYPE, "count": 0, "pid": _pid, **self._identity_body()})
        except Exception as exc:  # the record itself meets the same fault next and is reported as usual
            _logger.debug("%r could not write its identity record: %s", self, describe_exception(exc))

    def _identity_body(self) -> JsonRecord:
        """Return the fields of this process's identity record (from ``_identity_config``, else the provider's)."""
        return current_identity(self._identity_config).to_json()

    def _identity_line(self) -> str:
        """Return the identity record as one line (a line writer repeats it at the top of a rotated file)."""
        body = encode_value(self._identity_body())[1:]
        return f'{{"type":"{IDENTITY_RECORD_TYPE}","count":0,"pid":{_pid},{body}'

    def _emit_locked(self, record: JsonRecord) -> None:
        if self._identity_pid != _pid and self._identity_pid != -1:
            self._write_identity_locked()
        self._count += 1
        record["count"] = self._count
        record["pid"] = _pid
        self._write(record)

    def _hold_or_emit_start(self, span: Span, record: Any) -> None:
        with self._lock:
            self._flush_pending_locked()
            self._pending_span = span
            self._pending_record = record
            if not self._merge_start_stop:
                self._flush_pending_locked()

    def _flush_pending_locked(self) -> None:
        pending = self._pending_record
        if pending is None:
            return
        # Cleared first: if the write fails, the record is not retried in front of every later record.
        self._pending_span = self._pending_record = None
        if not self._lines:
            self._emit_locked(pending)
            return
        try:
            body = _start_body(pending)
        except _ENCODING_ERRORS as exc:
            self._count += 1
            raise self._not_json(self._count, exc) from exc
        self._emit_line_locked("start", body)

    # -- lines ---------------------------------------------------------------------------------------------

    def _emit_line_locked(self, record_type: str, body: str) -> None:
        if self._identity_pid != _pid and self._identity_pid != -1:
            self._write_identity_locked()
        self._count += 1
        self._write_line(f'{{"type":"{record_type}","count":{self._count},"pid":{_pid},{body}}}')

    def _start_line(self, span: Span) -> None:
        cache = self._span_json
        try:
            id_json = encode_str(span_id_str(span))
            name_json = encode_str(span.name_str)
            parent = span.parent_span
            entry = None if parent is None else cache.get(id(parent))
            if entry is not None and entry[0] is parent:
                parent_json = entry[1]
            else:
                parent_id = span.parent_id
                parent_json = "null" if parent_id is None else encode_str(str(parent_id))
            attributes = span_attributes_json(span)  # the start record shows the attributes at start
            pending: _PendingStart = (
                span,
                id_json,
                name_json,
                parent_json,
                attributes or None,
                encode_event(span.start_event),
            )
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        if len(cache) >= _MAX_CACHED_SPANS:
            cache.clear()  # spans that were started and never stopped: a cache miss only costs time
        cache[id(span)] = (span, id_json, name_json)
        self._hold_or_emit_start(span, pending)

    def _stop_line(self, span: Span, stop_event: Event) -> None:
        entry = self._span_json.pop(id(span), None)
        try:
            if entry is not None and entry[0] is span:
                id_json, name_json = entry[1], entry[2]
            else:
                id_json, name_json = encode_str(span_id_str(span)), encode_str(span.name_str)
            attributes = span_attributes_json(span)
            attributes_json = f',"attributes":{encode_value(attributes)}' if attributes else ""
            stop_json = encode_event(stop_event)
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        with self._lock:
            pending = self._pending_record
            if pending is not None and self._pending_span is span:
                self._pending_span = self._pending_record = None
                self._emit_line_locked(
                    "complete",
                    f'"id":{id_json},"name":{name_json},"parent_id":{pending[3]}{attributes_json},'
                    f'"start_event":{pending[5]},"stop_event":{stop_json}',
                )
            else:
                self._flush_pending_locked()
                self._emit_line_locked(
                    "stop", f'"id":{id_json},"name":{name_json}{attributes_json},"stop_event":{stop_json}'
                )

    def _event_line(self, record_type: str, event: Event, span: Span) -> None:
        entry = self._span_json.get(id(span))
        try:
            id_json = entry[1] if entry is not None and entry[0] is span else encode_str(span_id_str(span))
            body = f'"span_id":{id_json},"event":{encode_event(event)}'
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        with self._lock:
            self._flush_pending_locked()
            self._emit_line_locked(record_type, body)

    def _unencodable(self, exc: BaseException) -> NoReturn:
        """Fail the call for a record that is not JSON; the record keeps its ``count`` (a gap shows the loss)."""
        with self._lock:
            self._flush_pending_locked()
            self._count += 1
            count = self._count
        raise self._not_json(count, exc) from exc

    def _not_json(self, count: int, exc: BaseException) -> ExportError:
        return ExportError(f"record {count} for {self!r} is not JSON: {describe_exception(exc)}")
