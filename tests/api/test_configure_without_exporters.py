import logging

import pytest

from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.core.event import ErrorEvent
from nv_one_logger.core.exceptions import OneLoggerError
from tests.support.config import make_config
from tests.support.environment import clear_library_env


def test_no_exporter_configured_warns_once_and_names_the_ways_to_enable_one(monkeypatch, tmp_path, caplog):
    clear_library_env(monkeypatch)  # no variable that would enable an exporter
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        configure_one_logger(make_config())
        with timed_span("step"):
            pass
    lines = [r.getMessage() for r in caplog.records if "has no exporter" in r.getMessage()]
    assert len(lines) == 1
    assert "ONE_LOGGER_FILE_EXPORTER_PATH" in lines[0] and "OTEL_EXPORTER_OTLP_ENDPOINT" in lines[0]


def test_exporter_from_config_means_no_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        configure_one_logger(
            make_config(), exporters_config=[{"class_name": "nv_one_logger.testing.InMemoryExporter", "config": {}}]
        )
    assert not [r for r in caplog.records if "has no exporter" in r.getMessage()]


def test_disabled_rank_does_not_warn_about_missing_exporters(caplog):
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        configure_one_logger(make_config(enable_for_current_rank=False))
    assert not [r for r in caplog.records if "has no exporter" in r.getMessage()]


def test_error_event_create_refuses_a_non_exception_naming_its_type():
    with pytest.raises(OneLoggerError, match="exception must be an exception instance, got str"):
        ErrorEvent.create("m", exception="notexc")  # type: ignore[arg-type]
