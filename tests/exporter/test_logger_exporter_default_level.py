"""The default LoggerExporter logger is not gated by the library's diagnostic log level.

``nv_one_logger.records`` is a child of the library's ``nv_one_logger`` logger; before the fix,
``LoggerConfig(log_level="WARNING")`` (meant for the library's own messages) silently dropped every telemetry line.
"""

import logging

import pytest

from nv_one_logger.api.config import LoggerConfig, OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.logger_exporter import LoggerExporter
from tests.support.exporter_calls import export_complete_span

DEFAULT = LoggerExporter.DEFAULT_LOGGER_NAME


@pytest.fixture(autouse=True)
def _restore_levels(monkeypatch):
    for name in ("ONE_LOGGER_FILE_EXPORTER_PATH", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    loggers = [logging.getLogger(name) for name in ("nv_one_logger", DEFAULT)]
    saved = [logger.level for logger in loggers]
    logging.getLogger(DEFAULT).setLevel(logging.NOTSET)
    yield
    for logger, level in zip(loggers, saved):
        logger.setLevel(level)


def _record_lines(caplog):
    return [r for r in caplog.records if r.name == DEFAULT and r.levelno == logging.INFO]


def test_default_logger_gets_info_level_when_it_has_none(caplog):
    logging.getLogger("nv_one_logger").setLevel(logging.WARNING)
    exporter = LoggerExporter()
    assert exporter.logger.name == DEFAULT
    assert exporter.logger.level == logging.INFO
    exporter.initialize()
    export_complete_span(exporter, "step")
    [line] = _record_lines(caplog)  # propagated to the root logger's handlers (caplog)
    assert 'type="complete"' in line.getMessage()


def test_a_level_set_by_the_application_is_kept(caplog):
    logging.getLogger(DEFAULT).setLevel(logging.ERROR)
    exporter = LoggerExporter()
    assert exporter.logger.level == logging.ERROR
    exporter.initialize()
    exporter.export_start(Span.create("step"))
    assert _record_lines(caplog) == []


def test_a_named_logger_is_left_alone():
    name = "test_logger_exporter_default_level.named"
    logging.getLogger(name).setLevel(logging.NOTSET)
    assert LoggerExporter(logger_name=name).logger.level == logging.NOTSET


def test_configure_one_logger_with_warning_log_level_still_writes_telemetry(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    config = OneLoggerConfig(
        application_name="app",
        world_size_or_fn=1,
        session_tag_or_fn="s",
        logger_config=LoggerConfig(log_level="WARNING"),
    )
    recorder = configure_one_logger(
        config, exporters_config=[{"class_name": "nv_one_logger.exporter.logger_exporter.LoggerExporter"}]
    )
    with timed_span("application"):
        pass
    recorder.close()
    assert [r for r in _record_lines(caplog) if 'name="application"' in r.getMessage()]
