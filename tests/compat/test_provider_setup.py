"""The other ways the 2.3.1 training-telemetry library sets itself up over this core: config overrides, exporters
from the exporter configuration system, and a training config that arrives after the application started."""

from __future__ import annotations

import pytest
from nv_one_logger.training_telemetry.api import callbacks as cb
from nv_one_logger.training_telemetry.api.config import TrainingTelemetryConfig
from nv_one_logger.training_telemetry.api.training_telemetry_provider import TrainingTelemetryProvider

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.core.exceptions import OneLoggerError
from tests.support.training_telemetry_job import events_named, only, read_spans

FILE_EXPORTER = "nv_one_logger.exporter.file_exporter.FileExporter"


def test_exporters_from_config_and_a_late_training_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray config file is picked up
    path = tmp_path / "late.jsonl"
    provider = TrainingTelemetryProvider.instance()
    provider.with_config_override({"application_name": "late", "world_size_or_fn": 4, "session_tag_or_fn": "s"})
    provider.with_export_config(exporters_config=[{"class_name": FILE_EXPORTER, "config": {"file_path": str(path)}}])
    provider.configure_provider()
    assert OneLoggerProvider.instance().config.application_name == "late"

    cb.on_app_start()
    with pytest.raises(OneLoggerError, match="Training telemetry config must be set"):
        cb.on_train_start(train_iterations_start=0)
    provider.set_training_telemetry_config(
        TrainingTelemetryConfig(perf_tag_or_fn="late-perf", global_batch_size_or_fn=2)
    )
    cb.on_train_start(train_iterations_start=0)
    cb.on_training_single_iteration_start()
    cb.on_training_single_iteration_end()
    cb.on_train_end()
    cb.on_app_end()

    spans = read_spans(path)
    app = only(spans, "application")
    only(spans, "training_loop", parent=app)
    (update,) = events_named(app, "update_training_telemetry_config")
    assert update["perf_tag"] == "late-perf" and update["global_batch_size"] == 2


def test_telemetry_config_given_as_a_dict_override():
    provider = TrainingTelemetryProvider.instance()
    provider.with_config_override(
        {
            "application_name": "dict",
            "world_size_or_fn": 1,
            "session_tag_or_fn": "s",
            "telemetry_config": {"perf_tag_or_fn": "p", "global_batch_size_or_fn": 3},
        }
    )
    provider.configure_provider()
    config = provider.config
    assert isinstance(config.telemetry_config, TrainingTelemetryConfig)
    assert config.telemetry_config.global_batch_size == 3
    with pytest.raises(OneLoggerError, match="only call configure_provider once"):
        provider.configure_provider()
