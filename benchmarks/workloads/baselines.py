"""Baselines measured in the same run: a bare function call and the raw OpenTelemetry SDK.

The raw-SDK span is what an application would write without OneLogger:
``tracer.start_as_current_span(name, attributes=...)`` with a private ``TracerProvider`` whose
``BatchSpanProcessor`` feeds the same span exporter the OneLogger row uses (in-memory, or OTLP to the
same collector). The raw event is ``span.add_event(name, attributes)`` on an open span.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from benchmarks.harness.workload import (
    EVENT_NAME,
    SPAN_NAME,
    WorkerContext,
    Workload,
    event_attributes,
    span_attributes,
)


def floor(ctx: WorkerContext) -> Workload:
    """A Python function call taking two arguments: the cost of the loop and one call, nothing else."""

    def bare(a: int = 1, b: str = "x") -> None:
        return None

    return Workload(op=bare)


class _CountingExporter:
    """Wraps an in-memory exporter; counts and clears what was exported so memory stays flat."""

    def __init__(self) -> None:
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.inner = InMemorySpanExporter()
        self.exported = 0

    def drain(self) -> None:
        self.exported += len(self.inner.get_finished_spans())
        self.inner.clear()


def _sdk_tracer(span_exporter: Any) -> Tuple[Any, Any]:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    return provider, provider.get_tracer("bench")


def _span_op(tracer: Any) -> Callable[[], None]:
    def op() -> None:
        with tracer.start_as_current_span(SPAN_NAME, attributes=span_attributes()):
            pass

    return op


def sdk_span_memory(ctx: WorkerContext) -> Workload:
    counting = _CountingExporter()
    provider, tracer = _sdk_tracer(counting.inner)

    def flush() -> None:
        provider.force_flush()
        counting.drain()

    def info() -> Dict[str, object]:
        return {"otel_spans_exported": counting.exported}

    return Workload(op=_span_op(tracer), flush=flush, close=provider.shutdown, info=info, ops_per_batch=1000)


def sdk_span_otlp(ctx: WorkerContext) -> Workload:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    assert ctx.otlp_endpoint, "collector endpoint missing"
    provider, tracer = _sdk_tracer(OTLPSpanExporter(endpoint=ctx.otlp_endpoint, insecure=True))
    return Workload(op=_span_op(tracer), flush=provider.force_flush, close=provider.shutdown, ops_per_batch=1000)


def sdk_event(ctx: WorkerContext) -> Workload:
    counting = _CountingExporter()
    provider, tracer = _sdk_tracer(counting.inner)
    span = tracer.start_span("training")

    def op() -> None:
        span.add_event(EVENT_NAME, event_attributes())

    def close() -> None:
        span.end()
        provider.shutdown()

    return Workload(op=op, close=close)


def sdk_event_otlp(ctx: WorkerContext) -> Workload:
    """``span.add_event`` where the events are shipped too: the span is ended (and exported over OTLP to the
    collector) every 100 events, under the SDK's limit of 128 events per span, and a new one started.

    ``sdk.event`` never exports its events (its span stays open); this row shows what the SDK itself pays
    per event when it ships them, including its OTLP encoder (the span start/end adds ~1% per event).
    """
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    assert ctx.otlp_endpoint, "collector endpoint missing"
    provider, tracer = _sdk_tracer(OTLPSpanExporter(endpoint=ctx.otlp_endpoint, insecure=True))

    class _Rolling:
        span: Any = tracer.start_span("training")
        events = 0

    def op() -> None:
        _Rolling.span.add_event(EVENT_NAME, event_attributes())
        _Rolling.events += 1
        if _Rolling.events == 100:
            _Rolling.span.end()
            _Rolling.span, _Rolling.events = tracer.start_span("training"), 0

    def close() -> None:
        _Rolling.span.end()
        provider.shutdown()

    return Workload(op=op, flush=provider.force_flush, close=close, ops_per_batch=500)
