"""Liveness: a started span and its events reach the collector while the span is still open (and survive SIGKILL)."""

from __future__ import annotations

import signal

import pytest

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.environment import otlp_env, set_otel_env
from tests.support.otel_job import configure_job
from tests.support.processes import AppProcess
from tests.support.received_spans import by_name, marker_of, real_spans

pytestmark = pytest.mark.collector


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_open_span_and_its_events_are_visible_before_it_ends(rotel, otlp_sink, monkeypatch, protocol):
    endpoint = rotel.grpc_endpoint if protocol == "grpc" else rotel.http_endpoint
    set_otel_env(monkeypatch, otlp_env(endpoint, protocol))
    job = configure_job(OTelExporter())
    recorder = get_recorder()
    with timed_span("application"), timed_span("train", span_attributes=Attributes({"epochs": 2})) as train:
        train_id = str(train.id)
        recorder.event(train, Event.create("epoch_done", Attributes({"epoch": 0})))
        # Still inside the span: the markers must arrive on their own, within about one batch delay.
        (start,) = otlp_sink.wait_for_spans(
            lambda s: s.attributes.get("one_logger.marker") == "span_start" and s.name == "train [started]"
        )
        otlp_sink.wait_for_spans(lambda s: s.attributes.get("one_logger.marker") == "event")
        assert not [s for s in otlp_sink.spans() if s.name == "train"], "the real span cannot exist yet"
        recorder.event(train, Event.create("epoch_done", Attributes({"epoch": 1})))
        otlp_sink.wait_for_spans(lambda s: s.attributes.get("one_logger.marker") == "event", count=2)
    job.recorder.close()
    otlp_sink.wait_for_spans(lambda s: s.name == "application")
    real_train = by_name(real_spans(otlp_sink.spans()))["train"]
    everything = otlp_sink.spans()

    # The start marker: zero length at the real start, child of the real span, with the span's attributes.
    assert start.parent_span_id == real_train.span_id
    assert start.trace_id == real_train.trace_id
    assert start.start_time_unix_nano == start.end_time_unix_nano == real_train.start_time_unix_nano
    assert start.attributes["epochs"] == 2
    assert start.attributes["one_logger.span.id"] == train_id
    assert start.event_names() == []  # the marker's own time is the start: no span_start event repeats it
    # Event markers carry every event once, as children of the real span.
    event_markers = marker_of(everything, "event", train_id)
    carried = [e.attributes["epoch"] for m in event_markers for e in m.events]
    assert sorted(carried) == [0, 1]
    assert all(m.parent_span_id == real_train.span_id for m in event_markers)
    # The one complete span has its own id that no marker reuses; the events were streamed, so it does not
    # carry them again (each event is exported exactly once).
    assert real_train.event_names() == []
    assert real_train.span_id not in {m.span_id for m in everything if m.is_marker}


def test_short_spans_get_no_markers(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", OTEL_BSP_SCHEDULE_DELAY="60000"))
    job = configure_job(OTelExporter())
    with timed_span("application"):
        for _ in range(20):
            with timed_span("step") as step:
                get_recorder().event(step, Event.create("tick"))
    job.recorder.close()
    otlp_sink.wait_for_spans(lambda s: s.name == "application")
    spans = otlp_sink.spans()
    assert len([s for s in spans if s.name == "step"]) == 20
    assert not [s for s in spans if s.is_marker]


def test_markers_can_be_switched_off(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc"))
    job = configure_job(OTelExporter(start_markers=False, event_markers=False))
    with timed_span("application") as app:
        get_recorder().event(app, Event.create("tick"))
        assert job.otel.force_flush(10)
    job.recorder.close()
    otlp_sink.wait_for_spans(lambda s: s.name == "application")
    assert not [s for s in otlp_sink.spans() if s.is_marker]


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_span_open_at_sigkill_already_at_the_collector(rotel, otlp_sink, tmp_path, protocol):
    endpoint = rotel.grpc_endpoint if protocol == "grpc" else rotel.http_endpoint
    app = AppProcess("env_only_app", ["hang"], otlp_env(endpoint, protocol), cwd=tmp_path, package="tests.otel")
    try:
        train_id = app.wait_for_line("TRAIN", timeout=120).value
        app.wait_for_line("HANG", timeout=120)
        # The app never flushes by itself: what arrives, arrives through the liveness scheme.
        otlp_sink.wait_for_spans(lambda s: s.name == "train [started]", timeout=60)
        otlp_sink.wait_for_spans(lambda s: s.name == "train [events]", timeout=60)
        otlp_sink.wait_for_spans(lambda s: s.name == "evaluate", timeout=60)
    finally:
        app.kill()
    assert app.proc.returncode == -signal.SIGKILL
    spans = otlp_sink.spans()
    (start,) = marker_of(spans, "span_start", train_id)
    assert start.attributes["epochs"] == 3
    steps = sorted(e.attributes["step"] for m in marker_of(spans, "event", train_id) for e in m.events)
    assert steps == [0, 1, 2]
    assert [s.name for s in spans if s.name in ("train", "application")] == []  # never ended
    (evaluate,) = [s for s in spans if s.name == "evaluate"]
    assert evaluate.parent_span_id == start.parent_span_id  # the (lost) train span: same id the markers name
    assert start.resource["service.name"] == "env-only-app"
