"""Faults: collector down for the whole run, killed and restarted mid-run, a port that accepts TCP and never answers.

In every case: the application's loop never waits for the network, ``close()`` returns within its bound (checked
with a generous margin), losses are counted, logged once, and - as soon as delivery works again - reported in the
trace as a telemetry data error.
"""

from __future__ import annotations

import logging
import time

import pytest

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.collector import free_port
from tests.support.environment import otlp_env, set_otel_env
from tests.support.otel_job import configure_job
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.collector, pytest.mark.slow]

CLOSE_BOUND_S = 2.0
MARGIN_S = 5.0  # scheduling noise on a loaded CI machine; a close that ignored its bound would take 10 s+
LOSS_LINE = "could not be delivered"


def _loop(n: int = 60) -> float:
    """Run ``n`` small spans with an event each inside the current span; return the slowest iteration (s)."""
    worst = 0.0
    for i in range(n):
        started = time.perf_counter()
        with timed_span("step") as step:
            get_recorder().event(step, Event.create("tick", Attributes({"i": i})))
        worst = max(worst, time.perf_counter() - started)
    return worst


def _timed_close(job) -> float:
    started = time.monotonic()
    job.recorder.close()
    return time.monotonic() - started


def _loss_lines(caplog) -> list:
    return [r for r in caplog.records if LOSS_LINE in r.getMessage()]


def _sdk_lines(caplog) -> list:
    return [r for r in caplog.records if r.name.startswith("opentelemetry.exporter")]


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_collector_down_for_the_whole_run(monkeypatch, caplog, protocol):
    caplog.set_level(logging.INFO)
    nobody = f"http://127.0.0.1:{free_port()}"
    set_otel_env(monkeypatch, otlp_env(nobody, protocol, OTEL_EXPORTER_OTLP_TIMEOUT="2000"))
    job = configure_job(OTelExporter(shutdown_timeout_s=CLOSE_BOUND_S))
    with timed_span("application"):
        worst = _loop()
        wait_until(lambda: job.otel.stats.spans_failed > 0, 20)
        worst = max(worst, _loop())
    elapsed = _timed_close(job)

    # Each failing export takes >= 1 s (the SDK's retry back-off within its 2 s timeout); the loop never waits.
    assert worst < 1.0
    assert elapsed < CLOSE_BOUND_S + MARGIN_S
    stats = job.otel.stats
    assert stats.spans_exported == 0
    assert stats.spans_failed > 0
    assert stats.lost >= stats.spans_failed
    assert len(_loss_lines(caplog)) == 1  # logged once, however many batches failed
    summary = [r for r in caplog.records if "exporter closed" in r.getMessage()]
    assert len(summary) == 1 and f"{stats.lost} lost" in summary[0].getMessage()
    assert _sdk_lines(caplog) == []  # the SDK's per-attempt errors are not repeated in the app's log


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_collector_killed_and_restarted_mid_run(rotel, otlp_sink, monkeypatch, caplog, protocol):
    caplog.set_level(logging.INFO)
    endpoint = rotel.grpc_endpoint if protocol == "grpc" else rotel.http_endpoint
    set_otel_env(monkeypatch, otlp_env(endpoint, protocol, OTEL_EXPORTER_OTLP_TIMEOUT="3000"))
    job = configure_job(OTelExporter(shutdown_timeout_s=CLOSE_BOUND_S))
    with timed_span("application"):
        with timed_span("phase1"):
            pass
        otlp_sink.wait_for_spans(lambda s: s.name == "phase1")

        rotel.kill()
        with timed_span("phase2"):
            pass
        worst = _loop(20)
        assert wait_until(lambda: job.otel.stats.spans_failed > 0, 30)

        rotel.restart()
        with timed_span("phase3"):
            pass
        otlp_sink.wait_for_spans(lambda s: s.name == "phase3", timeout=30)
    elapsed = _timed_close(job)

    assert worst < 1.0
    assert elapsed < CLOSE_BOUND_S + MARGIN_S
    spans = otlp_sink.wait_for_spans(lambda s: s.name in ("application", "telemetry_data_error"), count=2)
    names = [s.name for s in otlp_sink.spans()]
    assert "phase2" not in names  # it was exported while the collector was dead: lost, and counted
    (error,) = [s for s in spans if s.name == "telemetry_data_error"]
    (application,) = [s for s in spans if s.name == "application"]
    assert error.attributes["one_logger.telemetry_data_error.type"] == "incomplete_telemetry_data"
    assert "could not deliver" in error.attributes["one_logger.telemetry_data_error.message"]
    assert error.trace_id == application.trace_id
    assert application.attributes["one_logger.telemetry_data_error"] is True
    assert len(_loss_lines(caplog)) == 1
    assert job.otel.stats.spans_failed > 0


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_port_that_accepts_and_never_answers(black_hole, monkeypatch, caplog, protocol):
    caplog.set_level(logging.INFO)
    # The SDK's own export timeout (10 s) is longer than our close bound: close() must not wait for it.
    set_otel_env(monkeypatch, otlp_env(black_hole.endpoint, protocol))
    job = configure_job(OTelExporter(shutdown_timeout_s=CLOSE_BOUND_S))
    with timed_span("application"):
        worst = _loop()
        wait_until(lambda: black_hole.accepted > 0, 10)
        worst = max(worst, _loop())
    elapsed = _timed_close(job)

    assert black_hole.accepted >= 1  # the exporter really was talking to the black hole
    assert worst < 1.0
    assert elapsed < CLOSE_BOUND_S + MARGIN_S
    stats = job.otel.stats
    assert stats.spans_exported == 0
    assert stats.lost > 0
    summary = [r for r in caplog.records if "exporter closed" in r.getMessage()]
    assert len(summary) == 1
    assert f"close gave up after {CLOSE_BOUND_S:g} s" in summary[0].getMessage()


def test_full_queue_drops_and_counts_instead_of_blocking(black_hole, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    set_otel_env(monkeypatch, otlp_env(black_hole.endpoint, "grpc"))
    job = configure_job(OTelExporter(shutdown_timeout_s=CLOSE_BOUND_S, max_queue_size=50, max_export_batch_size=10))
    with timed_span("application"):
        worst = _loop(200)  # 600 calls into a 50-call queue whose worker is stuck on the black hole
    elapsed = _timed_close(job)
    assert worst < 1.0
    assert elapsed < CLOSE_BOUND_S + MARGIN_S
    assert job.otel.stats.calls_dropped > 0
    assert len(_loss_lines(caplog)) == 1
