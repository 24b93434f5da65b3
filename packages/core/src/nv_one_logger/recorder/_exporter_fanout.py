"""Hands every recorder call to every exporter, keeping a failing exporter from hurting the others.

An exporter is third-party-ish code doing I/O (files, sockets): it will fail sometimes. The rules:

* an exception from one exporter is logged (WARNING, one line; the traceback at DEBUG) and never reaches the
  recorder or the application; the other exporters are not affected. The same error again (same type and
  message, e.g. a full disk on every write) is counted, not logged again: the line that disables the exporter,
  or one line at close, gives the count;
* the failing exporter alone receives one telemetry data error, the first time it fails, so that its backend
  knows the data it holds is unreliable: ``NO_TELEMETRY_DATA`` if it never exported anything successfully,
  ``INCOMPLETE_TELEMETRY_DATA`` otherwise;
* after :data:`MAX_EXPORTER_FAILURES` failures the exporter is disabled (one ERROR line) and gets no more calls;
* an exporter whose ``initialize()`` fails is disabled at once (a BaseExporter that is not ready refuses every
  export, so calling it would only produce failures).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Set

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.exporter import Exporter

_LOGGER = get_logger(__name__)

MAX_EXPORTER_FAILURES = 5
"""An exporter that failed this many times is disabled for the rest of the recorder's life."""


class ExporterSlot:
    """One exporter and its health."""

    __slots__ = ("disabled", "exported_ok", "exporter", "failures", "fault_reported", "logged_causes", "repeats")

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.failures = 0
        self.logged_causes: Set[str] = set()
        self.repeats = 0  # failures not logged because their cause was logged already
        self.fault_reported = False
        self.exported_ok = False
        self.disabled = False

    @property
    def name(self) -> str:
        return type(self.exporter).__name__

    def data_error_type(self) -> TelemetryDataError.ErrorType:
        """Return the telemetry data error type that describes what this exporter's backend holds."""
        if self.exported_ok:
            return TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
        return TelemetryDataError.ErrorType.NO_TELEMETRY_DATA


