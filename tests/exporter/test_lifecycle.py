import pytest

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter, ExportError, ExporterState


class RecordingExporter(BaseExporter):
    def __init__(self):
        super().__init__()
        self.calls = []

    def export_start(self, span):
        super().export_start(span)
        self.calls.append("start")


def all_calls(exporter, span):
    return [
        ("export_start", lambda: exporter.export_start(span)),
        ("export_stop", lambda: exporter.export_stop(span)),
        ("export_event", lambda: exporter.export_event(Event.create("e"), span)),
        ("export_error", lambda: exporter.export_error(ErrorEvent.create("m"), span)),
        (
            "export_telemetry_data_error",
            lambda: exporter.export_telemetry_data_error(
                TelemetryDataError.create(TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "x")
            ),
        ),
    ]


def test_export_error_is_a_one_logger_error():
    assert issubclass(ExportError, OneLoggerError)


def test_exporter_is_abstract():
    from nv_one_logger.exporter.exporter import Exporter

    with pytest.raises(TypeError):
        Exporter()  # type: ignore[abstract]


def test_lifecycle_states():
    exporter = RecordingExporter()
    assert exporter.state is ExporterState.NOT_INITIALIZED and not exporter.ready and not exporter.closed
    exporter.initialize()
    assert exporter.ready and not exporter.closed and exporter.state == "ready"
    exporter.export_start(Span.create("s"))
    assert exporter.calls == ["start"]
    exporter.close()
    assert exporter.closed and not exporter.ready
    exporter.close()  # idempotent
    assert exporter.closed


@pytest.mark.parametrize("state", ["not initialized", "closed"])
def test_export_outside_ready_raises_naming_exporter_and_state(state):
    exporter = RecordingExporter()
    if state == "closed":
        exporter.initialize()
        exporter.close()
    span = Span.create("s")
    span.stop()
    for operation, call in all_calls(exporter, span):
        with pytest.raises(ExportError) as info:
            call()
        message = str(info.value)
        assert "RecordingExporter" in message and operation in message and state in message
    assert exporter.calls == []


def test_initialize_twice_is_a_no_op_and_after_close_raises():
    exporter = RecordingExporter()
    exporter.initialize()
    exporter.initialize()  # applications and recorders both call it (2.3.1 behaviour)
    assert exporter.ready
    exporter.close()
    with pytest.raises(ExportError, match=r"^Exporter is closed and cannot be used anymore\..*initialize"):
        exporter.initialize()


def test_lifecycle_messages_start_with_the_2_3_1_text():
    exporter = RecordingExporter()
    with pytest.raises(ExportError, match=r"^Exporter not initialized\. Call initialize first\."):
        exporter.export_start(Span.create("s"))
    exporter.initialize()
    exporter.close()
    with pytest.raises(ExportError, match=r"^Exporter is closed and cannot be used anymore\."):
        exporter.export_start(Span.create("s"))


def test_close_without_initialize():
    exporter = RecordingExporter()
    exporter.close()
    assert exporter.closed
