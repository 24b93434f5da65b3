"""``DefaultRecorder``: the recorder the library ships.

It keeps track of open spans, works out parents from the current context, applies the export filter, and fans
every call out to its exporters (fault isolation lives in :mod:`nv_one_logger.recorder._exporter_fanout`).

Every public method is guarded by :func:`~nv_one_logger.core.internal.safe_execution.safely_execute`: misuse
(stopping a span twice, stopping a span this recorder did not start, an event on a stopped span, any call
after ``close()``, invalid attributes or names) raises ``OneLoggerError`` under PROPAGATE_EXCEPTIONS and, under
DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR, disables the library after one error line and one telemetry data
error per exporter. When no provider is configured the recorder works on its own and propagates exceptions.

Thread-safety: one re-entrant lock serializes the calls of a recorder, so exporters see the calls in a
consistent order (a span's start before its events, its events before its stop).

Signal handlers (watchdogs, profilers) may record too. A Python signal handler runs on the main thread between
two bytecodes, possibly while that thread is inside this recorder or inside an exporter (half-way through writing
a record). The recorder's lock is re-entrant, so the handler's call proceeds; its exporter calls are *deferred*
while an exporter call is in progress on that thread and handed over, in order, as soon as the interrupted call
returns. Exporters therefore never see a call nested inside another one. At most
:data:`MAX_DEFERRED_CALLS` calls wait; beyond that they are dropped, counted and reported as one telemetry data
error.

Fork-safety (data-loader workers are forked while other threads record): in a forked child the lock is replaced
(a parent thread may have held it at the moment of the fork, and that thread does not exist in the child), and
the spans that were open at the fork are *inherited*: they still serve as parents of the child's spans, but they
belong to the parent process, which stops and exports them. The child never exports them again: ``close()``
leaves them alone and stopping one (a ``with timed_span`` block unwinding in the child) is a silent no-op.
"""

from __future__ import annotations

import os
import uuid
import weakref
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Optional, Sequence, Set

from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError, name_to_str
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.safe_execution import GUARD_STATE, handle_failure, safely_execute
from nv_one_logger.core.span import Span, SpanName
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.recorder._exporter_fanout import MAX_EXPORTER_FAILURES, ExporterFanOut, ExporterSlot
from nv_one_logger.recorder._span_context import SpanContextStack

if TYPE_CHECKING:
    from typing_extensions import ParamSpec

    _P = ParamSpec("_P")

_LOGGER = get_logger(__name__)

_DISABLE_EXPORTER_AFTER_N_FAILURES = MAX_EXPORTER_FAILURES
"""An exporter that failed this many times is disabled (the 2.3.1 name of ``MAX_EXPORTER_FAILURES``)."""

MAX_DEFERRED_CALLS = 10_000
"""How many exporter calls made by signal handlers may wait for an interrupted exporter call to return."""

_live_recorders: weakref.WeakSet[DefaultRecorder] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for recorder in list(_live_recorders):
        recorder._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class ExportCustomizationMode(Enum):
    """Which spans are handed to the exporters (all spans are tracked either way)."""

    EXPORT_ALL_SPANS = "export_all_spans"
    WHITELIST_SPANS = "whitelist_spans"
    BLACKLIST_SPANS = "blacklist_spans"


