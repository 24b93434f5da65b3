"""Every row of the mapping table (docs/otel.md, "Mapping"), checked on what rotel received (both protocols)."""

from __future__ import annotations

import os

import pytest

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.environment import otlp_env, set_otel_env
from tests.support.otel_job import configure_job
from tests.support.received_spans import by_name, real_spans

pytestmark = pytest.mark.collector

SPAN_KIND_INTERNAL = 1
STATUS_ERROR = 2
EXPECTED = {"application", "train", "step", "validate", "telemetry_data_error"}


def ns(seconds: float) -> int:
    """A OneLogger timestamp (seconds) as OTLP's nanoseconds."""
    return round(seconds * 1e9)


def _run_job(job) -> None:
    recorder = get_recorder()
    with timed_span("application", span_attributes=Attributes({"job.kind": "pretrain"})):
        train = recorder.start(
            "train",
            span_attributes=Attributes({"lr": 0.5, "huge": 2**70}),
            start_event_attributes=Attributes({"phase": "begin"}),
        )
        recorder.event(train, Event.create("checkpoint", Attributes({"step": 3, "loss": 0.25, "tags": ["a", "b"]})))
        with timed_span("step"):
            pass
        train.add_attribute("final_metric", 0.9)
        recorder.stop(train, stop_event_attributes=Attributes({"result": "ok"}))
        try:
            with timed_span("validate"):
                raise ValueError("bad batch")
        except ValueError:
            pass
        recorder.telemetry_data_error("lost a shard")
    recorder.close()


@pytest.fixture(params=["grpc", "http"])
def received(request, rotel, otlp_sink, monkeypatch):
    """Run the job once against rotel over one protocol; yield (job, {name: span}, all spans)."""
    protocol = request.param
    endpoint = rotel.grpc_endpoint if protocol == "grpc" else rotel.http_endpoint
    set_otel_env(
        monkeypatch,
        otlp_env(endpoint, protocol, OTEL_RESOURCE_ATTRIBUTES="team=ml-infra,deployment.environment=ci"),
    )
    monkeypatch.setenv("RANK", "3")
    job = configure_job(OTelExporter(), application_name="mapping-app", session_tag="sess-42", world_size=4)
    _run_job(job)
    spans = otlp_sink.wait_for_spans(lambda s: not s.is_marker, count=len(EXPECTED))
    yield job, by_name(real_spans(spans)), otlp_sink.spans()


def test_one_otel_span_per_one_logger_span(received):
    job, spans, _ = received
    assert set(spans) == EXPECTED
    for name in ("application", "train", "step", "validate"):
        one = job.span(name)
        otel = spans[name]
        assert otel.kind == SPAN_KIND_INTERNAL
        assert otel.start_time_unix_nano == ns(one.start_event.timestamp.seconds_since_epoch)
        assert otel.end_time_unix_nano == ns(one.stop_event.timestamp.seconds_since_epoch)
        assert otel.attributes["one_logger.span.id"] == str(one.id)
        # The span's own start and end say how long it took: no duration_msec repeating them by default.
        assert one.attributes.get_int_value("duration_msec") is not None and "duration_msec" not in otel.attributes


def test_span_attributes_are_the_final_values_and_unrepresentable_ones_become_strings(received):
    _, spans, _ = received
    train = spans["train"].attributes
    assert train["lr"] == 0.5
    assert train["final_metric"] == 0.9  # added after the start: the final span carries it
    assert train["huge"] == str(2**70)  # beyond int64: converted, not dropped
    assert spans["application"].attributes["job.kind"] == "pretrain"


def test_parents_and_a_single_trace(received):
    _, spans, everything = received
    assert len({s.trace_id for s in everything}) == 1  # markers included: one trace per run
    app = spans["application"]
    assert app.parent_span_id == ""
    assert spans["train"].parent_span_id == app.span_id
    assert spans["step"].parent_span_id == spans["train"].span_id
    assert spans["validate"].parent_span_id == app.span_id
    assert len({s.span_id for s in spans.values()}) == len(spans)


