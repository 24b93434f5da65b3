"""The usage shown in the README and docs/quickstart.md, run as written (plus assertions)."""

import logging

import pytest

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.logger_exporter import LoggerExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, configure_recorder


@pytest.fixture(autouse=True)
def _no_exporter_config_from_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ONE_LOGGER_EXPORTER_CONFIG_PATH", raising=False)
    monkeypatch.delenv("ONE_LOGGER_FILE_EXPORTER_PATH", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)


def test_readme_ten_lines():
    exporter = InMemoryExporter()
    configure_one_logger(
        OneLoggerConfig(application_name="train", world_size_or_fn=1, session_tag_or_fn="run-1"),
        DefaultRecorder([exporter]),
    )
    with timed_span("application"):
        for step in range(3):
            with timed_span("iteration", span_attributes={"step": step}) as span:
                get_recorder().event(span, Event.create("loss", {"value": 0.5 / (step + 1)}))

    assert exporter.span_names(stopped=True) == ["iteration", "iteration", "iteration", "application"]
    assert [event.attributes.get_float_value("value") for event, _ in exporter.events] == [0.5, 0.25, 0.5 / 3]
    application = exporter.find_span("application")
    assert all(span.parent_span is application for span in exporter.stopped_spans[:3])


def test_readme_ten_lines_with_configured_exporters():
    configure_one_logger(
        OneLoggerConfig(application_name="train", world_size_or_fn=1, session_tag_or_fn="run-1"),
        exporters_config=[{"class_name": "nv_one_logger.testing.InMemoryExporter"}],
    )
    with timed_span("application"), timed_span("iteration", span_attributes={"step": 0}) as span:
        get_recorder().event(span, Event.create("loss", {"value": 0.5}))
    (exporter,) = get_recorder().exporters
    assert exporter.span_names(stopped=True) == ["iteration", "application"]


def test_quickstart_errors_and_telemetry_data_errors():
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)
    with timed_span("checkpoint") as span:
        try:
            raise OSError("disk full")
        except OSError as exc:
            get_recorder().error(span, "could not save the checkpoint", exc)
    get_recorder().telemetry_data_error("metrics of steps 10-20 were lost", Attributes({"lost_steps": 11}))
    ((error, errored_span),) = exporter.errors
    assert errored_span is span and error.exception_type == "OSError"
    assert exporter.telemetry_data_errors[0].attributes.get_int_value("lost_steps") == 11


def test_quickstart_decorator():
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)

    @timed
    def load_batch(index: int) -> list:
        return [index] * 4

    @timed("evaluate", span_attributes={"split": "validation"})
    def evaluate() -> float:
        return 0.9

    load_batch(1)
    evaluate()
    assert exporter.span_names() == [load_batch.__qualname__, "evaluate"]


def test_recorder_used_directly_with_a_logger_exporter(caplog):
    caplog.set_level(logging.INFO, logger="my_job.telemetry")
    recorder = DefaultRecorder([LoggerExporter(logging.getLogger("my_job.telemetry"))])
    span = recorder.start("train", span_attributes=Attributes({"epochs": 2}))
    recorder.event(span, Event.create("epoch_done", Attributes({"epoch": 0})))
    child = recorder.start("eval")  # parent: the innermost open span of this thread
    assert child.parent_span is span
    recorder.stop(child)
    recorder.stop(span)
    recorder.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "my_job.telemetry"]
    assert len(lines) >= 3
    assert any("train" in line for line in lines) and any("epoch_done" in line for line in lines)
    assert isinstance(span, Span) and not span.active
