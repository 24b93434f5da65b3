"""Helpers for testing code instrumented with OneLogger (shipped to users, like OTel's in-memory exporter).

Typical use in a pytest suite::

    import pytest
    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.timed_span import configure_one_logger
    from nv_one_logger.recorder.default_recorder import DefaultRecorder
    from nv_one_logger.testing import InMemoryExporter, reset_one_logger

    @pytest.fixture
    def exporter():
        reset_one_logger()
        exporter = InMemoryExporter()
        config = OneLoggerConfig(application_name="test", world_size_or_fn=1, session_tag_or_fn="t")
        configure_one_logger(config, DefaultRecorder([exporter]))
        yield exporter
        reset_one_logger()

    def test_train_step_is_recorded(exporter):
        train_step()
        assert exporter.span_names() == ["train_step"]
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter

__all__ = ["InMemoryExporter", "reset_one_logger"]


class InMemoryExporter(BaseExporter):
    """Keeps every exporter call in lists, for assertions in tests.

    Attributes:
        calls: every call in order, as ``(method_name, args)``, e.g. ``("export_start", (span,))``.
        started_spans / stopped_spans: the spans passed to ``export_start`` / ``export_stop``.
        events / errors: ``(event, span)`` pairs passed to ``export_event`` / ``export_error``.
        telemetry_data_errors: the errors passed to ``export_telemetry_data_error``.

    Like every ``BaseExporter`` it must be initialized (the recorder does it) and refuses calls once closed.
    Thread-safe.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = fork_safe_lock()
        self.calls: List[Tuple[str, Tuple[Any, ...]]] = []
        self.started_spans: List[Span] = []
        self.stopped_spans: List[Span] = []
        self.events: List[Tuple[Event, Span]] = []
        self.errors: List[Tuple[ErrorEvent, Span]] = []
        self.telemetry_data_errors: List[TelemetryDataError] = []

    def _record(self, method: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((method, args))

    def initialize(self) -> None:
        """Become ready (recorded in :attr:`calls`)."""
        if self.ready:
            return  # a second initialize() is a no-op, as for every BaseExporter
        super().initialize()
        self._record("initialize")

    def export_start(self, span: Span) -> None:
        """Record a started span."""
        super().export_start(span)
        self._record("export_start", span)
        with self._lock:
            self.started_spans.append(span)

    def export_stop(self, span: Span) -> None:
        """Record a stopped span."""
        super().export_stop(span)
        self._record("export_stop", span)
        with self._lock:
            self.stopped_spans.append(span)

    def export_event(self, event: Event, span: Span) -> None:
        """Record an event."""
        super().export_event(event, span)
        self._record("export_event", event, span)
        with self._lock:
            self.events.append((event, span))

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Record an application error."""
        super().export_error(event, span)
        self._record("export_error", event, span)
        with self._lock:
            self.errors.append((event, span))

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Record a telemetry data error."""
        super().export_telemetry_data_error(error)
        self._record("export_telemetry_data_error", error)
        with self._lock:
            self.telemetry_data_errors.append(error)

    def close(self) -> None:
        """Close (recorded in :attr:`calls` the first time)."""
        already_closed = self.closed
        super().close()
        if not already_closed:
            self._record("close")

    def span_names(self, stopped: bool = False) -> List[str]:
        """Return the names of the started spans (or of the stopped ones), in export order."""
        with self._lock:
            spans = self.stopped_spans if stopped else self.started_spans
            return [span.name_str for span in spans]

    def find_span(self, name: str) -> Optional[Span]:
        """Return the first started span named ``name``, or None."""
        with self._lock:
            return next((span for span in self.started_spans if span.name_str == name), None)

    def method_names(self) -> List[str]:
        """Return the names of all calls, in order (handy for asserting call sequences)."""
        with self._lock:
            return [method for method, _ in self.calls]


def reset_one_logger() -> None:
    """Forget the process-wide OneLogger configuration so that a test can configure it again.

    Closes nothing (close your recorder yourself if its exporters hold resources): it drops the provider
    singleton, re-enables the error-handling guard, removes the log handlers ``configure_one_logger`` attached
    to the ``nv_one_logger`` logger, restores that logger's level and forgets which warnings were already logged
    (each is logged once per process, see docs/quickstart.md).
    """
    from nv_one_logger.api import _deferred_recorder, _library_logging, timed_span
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider
    from nv_one_logger.core.internal.logging import reset_once_registry

    OneLoggerProvider.instance()._reset()
    OneLoggerProvider.reset_instance()
    _library_logging.reset_library_logging()
    reset_once_registry()
    _deferred_recorder.UnconfiguredWarning.logged = False
    timed_span._SetupArguments.in_use = timed_span._SetupArguments(None, None, None)
