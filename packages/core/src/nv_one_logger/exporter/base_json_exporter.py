"""Turn exporter calls into JSON records, for exporters that write one JSON object per record.

Record format (every record has ``type``, ``count`` and ``pid``; the fields of each type are defined once, in
``nv_one_logger.exporter.json_line``; see docs/record-format.md):

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
line of JSON encoded straight from the spans and events (faster; see :class:`BaseJsonExporter`). Both are
rendered from the same ``json_line.RecordShape``, by the same code: only how a field value is made differs
(:class:`_DictForm`, :class:`_LineForm`).
"""

from __future__ import annotations

import os
import weakref
from abc import abstractmethod
from typing import TYPE_CHECKING, Dict, NoReturn, Optional, Tuple

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.identity import current_identity, prime_process_facts
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter, ExportError, ExporterState
from nv_one_logger.exporter.json_line import (
    APPLICATION_ERROR,
    COMPLETE,
    EVENT,
    START,
    STOP,
    TELEMETRY_DATA_ERROR,
    FieldValue,
    JsonRecord,
    PendingStart,
    RecordShape,
    encode_event,
    encode_str,
    encode_value,
    event_json,
    identity_line,
    identity_record,
)

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig

__all__ = ["BaseJsonExporter", "JsonRecord"]

_logger = get_logger(__name__)

