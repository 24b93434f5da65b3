"""A training job that crashes in the middle, recorded by the 2.3.1 training-telemetry library through this core
into a FileExporter and the OTel bridge at the same time; the OTel side is checked at a real collector (rotel)."""

from __future__ import annotations

from typing import Dict, List

import pytest
from nv_one_logger.training_telemetry.api import callbacks as cb
from nv_one_logger.training_telemetry.api.training_telemetry_provider import TrainingTelemetryProvider

from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.collector import ReceivedSpan
from tests.support.environment import otlp_env, set_otel_env
from tests.support.training_telemetry_job import configure, events_named, only, read_spans

pytestmark = pytest.mark.collector

CRASH_AT = 3  # the fourth iteration raises
STATUS_ERROR = 2
TIMER_STOPPED = "was automatically stopped because the span is being stopped"


class OutOfMemory(RuntimeError):
    pass


def _train_step(step: int) -> None:
    if step == CRASH_AT:
        raise OutOfMemory("CUDA out of memory while allocating 2.00 GiB")


def _run_crashing_job() -> None:
    """The shape of a training script that reports through callbacks and crashes in an iteration."""
    cb.on_app_start()
    try:
        cb.on_dataloader_init_start()
        cb.on_dataloader_init_end()
        loop = cb.on_train_start(train_iterations_start=0)
        try:
            for step in range(10):
                cb.on_training_single_iteration_start()
                _train_step(step)
                cb.on_training_single_iteration_end()
            cb.on_train_end()
        except OutOfMemory as exc:
            TrainingTelemetryProvider.instance().recorder.error(loop, "training crashed", exc)
            raise
    finally:
        cb.on_app_end()  # stops the application span and closes the recorder, which ends what is still open


def _by_name(spans: List[ReceivedSpan]) -> Dict[str, List[ReceivedSpan]]:
    out: Dict[str, List[ReceivedSpan]] = {}
    for span in spans:
        out.setdefault(span.name, []).append(span)
    return out


def test_crash_in_the_middle_reaches_the_file_and_the_collector(tmp_path, rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc"))
    path = tmp_path / "crash.jsonl"
    exporters = [FileExporter(path), OTelExporter()]
    configure(exporters, span_blacklist=["model_forward"], log_every_n_train_iterations=2)
    with pytest.raises(OutOfMemory):
        _run_crashing_job()

    # The file: every span ended, the crashed iteration was closed by the recorder's close() through the
    # training recorder's own stop(), which also reported the iteration timer it had to stop.
    spans = read_spans(path)
    app = only(spans, "application")
    loop = only(spans, "training_loop", parent=app)
    only(spans, "data_loader_initialization", parent=app)
    iterations = spans["training_single_iteration"]
    assert len(iterations) == CRASH_AT + 1
    assert all(s.parent_id == loop.id for s in iterations)
    assert not any(s.open for group in spans.values() for s in group)
    crashed = iterations[-1]
    assert len(crashed.errors) == 1 and TIMER_STOPPED in crashed.errors[0].attributes["error_message"]
    (crash_report,) = loop.errors
    assert crash_report.attributes["error_message"] == "training crashed"
    assert crash_report.attributes["exception_type"] == "OutOfMemory"
    assert "CUDA out of memory" in crash_report.attributes["exception_message"]
    (metrics,) = events_named(loop, "training_metrics_update")  # after iteration 2 (log every 2)
    assert metrics["num_iterations"] == 2 and metrics["current_iteration"] == 1
    assert metrics["min_iteration_time_sec"] <= metrics["avg_iteration_time_sec"] <= metrics["max_iteration_time_sec"]

    # The collector: the same tree, one trace, the errors as OTel exceptions and error status.
    expected = 3 + len(iterations)  # application, data loader init, training loop, iterations
    received = otlp_sink.wait_for_spans(lambda s: not s.is_marker, count=expected, timeout=30)
    otel = _by_name([s for s in received if not s.is_marker])
    assert sorted(otel) == ["application", "data_loader_initialization", "training_loop", "training_single_iteration"]
    (otel_app,) = otel["application"]
    (otel_loop,) = otel["training_loop"]
    assert len({s.trace_id for group in otel.values() for s in group}) == 1
    assert otel_app.parent_span_id == "" and otel_loop.parent_span_id == otel_app.span_id
    assert all(s.parent_span_id == otel_loop.span_id for s in otel["training_single_iteration"])
    assert otel_app.attributes["one_logger.span.id"] == app.id
    assert otel_app.resource["service.name"] == "compat-train"
    assert otel_loop.status_code == STATUS_ERROR
    loop_exception = next(e for e in otel_loop.events if e.name == "exception")
    assert loop_exception.attributes["exception.type"] == "OutOfMemory"
    assert "training_metrics_update" in otel_loop.event_names()
    otel_crashed = next(s for s in otel["training_single_iteration"] if s.status_code == STATUS_ERROR)
    assert otel_crashed.attributes["one_logger.span.id"] == crashed.id
    assert any(TIMER_STOPPED in str(e.attributes.get("one_logger.error_message")) for e in otel_crashed.events)
    app_events = otel_app.event_names()
    assert "one_logger_initialization" in app_events and "update_training_telemetry_config" in app_events
