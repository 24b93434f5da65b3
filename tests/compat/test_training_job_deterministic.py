"""A whole training job through the 2.3.1 training-telemetry library, with the clocks patched.

Users' test suites make timings deterministic by patching ``time.time`` and ``time.perf_counter``; the library
computes its iteration, validation, checkpoint and throughput metrics from ``MultiWindowTimer`` and
``MetricSummarizer`` of this core. With a fake clock every one of those numbers is exact.
"""

from __future__ import annotations

import pytest
from nv_one_logger.training_telemetry.api import callbacks as cb
from nv_one_logger.training_telemetry.api.context import application, checkpoint_save, training_iteration
from nv_one_logger.training_telemetry.api.training_recorder import TrainingRecorder
from nv_one_logger.training_telemetry.api.training_telemetry_provider import TrainingTelemetryProvider

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.exporter.file_exporter import FileExporter
from tests.support.training_telemetry_job import (
    PERF_START,
    WALL_START,
    FakeClock,
    configure,
    events_named,
    only,
    read_spans,
)

ITERATION_SECONDS = [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
VALIDATION_SECONDS = [1.5, 0.5]
CHECKPOINT_SECONDS = 3.0
BATCH = 8
FLOPS_PER_SAMPLE = 10**12  # one iteration = 8e12 floating point operations
WORLD_SIZE = 2


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("time.time", fake.time)
    monkeypatch.setattr("time.perf_counter", fake.perf_counter)
    return fake


def _run_job(clock: FakeClock) -> None:
    with application():
        cb.on_model_init_start()
        clock.advance(5.0)
        cb.on_model_init_end()
        cb.on_train_start(train_iterations_start=0, train_samples_start=0)
        for seconds in ITERATION_SECONDS:
            clock.advance(1.0)  # data loading between iterations is not iteration time
            with training_iteration():
                clock.advance(seconds)
        cb.on_validation_start()
        for seconds in VALIDATION_SECONDS:
            cb.on_validation_single_iteration_start()
            clock.advance(seconds)
            cb.on_validation_single_iteration_end()
        cb.on_validation_end()
        with checkpoint_save(global_step=len(ITERATION_SECONDS)):
            clock.advance(CHECKPOINT_SECONDS)
        cb.on_train_end()


def test_training_metrics_come_out_exact_with_patched_clocks(tmp_path, clock):
    path = tmp_path / "train.jsonl"
    configure(
        [FileExporter(path)],
        world_size=WORLD_SIZE,
        global_batch_size_or_fn=BATCH,
        log_every_n_train_iterations=3,
        is_log_throughput_enabled_or_fn=True,
        flops_per_sample_or_fn=FLOPS_PER_SAMPLE,
        train_iterations_target_or_fn=100,
        train_samples_target_or_fn=800,
    )
    recorder = TrainingTelemetryProvider.instance().recorder
    assert isinstance(recorder, TrainingRecorder) and OneLoggerProvider.instance().recorder is recorder
    _run_job(clock)

    spans = read_spans(path)
    app = only(spans, "application")
    assert app.parent_id is None and not app.open
    assert app.start_event.seconds_since_epoch == WALL_START and app.start_event.perf_counter_seconds == PERF_START
    model_init = only(spans, "model_initialization", parent=app)
    assert model_init.attributes["duration_msec"] == 5000
    loop = only(spans, "training_loop", parent=app)
    validation = only(spans, "validation_loop", parent=loop)
    checkpoint = only(spans, "checkpoint_save_sync", parent=loop)
    # Single iterations are on the library's default export blacklist.
    assert "training_single_iteration" not in spans and "validation_single_iteration" not in spans

    total_training = sum(ITERATION_SECONDS) + len(ITERATION_SECONDS)
    assert loop.attributes["duration_msec"] == round(
        (total_training + sum(VALIDATION_SECONDS) + CHECKPOINT_SECONDS) * 1000
    )
    assert app.attributes["duration_msec"] == loop.attributes["duration_msec"] + 5000

    (init,) = events_named(app, "one_logger_initialization")
    assert (init["world_size"], init["session_tag"], init["one_logger_training_telemetry_version"]) == (
        WORLD_SIZE,
        "compat-session",
        "2.3.1",
    )
    (telemetry_config,) = events_named(app, "update_training_telemetry_config")
    assert telemetry_config["global_batch_size"] == BATCH and telemetry_config["perf_tag"] == "compat-perf"

    first, second = events_named(loop, "training_metrics_update")  # every 3 iterations
    assert first["current_iteration"] == 2 and first["num_iterations"] == 3
    assert (first["min_iteration_time_sec"], first["max_iteration_time_sec"]) == (2.0, 6.0)
    assert (first["avg_iteration_time_sec"], first["total_iteration_time_sec"]) == (4.0, 12.0)
    assert first["num_train_samples"] == 3 * BATCH and first["total_flops"] == 3 * BATCH * FLOPS_PER_SAMPLE
    # tflops per GPU after iteration k: 8k / (seconds so far * world size); latest, max and min of those
    assert first["train_throughput_per_gpu"] == pytest.approx(24 / (12 * WORLD_SIZE))
    assert first["train_throughput_per_gpu_max"] == pytest.approx(8 / (2 * WORLD_SIZE))
    assert first["train_throughput_per_gpu_min"] == pytest.approx(24 / (12 * WORLD_SIZE))
    # iteration 3 ended after model init (5), three loader gaps (3) and 2+4+6 seconds
    assert first["last_logged_train_iterations_finish_timestamp_sec"] == WALL_START + 5 + 3 + 12
    assert first["first_logged_train_iterations_finish_timestamp_sec"] == WALL_START + 5 + 1 + 2
    assert second["current_iteration"] == 5 and second["num_iterations"] == 6
    assert (second["min_iteration_time_sec"], second["max_iteration_time_sec"]) == (2.0, 12.0)
    assert (second["avg_iteration_time_sec"], second["total_iteration_time_sec"]) == (7.0, 42.0)
    assert second["train_throughput_per_gpu_min"] == pytest.approx(48 / (42 * WORLD_SIZE))

    (validation_metrics,) = events_named(validation, "validation_metrics_update")
    assert validation_metrics["interval"] == 6 and validation_metrics["current_iteration"] == 5
    assert (validation_metrics["min_iteration_time_sec"], validation_metrics["max_iteration_time_sec"]) == (0.5, 1.5)
    assert validation_metrics["avg_iteration_time_sec"] == 1.0
    assert validation_metrics["total_iteration_time_sec"] == 2.0

    assert checkpoint.attributes["save_checkpoint_attempt_count"] == 1
    (success,) = events_named(checkpoint, "save_checkpoint_success")
    assert success["productive_train_iterations"] == 6 and success["productive_train_samples"] == 6 * BATCH
    assert success["productive_train_iterations_sec"] == 42.0
    assert success["productive_validation_iterations_sec"] == 2.0
    assert success["productive_train_tflops"] == 6 * BATCH * FLOPS_PER_SAMPLE / 10**12
    assert success["training_start_timestamp_sec"] == WALL_START + 5
    (checkpoint_metrics,) = events_named(checkpoint, "sync_checkpoint_metrics_update")
    assert checkpoint_metrics["save_checkpoint_sync_time_total_sec"] == CHECKPOINT_SECONDS
    assert checkpoint_metrics["save_checkpoint_sync_time_max_sec"] == CHECKPOINT_SECONDS

    assert recorder.closed  # on_app_end closes the recorder


def test_only_the_wall_clock_patched(tmp_path, monkeypatch):
    """Suites that patch only ``time.time`` get fixed timestamps while durations still use the perf counter."""
    monkeypatch.setattr("time.time", lambda: WALL_START)
    path = tmp_path / "wall.jsonl"
    configure([FileExporter(path)], log_every_n_train_iterations=2)
    with application():
        cb.on_train_start(train_iterations_start=10)
        for _ in range(2):
            cb.on_training_single_iteration_start()
            cb.on_training_single_iteration_end()
        cb.on_train_end()
    spans = read_spans(path)
    loop = only(spans, "training_loop", parent=only(spans, "application"))
    (metrics,) = events_named(loop, "training_metrics_update")
    assert metrics["current_iteration"] == 11 and metrics["train_iterations_start"] == 10
    assert metrics["last_logged_train_iterations_finish_timestamp_sec"] == WALL_START
    assert metrics["total_iteration_time_sec"] >= 0.0
    assert all(s.start_event.seconds_since_epoch == WALL_START for group in spans.values() for s in group)
    assert loop.start_event.attributes["timestamp_msec"] == round(WALL_START * 1000)
