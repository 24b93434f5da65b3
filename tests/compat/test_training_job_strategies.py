"""The 2.3.1 training-telemetry library under the error-handling strategies and on a disabled rank."""

from __future__ import annotations

import logging

from nv_one_logger.training_telemetry.api import callbacks as cb

from nv_one_logger.api.config import OneLoggerErrorHandlingStrategy
from nv_one_logger.exporter.file_exporter import FileExporter
from tests.support.jsonl import json_lines
from tests.support.training_telemetry_job import configure

DISABLE = OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR


def test_misuse_under_the_disable_strategy_keeps_the_job_running_and_flags_the_data(tmp_path, caplog):
    path = tmp_path / "misuse.jsonl"
    configure([FileExporter(path)], config_fields={"error_handling_strategy": DISABLE})
    cb.on_app_start()
    assert cb.on_train_end() is None  # no training loop was started: a misuse, swallowed
    assert cb.on_training_single_iteration_start() is None  # the library is disabled now: a cheap no-op
    cb.on_app_end()
    records = json_lines(path, identity=True)
    errors = [r for r in records if r["type"] == "telemetry_data_error"]
    assert len(errors) == 1
    assert "training_loop" in errors[0]["error"]["attributes"]["error_message"]
    assert errors[0]["error"]["attributes"]["telemetry_data_error_type"] == "incomplete_telemetry_data"
    assert any("disabled itself" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


def test_disabled_rank_records_nothing_and_says_why(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("RANK", "5")
    path = tmp_path / "rank5.jsonl"
    caplog.set_level(logging.WARNING)
    configure([FileExporter(path)], config_fields={"enable_for_current_rank": False})
    assert cb.on_app_start() is None
    assert cb.on_train_start(train_iterations_start=0) is None
    cb.on_app_end()
    assert not path.exists()  # the library does not even initialize exporters on a disabled rank
    # One line per config built: the user's, and the merged copy the library builds from it.
    rank_lines = [r.getMessage() for r in caplog.records if r.name == "nv_one_logger.api.config"]
    assert rank_lines and all("rank 5" in line for line in rank_lines)
