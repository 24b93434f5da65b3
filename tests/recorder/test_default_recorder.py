import pytest

from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span, StandardSpanName
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.recorder.default_recorder import DefaultRecorder, ExportCustomizationMode
from nv_one_logger.testing import InMemoryExporter

WHITELIST = ExportCustomizationMode.WHITELIST_SPANS
BLACKLIST = ExportCustomizationMode.BLACKLIST_SPANS


class _TrainingAttributes(Attributes):
    pass


def test_recorder_abc_has_exactly_the_spec_abstract_methods():
    assert Recorder.__abstractmethods__ == {"start", "stop", "event", "error", "telemetry_data_error", "close"}
    with pytest.raises(TypeError):
        Recorder()


def test_constructor_initializes_every_exporter():
    exporters = [InMemoryExporter(), InMemoryExporter()]
    recorder = DefaultRecorder(exporters)
    assert all(exporter.ready for exporter in exporters)
    assert recorder.exporters == exporters


def test_full_lifecycle_is_fanned_out_to_every_exporter():
    first, second = InMemoryExporter(), InMemoryExporter()
    recorder = DefaultRecorder([first, second])
    start_time = TracingTimestamp.now()
    span = recorder.start(
        "train",
        span_attributes=Attributes({"lr": 0.1}),
        start_event_attributes=Attributes({"phase": "warmup"}),
        start_time=start_time,
    )
    event = recorder.event(span, Event.create("loss", Attributes({"value": 1.5})))
    try:
        raise ValueError("bad batch")
    except ValueError as exc:
        error = recorder.error(span, "batch failed", exc)
    recorder.telemetry_data_error("lost 3 records", Attributes({"lost": 3}))
    recorder.stop(span, stop_event_attributes=Attributes({"reason": "done"}))

    for exporter in (first, second):
        assert exporter.method_names() == [
            "initialize",
            "export_start",
            "export_event",
            "export_error",
            "export_telemetry_data_error",
            "export_stop",
        ]
        assert exporter.started_spans == [span] and exporter.stopped_spans == [span]
        assert exporter.events == [(event, span)]
        assert exporter.errors == [(error, span)]
    assert span.start_event.timestamp == start_time
    assert span.attributes.get_float_value("lr") == 0.1
    assert span.start_event.attributes.get_str_value("phase") == "warmup"
    assert span.stop_event.attributes.get_str_value("reason") == "done"
    assert span.attributes.get_int_value("duration_msec") >= 0
    assert isinstance(error, ErrorEvent)
    assert error.exception_type == "ValueError" and error.exception_message == "bad batch"
    assert "raise ValueError" in error.exception_traceback
    assert error.error_message == "batch failed"
    data_error = first.telemetry_data_errors[0]
    assert data_error.error_type == TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA
    assert data_error.error_message == "lost 3 records"
    assert data_error.attributes.get_int_value("lost") == 3
    assert [e.name_str for e in span.events] == ["span_start", "loss", "error", "span_stop"]


def test_dict_attributes_and_enum_names_are_accepted():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start(StandardSpanName.APPLICATION, span_attributes={"rank": 0})
    assert span.name_str == "application"
    assert span.attributes.get_int_value("rank") == 0


def test_attributes_subclass_is_kept():
    recorder = DefaultRecorder([InMemoryExporter()])
    span = recorder.start("s", span_attributes=_TrainingAttributes({"x": 1}))
    assert type(span.attributes) is _TrainingAttributes


def test_event_with_error_event_is_exported_as_error():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("s")
    error = ErrorEvent.create("by hand")
    assert recorder.event(span, error) is error
    assert exporter.errors == [(error, span)] and exporter.events == []


def test_explicit_parent_span():
    recorder = DefaultRecorder([InMemoryExporter()])
    root = recorder.start("root")
    other = recorder.start("other")
    child = recorder.start("child", parent_span=root)
    assert child.parent_span is root
    assert other.parent_span is root  # implicit: innermost open span of the context
    grandchild = recorder.start("grandchild")
    assert grandchild.parent_span is child  # the explicitly parented span is now the innermost one


def test_get_active_spans_by_name():
    recorder = DefaultRecorder([InMemoryExporter()])
    first = recorder.start("step")
    other = recorder.start("other")
    second = recorder.start("step", parent_span=other)
    assert recorder.get_active_spans_by_name("step") == [first, second]
    assert recorder.get_active_spans_by_name("missing") == []
    recorder.stop(second)
    assert recorder.get_active_spans_by_name("step") == [first]
    assert recorder.get_active_spans_by_name(StandardSpanName.APPLICATION) == []


def test_close_stops_open_spans_newest_first_then_closes_exporters():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    outer = recorder.start("outer")
    inner = recorder.start("inner")
    done = recorder.start("done", parent_span=outer)
    recorder.stop(done)
    recorder.close()
    assert exporter.stopped_spans == [done, inner, outer]
    assert exporter.method_names()[-1] == "close" and exporter.closed
    assert not outer.active and not inner.active
    assert recorder.closed
    recorder.close()  # later calls are no-ops
    assert exporter.method_names().count("close") == 1


