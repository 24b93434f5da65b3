"""Exporters that fail on purpose, for the tests of how the recorder and the API contain exporter faults."""

from __future__ import annotations

from typing import Iterable

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter
from nv_one_logger.testing import InMemoryExporter


class FailingExporter(InMemoryExporter):
    """An InMemoryExporter whose chosen export methods raise ``exc`` (after recording nothing); counts attempts."""

    def __init__(self, failing: Iterable[str] = ("export_start",), exc: type[Exception] = RuntimeError) -> None:
        super().__init__()
        self.failing = set(failing)
        self.exc = exc
        self.attempts = 0

    def _maybe_fail(self, method: str) -> None:
        if method in self.failing:
            self.attempts += 1
            raise self.exc(f"boom in {method}")

    def export_start(self, span: Span) -> None:
        self._maybe_fail("export_start")
        super().export_start(span)

    def export_stop(self, span: Span) -> None:
        self._maybe_fail("export_stop")
        super().export_stop(span)

    def export_event(self, event: Event, span: Span) -> None:
        self._maybe_fail("export_event")
        super().export_event(event, span)

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        self._maybe_fail("export_error")
        super().export_error(event, span)

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        self._maybe_fail("export_telemetry_data_error")
        super().export_telemetry_data_error(error)


class FailingInitExporter(BaseExporter):
    """An exporter whose initialize() raises OSError; counts its close() calls."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_calls = 0

    def initialize(self) -> None:
        raise OSError("cannot open the sink")

    def close(self) -> None:
        self.closed_calls += 1
        super().close()
