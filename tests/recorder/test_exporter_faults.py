"""Exporter fault isolation: one broken exporter never hurts the others or the application."""

import pytest

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.core.event import Event, TelemetryDataError
from nv_one_logger.recorder._exporter_fanout import MAX_EXPORTER_FAILURES
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, configure_recorder
from tests.support.failing_exporters import FailingExporter, FailingInitExporter
from tests.support.log_records import library_records

NO_DATA = TelemetryDataError.ErrorType.NO_TELEMETRY_DATA
INCOMPLETE = TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA


@pytest.mark.parametrize("strategy", [PROPAGATE, DISABLE, None], ids=["propagate", "disable", "no-provider"])
def test_failing_exporter_is_isolated(strategy, caplog):
    broken = FailingExporter(failing=("export_start",))
    healthy = InMemoryExporter()
    recorder = DefaultRecorder([broken, healthy]) if strategy is None else configure_recorder(strategy, broken, healthy)
    span = recorder.start("train")  # no exception reaches the application
    recorder.event(span, Event.create("loss"))
    recorder.stop(span)

    assert healthy.method_names() == ["initialize", "export_start", "export_event", "export_stop"]
    assert healthy.telemetry_data_errors == []
    # The broken exporter got exactly one telemetry data error, of type NO_TELEMETRY_DATA (nothing exported yet).
    assert len(broken.telemetry_data_errors) == 1
    assert broken.telemetry_data_errors[0].error_type == NO_DATA
    assert "FailingExporter" in broken.telemetry_data_errors[0].error_message
    assert "export_start" in broken.telemetry_data_errors[0].error_message
    # Its other calls still go through (it is not disabled after one failure).
    assert [e.name_str for e, _ in broken.events] == ["loss"] and broken.stopped_spans == [span]
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "FailingExporter" in r.getMessage()]
    assert len(warnings) == 1 and "boom in export_start" in warnings[0].getMessage()
    assert library_records(caplog) == []  # an exporter fault is not a library failure
    if strategy is not None:
        assert OneLoggerProvider.instance().one_logger_enabled


def test_fault_after_successful_exports_reports_incomplete_data():
    broken = FailingExporter(failing=("export_stop",))
    recorder = DefaultRecorder([broken])
    span = recorder.start("train")
    recorder.stop(span)
    assert [error.error_type for error in broken.telemetry_data_errors] == [INCOMPLETE]


def test_fault_is_reported_at_most_once_and_exporter_disabled_after_five(caplog):
    broken = FailingExporter(failing=("export_event",))
    healthy = InMemoryExporter()
    recorder = DefaultRecorder([broken, healthy])
    span = recorder.start("loop")
    for index in range(MAX_EXPORTER_FAILURES + 3):
        recorder.event(span, Event.create(f"e{index}"))
    recorder.stop(span)

    assert MAX_EXPORTER_FAILURES == 5
    assert broken.attempts == 5  # no call after the fifth failure
    assert len(broken.telemetry_data_errors) == 1
    assert broken.stopped_spans == []  # disabled: not even the stop
    assert len(healthy.events) == MAX_EXPORTER_FAILURES + 3 and healthy.stopped_spans == [span]
    slot = recorder.exporter_slots[0]
    assert slot.disabled and slot.failures == 5
    disabled_lines = [r for r in caplog.records if r.levelname == "ERROR" and "disabled" in r.getMessage()]
    assert len(disabled_lines) == 1 and "FailingExporter" in disabled_lines[0].getMessage()
    recorder.close()
    assert broken.closed  # disabled exporters are still closed (they may hold resources)


def test_exporter_whose_report_also_fails_is_still_isolated():
    broken = FailingExporter(failing=("export_start", "export_telemetry_data_error"))
    healthy = InMemoryExporter()
    recorder = DefaultRecorder([broken, healthy])
    recorder.stop(recorder.start("s"))
    assert healthy.started_spans and healthy.stopped_spans


def test_base_exceptions_from_exporters_are_not_swallowed():
    class Interrupting(InMemoryExporter):
        def export_start(self, span):
            raise KeyboardInterrupt

    recorder = DefaultRecorder([Interrupting()])
    with pytest.raises(KeyboardInterrupt):
        recorder.start("s")


def test_exporter_failing_to_initialize_is_disabled(caplog):
    broken = FailingInitExporter()
    healthy = InMemoryExporter()
    recorder = DefaultRecorder([broken, healthy])
    span = recorder.start("s")
    recorder.stop(span)
    assert healthy.stopped_spans == [span]
    assert recorder.exporter_slots[0].disabled
    assert any("failed to initialize" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    recorder.close()
    assert broken.closed_calls == 1


def test_exporter_failing_to_close_does_not_stop_the_others(caplog):
    class BadClose(InMemoryExporter):
        def close(self):
            raise OSError("disk gone")

    healthy = InMemoryExporter()
    recorder = DefaultRecorder([BadClose(), healthy])
    recorder.close()
    assert healthy.closed
    assert any("failed to close" in r.getMessage() for r in caplog.records)


def test_failing_exporter_inside_timed_span_under_propagate_does_not_raise():
    broken = FailingExporter(failing=("export_start", "export_stop", "export_error"))
    healthy = InMemoryExporter()
    configure_recorder(PROPAGATE, broken, healthy)
    with pytest.raises(ZeroDivisionError), timed_span("step"):
        1 / 0  # noqa: B018
    assert len(healthy.errors) == 1 and len(healthy.stopped_spans) == 1
    assert len(broken.telemetry_data_errors) == 1


@pytest.mark.parametrize("operation", ["export_start", "export_event", "export_error", "export_stop"])
def test_a_failure_in_each_operation_is_isolated_and_named(operation, caplog):
    broken = FailingExporter(failing=(operation,))
    healthy = InMemoryExporter()
    recorder = DefaultRecorder([broken, healthy])
    span = recorder.start("train")
    recorder.event(span, Event.create("loss"))
    recorder.error(span, "bad batch", ValueError("nan"))
    recorder.stop(span)

    expected = ["initialize", "export_start", "export_event", "export_error", "export_stop"]
    assert healthy.method_names() == expected
    assert [name for name in broken.method_names() if name != "export_telemetry_data_error"] == [
        name for name in expected if name != operation
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and f"FailingExporter failed in {operation}" in warnings[0]
    assert len(broken.telemetry_data_errors) == 1 and operation in broken.telemetry_data_errors[0].error_message
