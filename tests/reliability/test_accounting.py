"""The OTel bridge's counters tell the truth: known delivered, known lost, and uncertain, against a real receiver.

The receiver is the harness's OTLP sink (a real gRPC and HTTP/protobuf server), because the two answers under
test come from the receiver itself: an answer that arrives after ``OTEL_BSP_EXPORT_TIMEOUT`` (the sink holds its
answers), and an OTLP partial success that rejects spans (the sink answers with ``rejected_spans``).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.environment import set_otel_env
from tests.support.exporter_calls import export_complete_span
from tests.support.otlp_sink import OtlpSink
from tests.support.waiting import wait_until

PROTOCOLS = ["grpc", "http/protobuf"]
WAIT_S = 60.0


def _point_at(sink: OtlpSink, protocol: str, monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    endpoint = sink.grpc_endpoint if protocol == "grpc" else sink.http_endpoint
    set_otel_env(
        monkeypatch,
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
        OTEL_BSP_SCHEDULE_DELAY="50",
    )
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def _record_spans(exporter: OTelExporter, count: int) -> None:
    for i in range(count):
        export_complete_span(exporter, f"step-{i}")


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    assert wait_until(condition, WAIT_S, interval=0.02), f"timed out waiting for {what}"


@pytest.mark.collector
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_export_answered_after_the_export_timeout_is_not_counted_as_lost(
    otlp_sink: OtlpSink, monkeypatch: pytest.MonkeyPatch, protocol: str, figure: Callable[[str, Any], None]
) -> None:
    _point_at(otlp_sink, protocol, monkeypatch, OTEL_BSP_EXPORT_TIMEOUT="200", OTEL_EXPORTER_OTLP_TIMEOUT="60000")
    otlp_sink.set_delay(1.5)  # every answer comes well after the 200 ms export timeout
    exporter = OTelExporter(start_markers=False, event_markers=False)
    exporter.initialize()
    try:
        _record_spans(exporter, 9)
        assert exporter.force_flush(WAIT_S)
        stats = exporter.stats
        assert stats.lost == 0, f"an export that may still arrive was counted as lost: {stats}"
        assert stats.spans_uncertain + stats.spans_exported == 9, stats
        uncertain_at_flush = stats.spans_uncertain
        received = otlp_sink.wait_for_spans(count=9, timeout=WAIT_S)
        _wait_for(lambda: exporter.stats.spans_uncertain == 0, "the late answers to settle the uncertain spans")
        stats = exporter.stats
        assert (stats.spans_exported, stats.lost, len(received)) == (9, 0, 9), stats
    finally:
        exporter.close()
    figure(f"{protocol}: uncertain right after the flush", uncertain_at_flush)
    figure(f"{protocol}: delivered / lost / uncertain after the late answers", "9 / 0 / 0 (9 at the receiver)")


@pytest.mark.collector
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_partial_success_answer_counts_the_rejected_spans_as_lost(
    otlp_sink: OtlpSink, monkeypatch: pytest.MonkeyPatch, protocol: str, figure: Callable[[str, Any], None]
) -> None:
    _point_at(otlp_sink, protocol, monkeypatch)
    otlp_sink.set_partial_success(3, "3 spans rejected by policy")
    exporter = OTelExporter(start_markers=False, event_markers=False)
    exporter.initialize()
    try:
        _record_spans(exporter, 10)
        assert exporter.force_flush(WAIT_S)
        otlp_sink.wait_for_spans(count=10, timeout=WAIT_S)
        stats = exporter.stats
    finally:
        exporter.close()
    per_request = [len(r.request.resource_spans[0].scope_spans[0].spans) for r in otlp_sink.requests()]
    rejected = sum(min(3, n) for n in per_request)
    assert (stats.spans_rejected, stats.spans_exported, stats.lost) == (rejected, 10 - rejected, rejected), stats
    assert stats.first_error is not None and "3 spans rejected by policy" in stats.first_error
    figure(f"{protocol}: requests / rejected / delivered", f"{len(per_request)} / {rejected} / {10 - rejected}")
