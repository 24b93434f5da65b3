"""``OTEL_BSP_EXPORT_TIMEOUT`` bounds one export call: a span exporter that hangs cannot stall delivery for ever."""

from __future__ import annotations

import threading
from typing import List, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.otel.env import BatchSettings
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.exporter_calls import export_complete_span
from tests.support.waiting import wait_until

WAIT_S = 10.0  # bounded waits for the worker thread; the timeout under test is 0.2 s


class _HangingSpanExporter(SpanExporter):
    """Blocks in ``export`` until released (the first ``hang_calls`` calls); records what it was given."""

    def __init__(self, hang_calls: int) -> None:
        self.release = threading.Event()
        self.hang_calls = hang_calls
        self.calls = 0
        self.exported: List[str] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.calls += 1
        if self.calls <= self.hang_calls:
            self.release.wait(60)
            return SpanExportResult.FAILURE
        self.exported.extend(span.name for span in spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.release.set()


def _exporter(span_exporter: SpanExporter, **kwargs) -> OTelExporter:
    exporter = OTelExporter(span_exporter, start_markers=False, event_markers=False, **kwargs)
    exporter.initialize()
    return exporter


def _span(exporter: OTelExporter, name: str) -> None:
    export_complete_span(exporter, name)


def _wait_until_no_export_call_thread() -> None:
    wait_until(lambda: not any(t.name.endswith("-call") for t in threading.enumerate()), WAIT_S, interval=0.01)


def test_env_variable_is_parsed():
    assert BatchSettings.from_env({"OTEL_BSP_EXPORT_TIMEOUT": "1234"}).export_timeout_ms == 1234
    assert BatchSettings.from_env({}).export_timeout_ms == 30000


def test_a_hanging_export_call_is_abandoned_after_the_export_timeout(monkeypatch):
    monkeypatch.setenv("OTEL_BSP_EXPORT_TIMEOUT", "200")
    hanging = _HangingSpanExporter(hang_calls=1)
    exporter = _exporter(hanging)
    try:
        _span(exporter, "first")
        # Without the bound the worker waits in export() for 60 s and this flush times out.
        assert exporter.force_flush(WAIT_S)
        stats = exporter.stats
        # Abandoned, not known lost: the request may still reach the collector.
        assert (stats.spans_uncertain, stats.spans_failed, stats.lost) == (1, 0, 0)

        # The first call is still stuck: the next batch fails at once instead of starting a second call.
        _span(exporter, "second")
        assert exporter.force_flush(WAIT_S)
        stats = exporter.stats
        assert (stats.spans_uncertain, stats.spans_failed) == (1, 1)
        assert stats.first_error is not None and "OTEL_BSP_EXPORT_TIMEOUT = 200 ms" in stats.first_error
        assert hanging.calls == 1

        # Once the stuck call has returned (its helper thread ended), delivery resumes, and the late answer
        # (a failure here) settles the uncertain span.
        hanging.release.set()
        _wait_until_no_export_call_thread()
        stats = exporter.stats
        assert (stats.spans_uncertain, stats.spans_failed) == (0, 2)
        _span(exporter, "third")
        assert exporter.force_flush(WAIT_S)
        assert "third" in hanging.exported
    finally:
        hanging.release.set()
        exporter.close()


def test_constructor_option_overrides_the_env_variable(monkeypatch):
    monkeypatch.setenv("OTEL_BSP_EXPORT_TIMEOUT", "60000")
    hanging = _HangingSpanExporter(hang_calls=1)
    exporter = _exporter(hanging, export_timeout_ms=200)
    try:
        _span(exporter, "only")
        assert exporter.force_flush(WAIT_S)
        assert exporter.stats.spans_uncertain == 1
    finally:
        hanging.release.set()
        exporter.close()
