"""A user who already uses OpenTelemetry: their provider, context and spans are untouched; opt-in parenting."""

from __future__ import annotations

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, TraceIdRatioBased

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.event import Event
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.environment import otlp_env, set_otel_env
from tests.support.otel_job import configure_job
from tests.support.received_spans import by_name, real_spans

pytestmark = pytest.mark.collector


@pytest.fixture
def app_tracing(monkeypatch):
    """The application's own OTel set-up: a global SDK provider exporting to memory (restored afterwards)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    # The API allows setting the global provider once per process; tests swap the private holder instead.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", trace.Once())
    yield provider.get_tracer("the-app"), memory
    provider.shutdown()


def test_app_provider_context_and_spans_are_untouched(rotel, otlp_sink, monkeypatch, app_tracing):
    tracer, app_memory = app_tracing
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc"))
    provider_before = trace.get_tracer_provider()
    job = configure_job(OTelExporter())
    with tracer.start_as_current_span("app-request") as app_span:
        context_before = otel_context.get_current()
        with timed_span("application"), timed_span("train") as train:
            get_recorder().event(train, Event.create("tick"))
            assert trace.get_current_span() is app_span  # OneLogger never attached a context
            with tracer.start_as_current_span("app-inner") as inner:
                assert inner.parent.span_id == app_span.get_span_context().span_id
        assert otel_context.get_current() == context_before
    job.recorder.close()

    assert trace.get_tracer_provider() is provider_before
    assert [s.name for s in app_memory.get_finished_spans()] == ["app-inner", "app-request"]
    otlp_sink.wait_for_spans(lambda s: s.name == "application")
    received = by_name(real_spans(otlp_sink.spans()))
    assert set(received) == {"application", "train"}  # none of the app's spans went through OneLogger
    app_trace = format(app_span.get_span_context().trace_id, "032x")
    assert received["application"].trace_id != app_trace  # default: the run has its own trace
    assert received["application"].parent_span_id == ""


def test_opt_in_makes_one_logger_spans_children_of_the_current_app_span(rotel, otlp_sink, monkeypatch, app_tracing):
    tracer, app_memory = app_tracing
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc"))
    job = configure_job(OTelExporter(parent_from_current_otel_span=True))
    with tracer.start_as_current_span("app-request") as app_span, timed_span("application"), timed_span("train"):
        pass
    job.recorder.close()

    otlp_sink.wait_for_spans(lambda s: s.name == "application")
    received = by_name(real_spans(otlp_sink.spans()))
    context = app_span.get_span_context()
    assert received["application"].trace_id == format(context.trace_id, "032x")
    assert received["application"].parent_span_id == format(context.span_id, "016x")
    assert received["train"].trace_id == received["application"].trace_id
    assert received["train"].parent_span_id == received["application"].span_id
    assert [s.name for s in app_memory.get_finished_spans()] == ["app-request"]


# With a ratio of 0, the sampled parent alone decides that its trace is sent.
PARENT_BASED = [
    {"OTEL_TRACES_SAMPLER": "parentbased_always_on"},
    {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"},
]


@pytest.mark.parametrize("app_sampler", [ALWAYS_OFF, TraceIdRatioBased(0.0)], ids=["app_always_off", "app_ratio_0"])
@pytest.mark.parametrize("sampler", PARENT_BASED, ids=lambda env: env["OTEL_TRACES_SAMPLER"])
def test_parent_based_sampler_follows_the_sampled_flag_of_the_app_span(
    rotel, otlp_sink, monkeypatch, app_sampler, sampler
):
    """OpenTelemetry: a parent-based sampler follows the parent's sampled flag (unsampled parent: nothing sent)."""
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", **sampler))
    unsampled_app = TracerProvider(sampler=app_sampler).get_tracer("the-app")
    sampled_app = TracerProvider(sampler=ALWAYS_ON).get_tracer("the-app")
    job = configure_job(OTelExporter(parent_from_current_otel_span=True))

    def under_app_span(tracer, root: str, child: str):
        with tracer.start_as_current_span(f"app-{root}") as app_span, timed_span(root), timed_span(child) as span:
            get_recorder().event(span, Event.create("tick"))
        return app_span.get_span_context()

    dropped_parent = under_app_span(unsampled_app, "application", "train")
    kept_parent = under_app_span(sampled_app, "evaluate", "evaluate-step")
    job.recorder.close()
    assert not dropped_parent.trace_flags.sampled and kept_parent.trace_flags.sampled

    # The sampled trace was recorded last: once it has arrived, anything sent for the other one has too.
    kept_trace = format(kept_parent.trace_id, "032x")
    received = by_name(otlp_sink.wait_for_spans(lambda s: s.trace_id == kept_trace, count=2, timeout=60))
    assert set(received) == {"evaluate", "evaluate-step"}
    assert received["evaluate"].parent_span_id == format(kept_parent.span_id, "016x")
    dropped_trace = format(dropped_parent.trace_id, "032x")
    assert [s.name for s in otlp_sink.spans() if s.trace_id == dropped_trace] == []
    assert {s.name for s in real_spans(otlp_sink.spans())} == {"evaluate", "evaluate-step"}


def test_opt_in_without_a_current_app_span_starts_its_own_trace(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc"))
    job = configure_job(OTelExporter(parent_from_current_otel_span=True))
    with timed_span("application"):
        pass
    job.recorder.close()
    (application,) = otlp_sink.wait_for_spans(lambda s: s.name == "application")
    assert application.parent_span_id == ""
    assert application.trace_id != "0" * 32


def test_constructing_and_closing_the_exporter_changes_no_global_state():
    provider_before = trace.get_tracer_provider()
    context_before = otel_context.get_current()
    exporter = OTelExporter(InMemorySpanExporter())
    exporter.initialize()
    exporter.close()
    assert trace.get_tracer_provider() is provider_before
    assert otel_context.get_current() == context_before
