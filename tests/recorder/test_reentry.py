"""A recorder call made while an exporter call is in progress on the same thread (what a signal handler does).

The nested call must not reach the exporters in the middle of the interrupted call: it is deferred and handed over
as soon as that call returns, in order. Beyond ``MAX_DEFERRED_CALLS`` waiting calls the rest are dropped and
reported as one telemetry data error.
"""

from __future__ import annotations

from typing import Callable, List, Optional

import pytest

import nv_one_logger.recorder.default_recorder as default_recorder
from nv_one_logger.core.event import Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter


class InterruptedExporter(InMemoryExporter):
    """Runs ``interrupt`` (a stand-in for a signal handler) in the middle of its first ``export_event``."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupt: Optional[Callable[[], None]] = None
        self.depth = 0
        self.max_depth = 0

    def export_event(self, event: Event, span: Span) -> None:
        self.depth += 1
        self.max_depth = max(self.max_depth, self.depth)
        try:
            interrupt, self.interrupt = self.interrupt, None
            if interrupt is not None:
                interrupt()
            super().export_event(event, span)
        finally:
            self.depth -= 1


def test_a_call_made_inside_an_exporter_call_is_handed_over_after_it() -> None:
    exporter = InterruptedExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("outer")

    def handler() -> None:
        inner = recorder.start("handler-span")
        recorder.event(inner, Event.create("tick"))
        recorder.stop(inner)

    exporter.interrupt = handler
    recorder.event(span, Event.create("main"))
    recorder.stop(span)
    recorder.close()
    assert exporter.max_depth == 1
    names = [(method, getattr(args[0], "name_str", None)) for method, args in exporter.calls if args]
    assert names == [
        ("export_start", "outer"),
        ("export_event", "main"),
        ("export_start", "handler-span"),
        ("export_event", "tick"),
        ("export_stop", "handler-span"),
        ("export_stop", "outer"),
    ]


def test_beyond_the_bound_deferred_calls_are_dropped_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(default_recorder, "MAX_DEFERRED_CALLS", 3)
    exporter = InterruptedExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("outer")
    exporter.interrupt = lambda: [recorder.event(span, Event.create(f"tick-{i}")) for i in range(5)]
    recorder.event(span, Event.create("main"))
    events: List[str] = [event.name_str for event, _ in exporter.events]
    assert events == ["main", "tick-0", "tick-1", "tick-2"]
    errors: List[TelemetryDataError] = exporter.telemetry_data_errors
    assert len(errors) == 1 and "2 telemetry calls made by a signal handler were dropped" in errors[0].error_message
    recorder.close()


class InterruptedAt(InMemoryExporter):
    """Runs ``interrupt`` in the middle of its first call of ``method`` (export_start or export_stop)."""

    def __init__(self, method: str) -> None:
        super().__init__()
        self.method = method
        self.interrupt: Optional[Callable[[], None]] = None
        self.depth = 0
        self.max_depth = 0

    def _enter(self, method: str) -> None:
        self.depth += 1
        self.max_depth = max(self.max_depth, self.depth)
        if method == self.method:
            interrupt, self.interrupt = self.interrupt, None
            if interrupt is not None:
                interrupt()

    def export_start(self, span: Span) -> None:
        try:
            self._enter("export_start")
            super().export_start(span)
        finally:
            self.depth -= 1

    def export_stop(self, span: Span) -> None:
        try:
            self._enter("export_stop")
            super().export_stop(span)
        finally:
            self.depth -= 1


@pytest.mark.parametrize("method", ["export_start", "export_stop"])
def test_calls_made_inside_a_start_or_stop_export_are_handed_over_after_it(method: str) -> None:
    exporter = InterruptedAt(method)
    recorder = DefaultRecorder([exporter])
    outer = recorder.start("outer")

    def handler() -> None:
        inner = recorder.start("handler-span", parent_span=outer)
        recorder.event(inner, Event.create("tick"))
        recorder.stop(inner)

    exporter.interrupt = handler
    span = recorder.start("interrupted", parent_span=outer)
    recorder.stop(span)
    recorder.stop(outer)
    assert exporter.max_depth == 1
    calls = [(name, getattr(args[0], "name_str", None)) for name, args in exporter.calls if args]
    handler_calls = [("export_start", "handler-span"), ("export_event", "tick"), ("export_stop", "handler-span")]
    at = calls.index((method, "interrupted"))
    assert calls[at + 1 : at + 4] == handler_calls
    recorder.close()
