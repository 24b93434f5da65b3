"""Behaviour of the recorder, the exporters and the config that programs and suites written for 2.3.1 rely on."""

import logging
import uuid
from typing import List

import pytest

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.core.event import Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.singleton import SingletonMeta
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import ExportError
from nv_one_logger.recorder import default_recorder
from nv_one_logger.recorder.default_recorder import DefaultRecorder, ExportCustomizationMode
from nv_one_logger.testing import InMemoryExporter
from tests.support.failing_exporters import FailingExporter


class StopRecordingRecorder(DefaultRecorder):
    """A subclass that overrides stop(), as the training-telemetry recorder does."""

    def __init__(self, exporters: List[InMemoryExporter]) -> None:
        super().__init__(exporters)
        self.stopped_through_subclass: List[str] = []

    def stop(self, span, stop_event_attributes=None, stop_time=None):
        self.stopped_through_subclass.append(span.name_str)
        if span.active:
            self.event(span, Event.create("closing"))  # the recorder is still usable while close() ends spans
        super().stop(span, stop_event_attributes=stop_event_attributes, stop_time=stop_time)


def test_close_ends_open_spans_through_self_stop_innermost_first():
    exporter = InMemoryExporter()
    recorder = StopRecordingRecorder([exporter])
    outer = recorder.start("outer")
    recorder.start("middle")
    recorder.start("inner")
    recorder.close()
    assert recorder.stopped_through_subclass == ["inner", "middle", "outer"]
    assert not outer.active and recorder.closed
    assert [s.name_str for s in exporter.stopped_spans] == ["inner", "middle", "outer"]
    assert [e.name_str for e in outer.events][1] == "closing"
    recorder.close()  # later calls are no-ops
    assert recorder.stopped_through_subclass == ["inner", "middle", "outer"]
    with pytest.raises(OneLoggerError, match="closed"):
        recorder.start("after close")


def test_event_on_stopped_span_message_starts_with_the_2_3_1_text():
    recorder = DefaultRecorder([InMemoryExporter()])
    span = recorder.start("done")
    recorder.stop(span)
    with pytest.raises(OneLoggerError, match=r"^Cannot add an event to a span that is not running\."):
        recorder.event(span, Event.create("late"))
    with pytest.raises(OneLoggerError, match=r"^Cannot add an event to a span that is not running\."):
        recorder.error(span, "late")


def test_telemetry_data_error_is_sent_once_per_exporter_with_the_type_it_deserves():
    idle, busy = InMemoryExporter(), InMemoryExporter()
    idle_recorder, busy_recorder = DefaultRecorder([idle]), DefaultRecorder([busy])
    busy_recorder.start("exported before the data error")
    for recorder in (idle_recorder, busy_recorder):
        recorder.telemetry_data_error("lost the first minutes", {"minutes": 3})
        recorder.telemetry_data_error("and more")  # not sent again
    (idle_error,) = idle.telemetry_data_errors
    (busy_error,) = busy.telemetry_data_errors
    assert idle_error.error_type is TelemetryDataError.ErrorType.NO_TELEMETRY_DATA
    assert busy_error.error_type is TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
    assert busy_error.error_message == "lost the first minutes"
    assert busy_error.attributes.get_int_value("minutes") == 3


def test_telemetry_data_error_after_an_exporter_fault_is_not_sent_twice():
    failing = FailingExporter(failing=("export_event",))
    healthy = InMemoryExporter()
    recorder = DefaultRecorder([failing, healthy])
    span = recorder.start("s")
    recorder.event(span, Event.create("e"))  # ``failing`` fails once and gets its data error now
    recorder.telemetry_data_error("gap")
    assert len(failing.telemetry_data_errors) == 1
    assert [e.error_type for e in healthy.telemetry_data_errors] == [
        TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
    ]


def test_exporter_initialized_by_the_caller_and_the_recorder_stays_ready():
    exporter = InMemoryExporter()
    exporter.initialize()  # what 2.3.1 programs do before handing the exporter over
    recorder = DefaultRecorder([exporter])
    recorder.stop(recorder.start("s"))
    assert exporter.method_names() == ["initialize", "export_start", "export_stop"]
    assert recorder.exporter_slots[0].disabled is False
    exporter.close()
    with pytest.raises(ExportError, match=r"^Exporter is closed and cannot be used anymore\."):
        exporter.initialize()


