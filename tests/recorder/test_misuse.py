"""Every kind of misuse / invalid input, under both error-handling strategies."""

import logging
import time

import pytest

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.core.event import Event
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, configure_recorder
from tests.support.log_records import library_records


def _stop_twice(recorder):
    span = recorder.start("twice")
    recorder.stop(span)
    recorder.stop(span)


def _stop_unknown(recorder):
    recorder.stop(Span.create("foreign"))


def _event_on_stopped(recorder):
    span = recorder.start("finished")
    recorder.stop(span)
    recorder.event(span, Event.create("late"))


def _error_on_stopped(recorder):
    span = recorder.start("finished")
    recorder.stop(span)
    recorder.error(span, "late error")


def _event_on_unknown(recorder):
    recorder.event(Span.create("foreign"), Event.create("e"))


def _call_after_close(recorder):
    recorder.close()
    recorder.start("after close")


def _bad_span_attribute_none(recorder):
    recorder.start("s", span_attributes={"learning_rate": None})


def _bad_span_attribute_nested(recorder):
    recorder.start("s", span_attributes={"optimizer": {"lr": 0.1}})


def _bad_span_attributes_type(recorder):
    recorder.start("s", span_attributes=["lr", 0.1])


def _bad_start_event_attribute(recorder):
    recorder.start("s", start_event_attributes={"mixed": [1, "a"]})


def _bad_stop_event_attribute(recorder):
    span = recorder.start("s")
    recorder.stop(span, stop_event_attributes={"blob": b"bytes"})


def _bad_telemetry_error_attribute(recorder):
    recorder.telemetry_data_error("gap", {"missing": None})


def _blank_span_name(recorder):
    recorder.start("   ")


def _span_name_wrong_type(recorder):
    recorder.start(42)


def _event_not_an_event(recorder):
    span = recorder.start("s")
    recorder.event(span, "loss")


def _stop_not_a_span(recorder):
    recorder.stop("train")


def _parent_not_a_span(recorder):
    recorder.start("child", parent_span="root")


def _error_message_not_str(recorder):
    span = recorder.start("s")
    recorder.error(span, 123)


def _stop_time_before_start(recorder):
    span = recorder.start("s")
    earlier = TracingTimestamp.for_timestamp(time.time() - 60, perf_counter=time.perf_counter() - 60)
    recorder.stop(span, stop_time=earlier)


def _active_spans_bad_name(recorder):
    recorder.get_active_spans_by_name(None)


def _timed_span_bad_attributes(recorder):
    with timed_span("block", span_attributes={"weights": object()}):
        pass


CASES = [
    (_stop_twice, "already stopped"),
    (_stop_unknown, "not started by this recorder"),
    (_event_on_stopped, "already stopped"),
    (_error_on_stopped, "already stopped"),
    (_event_on_unknown, "not started by this recorder"),
    (_call_after_close, "closed"),
    (_bad_span_attribute_none, "learning_rate"),
    (_bad_span_attribute_nested, "optimizer"),
    (_bad_span_attributes_type, "list"),
    (_bad_start_event_attribute, "mixed"),
    (_bad_stop_event_attribute, "blob"),
    (_bad_telemetry_error_attribute, "missing"),
    (_blank_span_name, "blank"),
    (_span_name_wrong_type, "int"),
    (_event_not_an_event, "expects an Event"),
    (_stop_not_a_span, "expects a Span"),
    (_parent_not_a_span, "parent_span"),
    (_error_message_not_str, "error_message"),
    (_stop_time_before_start, "before its start"),
    (_active_spans_bad_name, "span_name"),
    (_timed_span_bad_attributes, "weights"),
]
IDS = [case.__name__.lstrip("_") for case, _ in CASES]
DATA_CASES = [
    _bad_span_attribute_none,
    _bad_span_attribute_nested,
    _bad_span_attributes_type,
    _bad_start_event_attribute,
    _bad_stop_event_attribute,
    _bad_telemetry_error_attribute,
    _blank_span_name,
    _span_name_wrong_type,
    _error_message_not_str,
    _active_spans_bad_name,
    _timed_span_bad_attributes,
]
"""Bad values passed as data: under the quiet strategy they are left out or converted, reported, and recording
goes on (see nv_one_logger.core.internal.bad_data); under PROPAGATE_EXCEPTIONS they raise like misuse."""
MISUSE_CASES = [(case, match) for case, match in CASES if case not in DATA_CASES]
MISUSE_IDS = [case.__name__.lstrip("_") for case, _ in MISUSE_CASES]
DATA_MATCH = dict(CASES)