_pid = os.getpid()
_live_exporters: weakref.WeakSet[BaseJsonExporter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # The exporter's lock is reset by nv_one_logger.core.internal.locks (it is a fork-safe lock).
    global _pid
    _pid = os.getpid()
    for exporter in list(_live_exporters):
        # A held-back start record belongs to the parent's span: the parent writes it (as start or complete).
        # Written by the child as well, at its next record, it would be a duplicate from another pid.
        exporter._pending = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_MAX_CACHED_SPANS = 4096
"""Bound of the per-exporter cache of start records (only spans started and never stopped stay in it)."""

_READY = ExporterState.READY
_ENCODING_ERRORS = (TypeError, ValueError, RecursionError)


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


class _DictForm:
    """Field values as they are: the record is a dict handed to ``_write``."""

    null: Optional[str] = None
    text = str  # a str as it is (str() of a str returns it, without a Python-level call)

    @staticmethod
    def value(value: JsonRecord) -> FieldValue:
        return value

    event = staticmethod(event_json)


class _LineForm:
    """Field values as JSON text: the record is one line handed to ``_write_line``."""

    null = "null"
    text = staticmethod(encode_str)
    value = staticmethod(encode_value)
    event = staticmethod(encode_event)


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
        one_logger_config: what the ``identity`` record says about the job (see ``exporter.Exporter``; None:
            the configuration the process is set up with when the first record is written).
    """

    writes_identity_record = True
    """Whether the first record of each process is preceded by an ``identity`` record (files: yes)."""

    def __init__(self, merge_start_stop: bool = True, one_logger_config: Optional[OneLoggerConfig] = None) -> None:
        super().__init__(one_logger_config)
        self._merge_start_stop = merge_start_stop
        self._lock = fork_safe_lock()
        self._count = 0
        self._pending: Optional[PendingStart] = None
        self._lines = _writes_lines(type(self))
        form = _LineForm if self._lines else _DictForm
        self._null = form.null
        self._text = form.text
        self._value = form.value
        self._event = form.event
        # id(span) -> its start record, from export_start to export_stop, so that the events of a span, its
        # children's parent_id and its stop record do not format its uuid again (the record holds the span: that
        # makes the identity check safe).
        self._started: Dict[int, PendingStart] = {}
        # The pid whose identity record was written (0: none yet; -1: this exporter writes none).
        self._identity_pid = 0 if self.writes_identity_record else -1
        _live_exporters.add(self)

    def initialize(self) -> None:
        """Become ready; a writer of identity records computes the process facts now (``prime_process_facts``)."""
        if self.writes_identity_record:
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
        cache = self._started
        text = self._text
        try:
            span_id = text(span.id_str)
            name = text(span.name_str)
            parent = span.parent_span
            started = None if parent is None else cache.get(id(parent))
            parent_id: Optional[str]
            if started is not None and started.span is parent:
                parent_id = started.span_id
            else:
                parent_uuid = span.parent_id
                parent_id = self._null if parent_uuid is None else text(str(parent_uuid))
            attributes = span.attributes_json() or None  # the start record shows the attributes at start
            pending = PendingStart(span, span_id, name, parent_id, attributes, self._event(span.start_event))
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        if len(cache) >= _MAX_CACHED_SPANS:
            cache.clear()  # spans that were started and never stopped: a cache miss only costs time
        cache[id(span)] = pending
        with self._lock:
            self._flush_pending_locked()
            self._pending = pending
            if not self._merge_start_stop:
                self._flush_pending_locked()

    def export_stop(self, span: Span) -> None:
        """Write a ``stop`` record, or a ``complete`` record when the span's start is still held back."""
        if self._state is not _READY:
            self._check_ready("export_stop")
        stop_event = span.stop_event
        if stop_event is None:
            raise ExportError(f"{type(self).__name__}.export_stop(): span '{span.name_str}' is not stopped.")
        started = self._started.pop(id(span), None)
        try:
            if started is not None and started.span is span:
                span_id, name = started.span_id, started.name
            else:
                span_id, name = self._text(span.id_str), self._text(span.name_str)
            attributes = span.attributes_json()
            attributes_field = self._value(attributes) if attributes else None
            stop_field = self._event(stop_event)
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        with self._lock:
            pending = self._pending
            if pending is not None and pending.span is span:
                self._pending = None
                self._emit_locked(
                    COMPLETE,
                    (span_id, name, pending.parent_id, attributes_field, pending.start_event, stop_field),
                )
            else:
                self._flush_pending_locked()
                self._emit_locked(STOP, (span_id, name, attributes_field, stop_field))

    def export_event(self, event: Event, span: Span) -> None:
        """Write an ``event`` record."""
        if self._state is not _READY:
            self._check_ready("export_event")
        self._event_record(EVENT, event, span)

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Write an ``application_error`` record."""
        if self._state is not _READY:
            self._check_ready("export_error")
        self._event_record(APPLICATION_ERROR, event, span)

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Write a ``telemetry_data_error`` record."""
        if self._state is not _READY:
            self._check_ready("export_telemetry_data_error")
        try:
            error_field = self._event(error)
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        with self._lock:
            self._flush_pending_locked()
            self._emit_locked(TELEMETRY_DATA_ERROR, (error_field,))

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

    # -- records -------------------------------------------------------------------------------------------

    def _event_record(self, shape: RecordShape, event: Event, span: Span) -> None:
        started = self._started.get(id(span))
        try:
            span_id = started.span_id if started is not None and started.span is span else self._text(span.id_str)
            event_field = self._event(event)
        except _ENCODING_ERRORS as exc:
            self._unencodable(exc)
        with self._lock:
            self._flush_pending_locked()
            self._emit_locked(shape, (span_id, event_field))

    def _emit_locked(self, shape: RecordShape, values: Tuple[FieldValue, ...]) -> None:
        """Hand the record, numbered, to the subclass in its form (the identity header first if due)."""
        if self._identity_pid != _pid and self._identity_pid != -1:
            self._write_identity_locked()
        self._count += 1
        if self._lines:
            self._write_line(shape.line(self._count, _pid, values))  # type: ignore[arg-type]  # texts in line form
        else:
            self._write(shape.record(self._count, _pid, values))

    def _flush_pending_locked(self) -> None:
        pending = self._pending
        if pending is None:
            return
        # Cleared first: if the write fails, the record is not retried in front of every later record.
        self._pending = None
        attributes = pending.attributes
        try:
            attributes_field = None if attributes is None else self._value(attributes)
        except _ENCODING_ERRORS as exc:
            self._count += 1
            raise self._not_json(self._count, exc) from exc
        self._emit_locked(
            START, (pending.span_id, pending.name, pending.parent_id, attributes_field, pending.start_event)
        )

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
                self._write(identity_record(_pid, self._identity_body()))
        except Exception as exc:  # the record itself meets the same fault next and is reported as usual
            _logger.debug("%r could not write its identity record: %s", self, describe_exception(exc))

    def _identity_body(self) -> JsonRecord:
        """Return the fields of this process's identity record (see :meth:`current_one_logger_config`)."""
        return current_identity(self.current_one_logger_config()).to_json()

    def _identity_line(self) -> str:
        """Return the identity record as one line (a line writer repeats it at the top of a rotated file)."""
        return identity_line(_pid, self._identity_body())

    def _unencodable(self, exc: BaseException) -> NoReturn:
        """Fail the call for a record that is not JSON; the record keeps its ``count`` (a gap shows the loss)."""
        with self._lock:
            self._flush_pending_locked()
            self._count += 1
            count = self._count
        raise self._not_json(count, exc) from exc

    def _not_json(self, count: int, exc: BaseException) -> ExportError:
        return ExportError(f"record {count} for {self!r} is not JSON: {describe_exception(exc)}")
