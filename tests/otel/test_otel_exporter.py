"""OTelExporter on an in-memory span exporter (no network): event bounds, parents, ids, lifecycle."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import ExportError
from nv_one_logger.otel import ids
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.live_calls import StartCall, StopCall
from nv_one_logger.otel.live_spans import LiveSpanTranslator
from nv_one_logger.recorder.default_recorder import DefaultRecorder, ExportCustomizationMode
from tests.support.exporter_calls import export_complete_span


@pytest.fixture
def memory():
    return InMemorySpanExporter()


def _exporter(memory, **kwargs) -> OTelExporter:
    exporter = OTelExporter(memory, schedule_delay_ms=60_000, **kwargs)
    exporter.initialize()
    return exporter


def _real(memory):
    return {s.name: s for s in memory.get_finished_spans() if "one_logger.marker" not in s.attributes}


def _markers(memory, kind):
    return [s for s in memory.get_finished_spans() if s.attributes.get("one_logger.marker") == kind]


def test_long_span_final_events_are_bounded_and_markers_carry_every_event(memory, monkeypatch):
    monkeypatch.setenv("OTEL_SPAN_EVENT_COUNT_LIMIT", "10")
    exporter = _exporter(memory)
    span = Span.create("train")
    exporter.export_start(span)
    assert exporter.force_flush(5)
    for i in range(200):
        event = Event.create("step", Attributes({"i": i}))
        span.add_event(event)
        exporter.export_event(event, span)
    span.stop()
    exporter.export_stop(span)
    exporter.close()

    final = _real(memory)["train"]
    assert [e.name for e in final.events] == ["step"] * 8
    assert [e.attributes["i"] for e in final.events] == list(range(192, 200))
    assert final.dropped_events == 0  # not dropped: the older ones went out in event markers
    in_markers = [e.attributes["i"] for m in _markers(memory, "event") for e in m.events]
    assert sorted(in_markers) == list(range(192))  # together with the final span: every event exactly once
    assert all(len(m.events) <= 10 for m in _markers(memory, "event"))


def test_child_of_a_recently_stopped_parent_keeps_its_parent(memory):
    exporter = _exporter(memory)
    parent = Span.create("parent")
    exporter.export_start(parent)
    child = Span.create("late-child", parent_span=parent)
    parent.stop()
    exporter.export_stop(parent)
    assert exporter.force_flush(5)
    exporter.export_start(child)  # starts after its parent ended (e.g. an async task)
    child.stop()
    exporter.export_stop(child)
    exporter.close()
    spans = _real(memory)
    assert spans["late-child"].parent.span_id == spans["parent"].context.span_id
    assert spans["late-child"].context.trace_id == spans["parent"].context.trace_id


def test_span_whose_parent_is_not_exported_is_a_root_of_the_same_trace(memory):
    exporter = OTelExporter(memory, schedule_delay_ms=60_000)
    recorder = DefaultRecorder(
        [exporter], export_customization_mode=ExportCustomizationMode.BLACKLIST_SPANS, span_name_filter=["hidden"]
    )
    app = recorder.start("application")
    hidden = recorder.start("hidden", parent_span=app)
    visible = recorder.start("visible", parent_span=hidden)
    for span in (visible, hidden, app):
        recorder.stop(span)
    recorder.close()
    spans = _real(memory)
    assert set(spans) == {"application", "visible"}
    assert spans["visible"].parent.span_id == spans["application"].context.span_id  # nearest exported ancestor


def test_telemetry_data_error_after_the_root_was_exported_is_its_own_flagged_root(memory):
    exporter = _exporter(memory)
    export_complete_span(exporter, "application")
    assert exporter.force_flush(5)  # the root is exported before the error is reported
    exporter.export_telemetry_data_error(
        TelemetryDataError.create(TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "late")
    )
    exporter.close()
    spans = _real(memory)
    error = spans["telemetry_data_error"]
    assert error.parent is None
    assert error.context.trace_id == spans["application"].context.trace_id
    assert error.attributes["one_logger.telemetry_data_error"] is True
    assert error.attributes["one_logger.telemetry_data_error.type"] == "no_telemetry_data"
    assert "one_logger.telemetry_data_error" not in spans["application"].attributes


def test_root_exported_in_the_same_batch_as_a_telemetry_data_error_is_flagged(memory):
    exporter = _exporter(memory)
    export_complete_span(exporter, "application")
    exporter.export_telemetry_data_error(
        TelemetryDataError.create(TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost a batch")
    )
    exporter.close()
    assert _real(memory)["application"].attributes["one_logger.telemetry_data_error"] is True


def test_deterministic_ids_derive_from_one_logger_uuids(memory):
    exporter = _exporter(memory, deterministic_ids=True)
    root = Span.create("application")
    child = Span.create("train", parent_span=root)
    for span in (root, child):
        exporter.export_start(span)
    for span in (child, root):
        span.stop()
        exporter.export_stop(span)
    exporter.close()
    spans = _real(memory)
    assert spans["application"].context.span_id == ids.span_id_from_uuid(root.id)
    assert spans["train"].context.span_id == ids.span_id_from_uuid(child.id)
    assert spans["train"].parent.span_id == ids.span_id_from_uuid(root.id)
    assert {s.context.trace_id for s in memory.get_finished_spans()} == {ids.trace_id_from_uuid(root.id)}


def test_stop_of_a_span_whose_start_was_lost_still_makes_a_complete_span():
    translator = LiveSpanTranslator(Resource({}), ids.IdScheme())
    span = Span.create("orphan", span_attributes=Attributes({"k": 1}))
    span.stop()
    (otel,) = translator.process([StopCall((span,))])
    assert otel.name == "orphan"
    assert [e.name for e in otel.events] == []  # the span's own start and end time are those events
    assert otel.attributes["k"] == 1 and "duration_msec" not in otel.attributes


def test_legacy_fields_keep_the_start_stop_events_and_repeated_fields():
    translator = LiveSpanTranslator(Resource({}), ids.IdScheme(), legacy_fields=True)
    span = Span.create("orphan", span_attributes=Attributes({"k": 1}))
    span.add_event(Event.create("tick"))
    span.stop()
    (otel,) = translator.process([StopCall((span,))])
    assert [e.name for e in otel.events] == ["span_start", "span_stop"]
    assert all("timestamp_msec" in e.attributes for e in otel.events)
    assert otel.attributes["duration_msec"] == span.attributes.get_int_value("duration_msec")


def test_lifecycle_is_checked(memory):
    exporter = OTelExporter(memory)
    span = Span.create("x")
    with pytest.raises(ExportError):
        exporter.export_start(span)
    exporter.initialize()
    exporter.close()
    exporter.close()  # idempotent
    with pytest.raises(ExportError):
        exporter.export_start(span)
    assert exporter.force_flush() is True


@pytest.mark.parametrize(
    "kwargs",
    [{"shutdown_timeout_s": 0}, {"shutdown_timeout_s": "5"}, {"max_queue_size": 0}, {"schedule_delay_ms": True}],
)
def test_bad_settings_are_refused(memory, kwargs):
    with pytest.raises(OneLoggerError):
        OTelExporter(memory, **kwargs)


def test_config_value_that_fails_is_skipped_not_fatal(memory):
    class ConfigWithBrokenWorldSize:
        application_name = "app"
        session_tag = "s"
        is_baseline_run = False

        @property
        def world_size(self):
            raise RuntimeError("torch.distributed is not initialized")

    exporter = _exporter(memory, one_logger_config=ConfigWithBrokenWorldSize())
    export_complete_span(exporter, "application")
    exporter.close()
    resource = _real(memory)["application"].resource.attributes
    assert resource["service.name"] == "app"
    assert resource["one_logger.session_tag"] == "s"
    assert "one_logger.world_size" not in resource


def test_a_long_open_span_gets_one_start_marker_also_without_event_markers():
    translator = LiveSpanTranslator(Resource({}), ids.IdScheme(), event_markers=False, liveness_threshold_s=0)
    span = Span.create("long")
    out = translator.process([StartCall((span, None))])
    for _ in range(3):  # later cycles without calls
        out += translator.process([])
    event = Event.create("tick")
    span.add_event(event)
    out += translator.process([(span, event)])  # an EventCall
    span.stop()
    out += translator.process([StopCall((span,))])
    names = [s.name for s in out]
    assert names == ["long [started]", "long"]  # no marker repeated, no event marker
    assert [e.name for e in out[-1].events] == ["tick"]  # the event stays with the final span