@pytest.mark.parametrize(("misuse", "match"), CASES, ids=IDS)
def test_misuse_under_propagate_raises_one_logger_error_naming_the_problem(misuse, match):
    recorder = configure_recorder(PROPAGATE, InMemoryExporter())
    with pytest.raises(OneLoggerError, match=match):
        misuse(recorder)
    assert OneLoggerProvider.instance().one_logger_enabled  # PROPAGATE never disables the library


@pytest.mark.parametrize(("misuse", "match"), MISUSE_CASES, ids=MISUSE_IDS)
def test_misuse_under_disable_logs_once_reports_and_disables(misuse, match, caplog):
    first, second = InMemoryExporter(), InMemoryExporter()
    recorder = configure_recorder(DISABLE, first, second)
    misuse(recorder)  # no exception reaches the application

    errors = library_records(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert match in errors[0].getMessage()
    expected_reports = 0 if misuse is _call_after_close else 1  # closed exporters cannot take one
    for exporter in (first, second):
        assert len(exporter.telemetry_data_errors) == expected_reports
        if expected_reports:
            assert match in exporter.telemetry_data_errors[0].error_message
    assert OneLoggerProvider.instance().one_logger_enabled is False

    # Later calls are cheap no-ops: nothing exported, nothing logged, no exception.
    calls_before = [len(first.calls), len(second.calls)]
    records_before = len(caplog.records)
    span = recorder.start("later")
    assert span is None
    recorder.event(span, Event.create("later"))
    recorder.error(span, "later")
    recorder.stop(span)
    recorder.telemetry_data_error("later")
    misuse(recorder)
    with timed_span("later block") as block_span:
        assert block_span is None
    assert [len(first.calls), len(second.calls)] == calls_before
    assert len(caplog.records) == records_before


def test_disable_report_type_depends_on_what_each_exporter_already_exported(caplog):
    from nv_one_logger.core.event import TelemetryDataError

    early = InMemoryExporter()
    recorder = configure_recorder(DISABLE, early)
    recorder.start("exported")
    # A second recorder that never exported anything, used directly while the provider is configured.
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

    direct = DefaultRecorder([InMemoryExporter()])
    direct.stop(Span.create("foreign"))
    assert early.telemetry_data_errors[0].error_type == TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
    direct_exporter = direct.exporters[0]
    assert direct_exporter.telemetry_data_errors[0].error_type == TelemetryDataError.ErrorType.NO_TELEMETRY_DATA
    assert len(library_records(caplog)) == 1


def test_exception_inside_timed_span_is_not_misuse_under_either_strategy(caplog):
    for strategy in (PROPAGATE, DISABLE):
        from nv_one_logger.testing import reset_one_logger

        reset_one_logger()
        exporter = InMemoryExporter()
        configure_recorder(strategy, exporter)
        with pytest.raises(KeyError), timed_span("block"):
            raise KeyError("app bug")
        assert OneLoggerProvider.instance().one_logger_enabled
        assert exporter.telemetry_data_errors == []
        assert len(exporter.errors) == 1
    assert library_records(caplog) == []


@pytest.mark.parametrize("bad_data", DATA_CASES, ids=[case.__name__.lstrip("_") for case in DATA_CASES])
def test_bad_data_under_disable_is_reported_once_and_recording_goes_on(bad_data, caplog):
    first, second = InMemoryExporter(), InMemoryExporter()
    recorder = configure_recorder(DISABLE, first, second)
    bad_data(recorder)  # no exception reaches the application
    bad_data(recorder)

    assert not library_records(caplog)  # no ERROR: the library did not fail
    warnings = [r for r in library_records(caplog, logging.WARNING) if "could not record a value" in r.getMessage()]
    assert len(warnings) == 1 and DATA_MATCH[bad_data] in warnings[0].getMessage()
    for exporter in (first, second):
        assert len(exporter.telemetry_data_errors) == 1  # once per kind of bad value, not per occurrence
        assert DATA_MATCH[bad_data] in exporter.telemetry_data_errors[0].error_message
    assert OneLoggerProvider.instance().one_logger_enabled
    with timed_span("later block") as block_span:
        assert block_span is not None
    assert "later block" in [span.name_str for span in first.stopped_spans]
