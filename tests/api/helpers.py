"""Shared helpers for the API and recorder tests."""

import logging
from typing import Any, List

from nv_one_logger.api.config import OneLoggerErrorHandlingStrategy
from nv_one_logger.api.timed_span import configure_one_logger
from nv_one_logger.exporter.exporter import BaseExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, make_config  # noqa: F401 (the API tests import them from here)


def configure(strategy: OneLoggerErrorHandlingStrategy = PROPAGATE, *exporters: Any, **kwargs: Any) -> DefaultRecorder:
    """Configure the provider with a DefaultRecorder over ``exporters`` (default: one InMemoryExporter)."""
    recorder = DefaultRecorder(list(exporters) if exporters else [InMemoryExporter()])
    configure_one_logger(make_config(strategy, **kwargs), recorder)
    return recorder


def library_records(caplog: Any, level: int = logging.ERROR) -> List[logging.LogRecord]:
    """Records at ``level`` or above logged by the library's own loggers."""
    return [r for r in caplog.records if r.name.startswith("nv_one_logger") and r.levelno >= level]


class FailingExporter(InMemoryExporter):
    """An InMemoryExporter whose chosen export methods raise (after recording nothing)."""

    def __init__(self, failing: tuple = ("export_start",), exc: type = RuntimeError) -> None:
        super().__init__()
        self.failing = set(failing)
        self.exc = exc
        self.attempts = 0

    def _maybe_fail(self, method: str) -> None:
        if method in self.failing:
            self.attempts += 1
            raise self.exc(f"boom in {method}")

    def export_start(self, span):
        self._maybe_fail("export_start")
        super().export_start(span)

    def export_stop(self, span):
        self._maybe_fail("export_stop")
        super().export_stop(span)

    def export_event(self, event, span):
        self._maybe_fail("export_event")
        super().export_event(event, span)

    def export_error(self, event, span):
        self._maybe_fail("export_error")
        super().export_error(event, span)

    def export_telemetry_data_error(self, error):
        self._maybe_fail("export_telemetry_data_error")
        super().export_telemetry_data_error(error)


class FailingInitExporter(BaseExporter):
    """An exporter whose initialize() raises."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_calls = 0

    def initialize(self) -> None:
        raise OSError("cannot open the sink")

    def close(self) -> None:
        self.closed_calls += 1
        super().close()