class ExporterFanOut:
    """Calls exporters with fault isolation. Not thread-safe: the recorder serializes calls."""

    def __init__(self, exporters: Sequence[Exporter]) -> None:
        self._slots = [ExporterSlot(exporter) for exporter in exporters]
        self.has_exporters = bool(self._slots)
        """False for a recorder without exporters: the recorder then skips building the call at all."""

    @property
    def slots(self) -> List[ExporterSlot]:
        """The exporters and their health, in the order given to the recorder."""
        return list(self._slots)

    def initialize(self) -> None:
        """Initialize every exporter; one that fails is logged and disabled."""
        for slot in self._slots:
            try:
                slot.exporter.initialize()
            except Exception as exc:
                slot.disabled = True
                _LOGGER.error(
                    "Exporter %s failed to initialize and is disabled: %s", slot.name, describe_exception(exc)
                )
                _LOGGER.debug("Traceback of the %s initialization failure", slot.name, exc_info=exc)

    # One method per exporter operation, so that mypy checks every call. The loops are spelled out (not one
    # generic loop taking a callable) because they run for every span and event: no closure is built per call.

    def export_start(self, span: Span) -> None:
        """Call ``export_start(span)`` on every enabled exporter."""
        for slot in self._slots:
            if not slot.disabled:
                try:
                    slot.exporter.export_start(span)
                except Exception as exc:
                    self._on_fault(slot, "export_start", exc)
                else:
                    slot.exported_ok = True

    def export_stop(self, span: Span) -> None:
        """Call ``export_stop(span)`` on every enabled exporter."""
        for slot in self._slots:
            if not slot.disabled:
                try:
                    slot.exporter.export_stop(span)
                except Exception as exc:
                    self._on_fault(slot, "export_stop", exc)
                else:
                    slot.exported_ok = True

    def export_event(self, event: Event, span: Span) -> None:
        """Call ``export_event(event, span)`` on every enabled exporter."""
        for slot in self._slots:
            if not slot.disabled:
                try:
                    slot.exporter.export_event(event, span)
                except Exception as exc:
                    self._on_fault(slot, "export_event", exc)
                else:
                    slot.exported_ok = True

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Call ``export_error(event, span)`` on every enabled exporter."""
        for slot in self._slots:
            if not slot.disabled:
                try:
                    slot.exporter.export_error(event, span)
                except Exception as exc:
                    self._on_fault(slot, "export_error", exc)
                else:
                    slot.exported_ok = True

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Call ``export_telemetry_data_error(error)`` on every enabled exporter."""
        for slot in self._slots:
            if not slot.disabled:
                try:
                    slot.exporter.export_telemetry_data_error(error)
                except Exception as exc:
                    self._on_fault(slot, "export_telemetry_data_error", exc)
                else:
                    slot.exported_ok = True

    def report_library_failure(self, message: str, attributes: Optional[Attributes] = None) -> None:
        """Send one telemetry data error describing a library failure to every enabled exporter."""
        for slot in self._slots:
            if slot.disabled:
                continue
            try:
                slot.exporter.export_telemetry_data_error(
                    TelemetryDataError.create(slot.data_error_type(), message, attributes)
                )
            except Exception as exc:
                _LOGGER.debug(
                    "Exporter %s could not take the telemetry data error: %s", slot.name, describe_exception(exc)
                )

    def report_data_error_once(self, message: str, attributes: Optional[Attributes] = None) -> None:
        """Send a telemetry data error to every enabled exporter that has not received one yet.

        One moment for all of them: the type may differ per exporter, the time must not (a run exported live and
        replayed from its file would otherwise show the error twice, microseconds apart).
        """
        now = TracingTimestamp.now()
        for slot in self._slots:
            if slot.disabled or slot.fault_reported:
                continue
            slot.fault_reported = True
            error = TelemetryDataError(now, slot.data_error_type(), message, attributes)
            try:
                slot.exporter.export_telemetry_data_error(error)
            except Exception as exc:
                self._on_fault(slot, "export_telemetry_data_error", exc)

    def close(self) -> None:
        """Close every exporter (also disabled ones: they may hold files or connections)."""
        for slot in self._slots:
            if slot.repeats and not slot.disabled:
                _LOGGER.warning(
                    "Exporter %s: the failure logged earlier recurred %d more times (%d failures in total).",
                    slot.name,
                    slot.repeats,
                    slot.failures,
                )
                slot.repeats = 0
            try:
                slot.exporter.close()
            except Exception as exc:
                _LOGGER.warning("Exporter %s failed to close: %s", slot.name, describe_exception(exc))
                _LOGGER.debug("Traceback of the %s close failure", slot.name, exc_info=exc)

    def _on_fault(self, slot: ExporterSlot, operation: str, exc: Exception) -> None:
        slot.failures += 1
        cause = describe_exception(exc)
        if cause in slot.logged_causes:
            slot.repeats += 1
        else:
            slot.logged_causes.add(cause)
            _LOGGER.warning(
                "Exporter %s failed in %s (failure %d; it is disabled after %d): %s",
                slot.name,
                operation,
                slot.failures,
                MAX_EXPORTER_FAILURES,
                cause,
            )
            _LOGGER.debug("Traceback of the %s failure", slot.name, exc_info=exc)
        if not slot.fault_reported:
            slot.fault_reported = True
            try:
                slot.exporter.export_telemetry_data_error(
                    TelemetryDataError.create(
                        slot.data_error_type(),
                        f"Exporter {slot.name} failed in {operation}: {describe_exception(exc)}",
                    )
                )
            except Exception as report_exc:
                _LOGGER.debug(
                    "Exporter %s could not take the telemetry data error: %s", slot.name, describe_exception(report_exc)
                )
        if slot.failures >= MAX_EXPORTER_FAILURES:
            slot.disabled = True
            _LOGGER.error(
                "Exporter %s failed %d times and is disabled: nothing more is exported to it (last error: %s).",
                slot.name,
                slot.failures,
                cause,
            )