def test_2_3_1_names_are_views_of_the_recorder_state():
    exporters = [InMemoryExporter(), InMemoryExporter()]
    recorder = DefaultRecorder(exporters, ExportCustomizationMode.BLACKLIST_SPANS, span_name_filter=["noisy"])
    first = recorder.start("first")
    second = recorder.start("second")
    assert list(recorder._spans) == [first.id, second.id] and recorder._spans[first.id] is first
    assert all(isinstance(key, uuid.UUID) for key in recorder._spans)
    recorder.stop(second)
    assert list(recorder._spans) == [first.id]
    assert recorder._exporters == exporters
    assert recorder._export_customization_mode is ExportCustomizationMode.BLACKLIST_SPANS
    assert recorder._span_name_filter == ["noisy"]
    assert default_recorder._DISABLE_EXPORTER_AFTER_N_FAILURES == 5


def test_exporter_is_disabled_after_the_2_3_1_number_of_failures():
    failing = FailingExporter(failing=("export_start",))
    recorder = DefaultRecorder([failing])
    for _ in range(default_recorder._DISABLE_EXPORTER_AFTER_N_FAILURES + 3):
        recorder.start("s")
    assert failing.attempts == default_recorder._DISABLE_EXPORTER_AFTER_N_FAILURES
    assert recorder.exporter_slots[0].disabled


def _config(**kwargs):
    values = {"application_name": "app", "world_size_or_fn": 1, "session_tag_or_fn": "s"}
    values.update(kwargs)
    return OneLoggerConfig(**values)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"application_name": "  "}, "application_name cannot be empty or whitespace-only"),
        ({"custom_metadata": {" ": 1}}, "custom_metadata keys must be non-empty strings"),
        ({"world_size_or_fn": 0}, "world_size must be set to a positive value"),
    ],
)
def test_config_messages_contain_the_2_3_1_text(kwargs, text):
    with pytest.raises(Exception, match=text):
        _config(**kwargs)


def test_world_size_callable_message():
    config = _config(world_size_or_fn=lambda: 0)
    with pytest.raises(OneLoggerError, match=r"^world_size must be set to a positive value"):
        _ = config.world_size


def test_disabled_rank_logs_one_warning_naming_the_rank(monkeypatch, caplog):
    monkeypatch.setenv("RANK", "7")
    caplog.set_level(logging.WARNING, logger="nv_one_logger")
    _config(enable_for_current_rank=False)
    records = [r for r in caplog.records if r.name == "nv_one_logger.api.config"]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    assert "rank 7" in records[0].getMessage()
    caplog.clear()
    _config()
    assert caplog.records == []


def test_provider_direct_call_and_reconfigure_messages():
    with pytest.raises(TypeError, match=r"^OneLoggerProvider cannot be instantiated directly\."):
        OneLoggerProvider()
    provider = OneLoggerProvider.instance()
    provider.configure(_config(), DefaultRecorder([]))
    with pytest.raises(OneLoggerError, match=r"^OneLoggerProvider already configured!"):
        provider.configure(_config(), DefaultRecorder([]))


def test_clearing_singleton_instances_gives_an_unconfigured_provider():
    provider = OneLoggerProvider.instance()
    provider.configure(_config(enable_for_current_rank=False), DefaultRecorder([]))
    SingletonMeta._instances.clear()  # how some 2.3.1 suites reset between tests
    fresh = OneLoggerProvider.instance()
    assert fresh is not provider and not fresh.one_logger_ready
    recorder = DefaultRecorder([])
    span = recorder.start("works again")  # the library is not left disabled by the old provider
    assert isinstance(span, Span)


def test_a_forked_child_can_close_although_the_parent_was_closing():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    recorder._closing = True  # another parent thread was inside close() at the moment of the fork
    recorder._after_fork_in_child()
    recorder.close()
    assert recorder.closed and exporter.method_names()[-1] == "close"