class DefaultRecorder(Recorder):
    """Records spans and events and hands them to ``exporters``.

    Args:
        exporters: the exporters; each is initialized here.
        export_customization_mode: ``EXPORT_ALL_SPANS`` (default), or ``WHITELIST_SPANS`` / ``BLACKLIST_SPANS``
            to export only / all but the spans named in ``span_name_filter``.
        span_name_filter: span names (str or enum members); must be None for ``EXPORT_ALL_SPANS`` and non-empty
            otherwise. A span that is not exported is still tracked (it can be a parent, it is returned by
            :meth:`get_active_spans_by_name`, it is stopped by :meth:`close`), but neither it nor its events or
            errors reach the exporters. Its children are exported if their own names pass the filter.

    Raises:
        OneLoggerError: invalid arguments (always raised: a constructor cannot return "nothing").
    """

    def __init__(
        self,
        exporters: List[Exporter],
        export_customization_mode: ExportCustomizationMode = ExportCustomizationMode.EXPORT_ALL_SPANS,
        span_name_filter: Optional[List[SpanName]] = None,
    ) -> None:
        if isinstance(exporters, (str, bytes)) or not isinstance(exporters, Sequence):
            raise OneLoggerError(f"exporters must be a list of Exporter, got {type(exporters).__name__}.")
        for index, exporter in enumerate(exporters):
            if not isinstance(exporter, Exporter):
                raise OneLoggerError(f"exporters[{index}] is not an Exporter: {type(exporter).__name__}.")
        self._mode = export_customization_mode
        self._filter = self._check_filter(export_customization_mode, span_name_filter)
        self._span_name_filter = span_name_filter  # as given (2.3.1 name)
        self._lock = fork_safe_lock()
        # The bookkeeping is keyed by ``id(span)``: the recorder tracks the span objects it handed out, and holds
        # them (in _active or _inherited) for as long as their key is in use, so no other object can share it.
        # ``id()`` costs a fraction of a Span hash (Python code) or property read, and the hot path does it twice
        # per span.
        self._export_all = export_customization_mode is ExportCustomizationMode.EXPORT_ALL_SPANS
        self._active: Dict[int, Span] = {}  # open spans this recorder started, oldest first (insertion order)
        self._excluded: Set[int] = set()  # the open spans the export filter excludes (always empty for "all")
        self._inherited: Dict[int, Span] = {}  # spans open when this (child) process was forked
        self._closed = False
        self._closing = False  # close() is stopping the open spans
        self._exporting = False  # an exporter call is in progress (on the thread holding the lock)
        self._deferred: List[Callable[[], None]] = []  # calls made while _exporting (signal handlers), in order
        self._deferred_dropped = 0
        self._context = SpanContextStack(f"nv_one_logger_spans_{id(self):x}")
        self._fanout = ExporterFanOut(exporters)
        self._fanout.initialize()
        _live_recorders.add(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: the spans open at the fork are the parent's (see the module docstring)."""
        # The lock itself is reset by nv_one_logger.core.internal.locks (it is a fork-safe lock). Another parent
        # thread may have been exporting at the fork: that call, and what it deferred, are the parent's.
        self._exporting = False
        self._closing = False  # a close() running on another parent thread is the parent's too
        self._deferred = []
        self._deferred_dropped = 0
        self._inherited.update(self._active)
        self._active.clear()
        self._excluded.clear()

    @staticmethod
    def _check_filter(mode: ExportCustomizationMode, span_name_filter: Optional[List[SpanName]]) -> FrozenSet[str]:
        if not isinstance(mode, ExportCustomizationMode):
            raise OneLoggerError(f"export_customization_mode must be an ExportCustomizationMode, got {mode!r}.")
        if mode == ExportCustomizationMode.EXPORT_ALL_SPANS:
            if span_name_filter is not None:
                raise OneLoggerError(
                    "span_name_filter must be None when export_customization_mode is EXPORT_ALL_SPANS."
                )
            return frozenset()
        if isinstance(span_name_filter, (str, Enum)) or not span_name_filter:
            raise OneLoggerError(f"span_name_filter must be a non-empty list of span names for {mode.name}.")
        return frozenset(name_to_str(name, "span_name_filter entry") for name in span_name_filter)

    @property
    def exporters(self) -> List[Exporter]:
        """The exporters, in the order given."""
        return [slot.exporter for slot in self._fanout.slots]

    # -- names kept from 2.3.1 for subclasses and test suites (thin views of the state above) -----------------

    @property
    def _spans(self) -> Dict[uuid.UUID, Span]:
        """The open spans by id, oldest first (a new dict on each read)."""
        return {span.id: span for span in self._active.values()}

    @property
    def _exporters(self) -> List[Exporter]:
        """The exporters, in the order given."""
        return self.exporters

    @property
    def _export_customization_mode(self) -> ExportCustomizationMode:
        """The export customization mode given to the constructor."""
        return self._mode

    @property
    def exporter_slots(self) -> List[ExporterSlot]:
        """The exporters with their health (failure count, disabled), mainly for diagnostics and tests."""
        return self._fanout.slots

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def _passes_filter(self, span_name: str) -> bool:
        if self._export_all:
            return True
        if self._mode == ExportCustomizationMode.WHITELIST_SPANS:
            return span_name in self._filter
        return span_name not in self._filter

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise OneLoggerError(f"DefaultRecorder.{operation}: the recorder is closed.")

    def _check_active(self, span: object, operation: str) -> Span:
        """Return ``span`` if it is open and this recorder's; else raise, saying which of the two it is not."""
        if not isinstance(span, Span):
            raise OneLoggerError(f"DefaultRecorder.{operation} expects a Span, got {type(span).__name__}.")
        if span.active and id(span) in self._active:
            return span
        if not span.active:
            first = "Cannot add an event to a span that is not running. " if operation in ("event", "error") else ""
            raise OneLoggerError(
                f"{first}DefaultRecorder.{operation}: span '{span.name_str}' ({span.id}) is already stopped."
            )
        raise OneLoggerError(
            f"DefaultRecorder.{operation}: span '{span.name_str}' ({span.id}) was not started by this recorder."
        )

    @safely_execute
    def start(
        self,
        span_name: SpanName,
        span_attributes: Optional[Attributes] = None,
        start_event_attributes: Optional[Attributes] = None,
        start_time: Optional[TracingTimestamp] = None,
        parent_span: Optional[Span] = None,
    ) -> Span:
        """Start a span (parent: ``parent_span``, else the innermost open span of the current context)."""
        with self._lock:
            if self._closed:
                self._check_open("start")
            if parent_span is None:
                parent_span = self._context.current()
            span = Span.create(
                span_name,
                parent_span=parent_span,
                span_attributes=span_attributes,
                start_event_attributes=start_event_attributes,
                start_time=start_time,
            )
            self._active[id(span)] = span
            self._context.push(span)
            if not (self._export_all or self._passes_filter(span.name_str)):
                self._excluded.add(id(span))
            elif not self._fanout.has_exporters:
                pass
            elif not self._exporting:  # _deliver's fast path inline: no *args/**kwargs call (~0.3 us per call)
                self._exporting = True
                try:
                    self._fanout.export_start(span)
                    if self._deferred:
                        self._export_deferred()
                finally:
                    self._exporting = False
            else:
                self._deliver(self._fanout.export_start, span)  # deferred (a signal handler interrupted an export)
            return span

    @safely_execute
    def stop(
        self,
        span: Span,
        stop_event_attributes: Optional[Attributes] = None,
        stop_time: Optional[TracingTimestamp] = None,
    ) -> None:
        """Stop ``span`` and export it.

        Stopping a span while spans started after it in the same context are still open is allowed but logged
        as a warning; those spans stay open and become the innermost open spans of the context.
        """
        with self._lock:
            if self._closed:
                self._check_open("stop")
            key = id(span)
            if key in self._active:
                # An open span this recorder started (not inherited across a fork). If it was stopped through
                # Span.stop() directly, span.stop() is a no-op and the stop is exported now.
                span.stop(stop_event_attributes=stop_event_attributes, stop_time=stop_time)
                self._finish(span, key, warn_out_of_order=True)
                return
            if self._inherited and key in self._inherited:
                self._context.remove(span)  # the parent process stops and exports it
                return
            self._check_active(span, "stop")  # raises: stopped already, or not this recorder's

    def _deliver(self, call: Callable[_P, None], *args: _P.args, **kwargs: _P.kwargs) -> None:
        """Make one exporter call (a fan-out method); defer it if it interrupted another one (module docstring).

        ``start``, ``stop`` and ``event`` spell the branch that does not defer out inline (keep them in step).
        """
        if self._exporting:
            if len(self._deferred) < MAX_DEFERRED_CALLS:
                self._deferred.append(partial(call, *args, **kwargs))
            else:
                self._deferred_dropped += 1
            return
        self._exporting = True
        try:
            call(*args, **kwargs)
            if self._deferred:
                self._export_deferred()
        finally:
            self._exporting = False

    def _export_deferred(self) -> None:
        """Hand over the calls that signal handlers made while an exporter call was in progress (in order)."""
        deferred = self._deferred
        while deferred:
            deferred.pop(0)()
        dropped = self._deferred_dropped
        if dropped:
            self._deferred_dropped = 0
            _LOGGER.warning(
                "%d telemetry calls made by a signal handler were dropped: more than %d waited for an interrupted "
                "exporter call.",
                dropped,
                MAX_DEFERRED_CALLS,
            )
            error = TelemetryDataError.create(
                TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA,
                f"{dropped} telemetry calls made by a signal handler were dropped (more than {MAX_DEFERRED_CALLS} "
                "waited for an interrupted exporter call)",
            )
            self._fanout.export_telemetry_data_error(error)

    def _finish(self, span: Span, key: int, warn_out_of_order: bool) -> None:
        still_open_inside = self._context.remove(span)
        if still_open_inside and warn_out_of_order:
            _LOGGER.warning(
                "Span '%s' was stopped while span(s) started inside it are still open: %s. They stay open.",
                span.name_str,
                ", ".join(f"'{s.name_str}'" for s in still_open_inside),
            )
        del self._active[key]
        if self._excluded and key in self._excluded:
            self._excluded.discard(key)
        elif not self._fanout.has_exporters:
            pass
        elif not self._exporting:  # _deliver's fast path inline, as in start()
            self._exporting = True
            try:
                self._fanout.export_stop(span)
                if self._deferred:
                    self._export_deferred()
            finally:
                self._exporting = False
        else:
            self._deliver(self._fanout.export_stop, span)

    @safely_execute
    def event(self, span: Span, event: Event) -> Event:
        """Add ``event`` to the open ``span`` and export it (an ``ErrorEvent`` is exported as an error)."""
        with self._lock:
            if self._closed:
                self._check_open("event")
            key = id(span)
            if key not in self._active:
                self._check_active(span, "event")  # raises: not a Span, stopped already, or not this recorder's
            if not isinstance(event, Event):
                raise OneLoggerError(f"DefaultRecorder.event expects an Event, got {type(event).__name__}.")
            try:
                span.add_event(event)  # refuses a span stopped through Span.stop() directly
            except OneLoggerError:
                self._check_active(span, "event")  # say it the recorder's way
                raise
            if not self._fanout.has_exporters or (self._excluded and key in self._excluded):
                pass
            elif type(event) is not Event and isinstance(event, ErrorEvent):
                self._deliver(self._fanout.export_error, event, span)
            elif not self._exporting:  # _deliver's fast path inline, as in start()
                self._exporting = True
                try:
                    self._fanout.export_event(event, span)
                    if self._deferred:
                        self._export_deferred()
                finally:
                    self._exporting = False
            else:
                self._deliver(self._fanout.export_event, event, span)
            return event

    @safely_execute
    def error(self, span: Span, error_message: str, exception: Optional[BaseException] = None) -> ErrorEvent:
        """Record an application error on the open ``span`` (with the exception's type, message, traceback)."""
        with self._lock:
            self._check_open("error")
            self._check_active(span, "error")
            if exception is not None and not isinstance(exception, BaseException):
                raise OneLoggerError(f"DefaultRecorder.error: exception must be an exception, got {exception!r}.")
            error_event = ErrorEvent.create(error_message, exception=exception)
            span.add_event(error_event)
            if id(span) not in self._excluded:
                self._deliver(self._fanout.export_error, error_event, span)
            return error_event

    @safely_execute
    def telemetry_data_error(self, error_message: str, attributes: Optional[Attributes] = None) -> None:
        """Tell every exporter, at most once each, that the telemetry of this run is unreliable.

        The type is ``INCOMPLETE_TELEMETRY_DATA`` for an exporter that already exported something successfully
        and ``NO_TELEMETRY_DATA`` for one that did not. An exporter that already received a telemetry data error
        (from an earlier call, or because it failed itself) gets no second one: one flag per run is what a
        backend filters on.
        """
        with self._lock:
            self._check_open("telemetry_data_error")
            # Invalid input fails here, under the error-handling strategy, not inside one exporter's call.
            TelemetryDataError.create(TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, error_message, attributes)
            self._deliver(self._fanout.report_data_error_once, error_message, attributes)

    def get_active_spans_by_name(self, span_name: SpanName) -> List[Span]:
        """Return the open spans named ``span_name``, oldest first (empty when the library is disabled)."""
        spans = self._get_active_spans_by_name(span_name)
        return [] if spans is None else spans

    @safely_execute
    def _get_active_spans_by_name(self, span_name: SpanName) -> List[Span]:
        name = name_to_str(span_name, "span_name")
        with self._lock:
            return [span for span in self._active.values() if span.name_str == name]

    def close(self) -> None:
        """Stop every open span (newest first), then close the exporters. Later calls are no-ops.

        When the library is disabled the open spans are not stopped (nothing is exported any more), but the
        exporters are still closed so that what they buffered (for example the telemetry data error sent when
        the library disabled itself) is flushed and files and connections are released.
        """
        with self._lock:
            if self._closed or self._closing:
                return
            self._closing = True  # a subclass's stop() may itself call close(): that call is a no-op
            try:
                if not GUARD_STATE.disabled:
                    # Through self.stop (as 2.3.1 did) so that a subclass overriding stop() sees these spans too.
                    for span in reversed(list(self._active.values())):
                        if id(span) in self._active:  # a subclass's stop() may have ended others
                            self.stop(span)
            except Exception as exc:
                handle_failure("DefaultRecorder.close", exc, self)
            finally:
                self._closed = True
                self._context.clear()
                if self._deferred and not self._exporting and not GUARD_STATE.disabled:
                    # Left behind when a signal handler raised while they were handed over.
                    self._exporting = True
                    try:
                        self._export_deferred()
                    finally:
                        self._exporting = False
                self._fanout.close()

    def _report_library_failure(self, message: str) -> None:
        """Send one telemetry data error per exporter (the provider calls this when the library disables itself)."""
        with self._lock:
            exporting, self._exporting = self._exporting, True
            try:
                self._fanout.report_library_failure(message)
            finally:
                self._exporting = exporting