def test_close_does_not_warn_about_order(caplog):
    recorder = DefaultRecorder([InMemoryExporter()])
    recorder.start("outer")
    recorder.start("inner")
    recorder.close()
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []


def test_span_stopped_directly_is_finished_by_recorder_stop():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("s")
    span.stop()
    recorder.stop(span)
    assert exporter.stopped_spans == [span]
    assert recorder.get_active_spans_by_name("s") == []


# ---------------------------------------------------------------------------------------------- filters


def test_whitelist_exports_only_listed_spans_but_tracks_all():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter], WHITELIST, ["train"])
    hidden = recorder.start("data_loading")
    recorder.event(hidden, Event.create("hidden_event"))
    recorder.error(hidden, "hidden error")
    shown = recorder.start("train")
    recorder.event(shown, Event.create("shown_event"))
    assert shown.parent_span is hidden  # filtered spans are still tracked as parents
    assert recorder.get_active_spans_by_name("data_loading") == [hidden]
    recorder.stop(shown)
    recorder.stop(hidden)
    assert exporter.started_spans == [shown] and exporter.stopped_spans == [shown]
    assert [event.name_str for event, _ in exporter.events] == ["shown_event"]
    assert exporter.errors == []
    assert not hidden.active and [e.name_str for e in hidden.events][-1] == "span_stop"


def test_blacklist_exports_all_but_listed_spans():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter], BLACKLIST, [StandardSpanName.APPLICATION, "noisy"])
    app = recorder.start("application")
    noisy = recorder.start("noisy")
    kept = recorder.start("kept")
    recorder.error(noisy, "not exported")
    recorder.close()
    assert exporter.started_spans == [kept] and exporter.stopped_spans == [kept]
    assert exporter.errors == []
    assert not app.active


def test_telemetry_data_errors_are_never_filtered():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter], WHITELIST, ["x"])
    recorder.telemetry_data_error("gap")
    assert len(exporter.telemetry_data_errors) == 1


@pytest.mark.parametrize(
    ("mode", "span_filter", "match"),
    [
        (ExportCustomizationMode.EXPORT_ALL_SPANS, ["a"], "must be None"),
        (WHITELIST, None, "non-empty"),
        (WHITELIST, [], "non-empty"),
        (BLACKLIST, "train", "non-empty list"),
        (BLACKLIST, [""], "blank"),
        ("whitelist", ["a"], "ExportCustomizationMode"),
    ],
)
def test_invalid_filter_configuration_raises(mode, span_filter, match):
    with pytest.raises(OneLoggerError, match=match):
        DefaultRecorder([InMemoryExporter()], mode, span_filter)


@pytest.mark.parametrize(("exporters", "match"), [(None, "list of Exporter"), ([object()], r"exporters\[0\]")])
def test_invalid_exporters_raise(exporters, match):
    with pytest.raises(OneLoggerError, match=match):
        DefaultRecorder(exporters)


def test_recorder_used_directly_without_provider_propagates_errors():
    recorder = DefaultRecorder([InMemoryExporter()])
    span = recorder.start("s")
    recorder.stop(span)
    with pytest.raises(OneLoggerError, match="already stopped"):
        recorder.stop(span)


def test_an_excluded_span_leaves_no_bookkeeping_once_stopped():
    # The recorder, not the span, remembers which open spans its filter excludes. Freed spans' memory is
    # reused by later ones: a forgotten exclusion would silently drop some of the later "keep" spans.
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter], BLACKLIST, ["skip"])
    for _ in range(50):
        recorder.stop(recorder.start("skip"))
        recorder.stop(recorder.start("keep"))
    assert [span.name_str for span in exporter.started_spans] == ["keep"] * 50
    assert [span.name_str for span in exporter.stopped_spans] == ["keep"] * 50


def test_a_copy_of_an_open_span_is_not_the_recorders_span():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("train")
    copy = Span.from_json(span.to_json())
    assert copy == span and copy is not span
    with pytest.raises(OneLoggerError, match="not started by this recorder"):
        recorder.stop(copy)
    recorder.stop(span)  # the recorder's own span is still open and tracked
    assert exporter.stopped_spans == [span] and exporter.stopped_spans[0] is span


def test_an_event_on_a_span_stopped_directly_is_refused_and_its_stop_still_exported():
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("train")
    span.stop()  # not through the recorder
    with pytest.raises(OneLoggerError, match=r"Cannot add an event to a span that is not running\..*already stopped"):
        recorder.event(span, Event.create("late"))
    recorder.stop(span)  # finishes the bookkeeping and exports the stop
    assert exporter.method_names() == ["initialize", "export_start", "export_stop"]
    assert [event.name_str for event in span.events] == ["span_start", "span_stop"]