def test_events_and_start_stop_events(received):
    job, spans, _ = received
    train = spans["train"]
    assert train.event_names() == ["span_start", "checkpoint", "span_stop"]
    start, checkpoint, stop = train.events
    assert start.attributes["phase"] == "begin"
    assert stop.attributes["result"] == "ok"
    assert checkpoint.attributes["step"] == 3
    assert checkpoint.attributes["loss"] == 0.25
    assert checkpoint.attributes["tags"] == ["a", "b"]
    one_checkpoint = next(e for e in job.span("train").events if e.name_str == "checkpoint")
    assert checkpoint.time_unix_nano == ns(one_checkpoint.timestamp.seconds_since_epoch)
    assert start.time_unix_nano == train.start_time_unix_nano
    assert stop.time_unix_nano == train.end_time_unix_nano
    # Start/stop events are only sent when they carry attributes of their own, and no event repeats its time.
    assert all(e.event_names() == [] for name, e in spans.items() if name in ("step", "application"))
    assert not [e for s in spans.values() for e in s.events if "timestamp_msec" in e.attributes]


def test_error_becomes_exception_event_and_error_status(received):
    _, spans, _ = received
    validate = spans["validate"]
    assert validate.status_code == STATUS_ERROR
    assert "bad batch" in validate.status_message
    (exception,) = [e for e in validate.events if e.name == "exception"]
    assert exception.attributes["exception.type"] == "ValueError"
    assert exception.attributes["exception.message"] == "bad batch"
    assert "ValueError: bad batch" in exception.attributes["exception.stacktrace"]
    assert "bad batch" in exception.attributes["one_logger.error_message"]
    assert spans["train"].status_code == 0


def test_telemetry_data_error_span_and_root_flag(received):
    _, spans, _ = received
    error = spans["telemetry_data_error"]
    assert error.status_code == STATUS_ERROR
    assert error.attributes["one_logger.telemetry_data_error.type"] == "incomplete_telemetry_data"
    assert error.attributes["one_logger.telemetry_data_error.message"] == "lost a shard"
    assert error.trace_id == spans["application"].trace_id
    assert error.parent_span_id == spans["application"].span_id
    assert spans["application"].attributes["one_logger.telemetry_data_error"] is True
    assert "one_logger.telemetry_data_error" not in spans["train"].attributes  # only the root is flagged


def test_resource_attributes(received):
    _, spans, everything = received
    resource = spans["application"].resource
    assert resource["service.name"] == "mapping-app"
    assert resource["one_logger.session_tag"] == "sess-42"
    assert resource["one_logger.world_size"] == 4
    assert resource["one_logger.rank"] == 3
    assert resource["host.name"]
    assert resource["process.pid"] == os.getpid()
    assert resource["service.instance.id"]
    assert resource["team"] == "ml-infra"  # OTEL_RESOURCE_ATTRIBUTES
    assert resource["deployment.environment"] == "ci"
    assert all(s.resource == resource for s in everything)


def test_markers_never_look_like_the_real_spans(received):
    _, spans, everything = received
    markers = [s for s in everything if s.is_marker]
    for marker in markers:
        assert marker.attributes["one_logger.marker"] in ("span_start", "event")
        assert marker.name not in spans, "a marker must not carry the name of a real span"
    ids = [s.attributes.get("one_logger.span.id") for s in real_spans(everything)]
    assert len(ids) == len(set(ids))


def test_service_name_env_wins_over_application_name(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", OTEL_SERVICE_NAME="from-env"))
    job = configure_job(OTelExporter(), application_name="from-config")
    with timed_span("application"):
        pass
    job.recorder.close()
    (span,) = otlp_sink.wait_for_spans(lambda s: s.name == "application")
    assert span.resource["service.name"] == "from-env"
    assert span.resource["one_logger.application_name"] == "from-config"
