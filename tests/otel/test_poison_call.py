"""A call the bridge cannot turn into a span costs only itself, not the other calls of its export cycle."""

from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.core.event import Event
from nv_one_logger.core.span import Span
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter


class _BrokenEvent(Event):
    """An application's Event subclass whose attributes cannot be read (a bug in user code)."""

    @property
    def attributes(self):  # type: ignore[override]
        raise RuntimeError("broken attributes")


def test_one_broken_call_costs_only_itself(monkeypatch):
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")  # one cycle: everything below is built together
    memory = InMemorySpanExporter()
    exporter = OTelExporter(memory, start_markers=False, event_markers=False)
    exporter.initialize()
    try:
        for i in range(20):
            span = Span.create(f"step-{i}")
            exporter.export_start(span)
            if i == 7:
                exporter.export_event(_BrokenEvent.create("bad"), span)
            span.stop()
            exporter.export_stop(span)
        assert exporter.force_flush(30)
        stats = exporter.stats
    finally:
        exporter.close()
    names = sorted(span.name for span in memory.get_finished_spans() if span.name.startswith("step-"))
    assert names == sorted(f"step-{i}" for i in range(20))  # step-7 too: only its broken event is missing
    assert stats.calls_unprocessed == 1 and stats.spans_exported == 20, stats


def test_an_error_after_the_spans_are_built_costs_that_cycle_not_the_worker(monkeypatch):
    from nv_one_logger.otel import pipeline

    real_pack = pipeline.pack
    failures = []

    def pack_failing_once(spans, max_batch):
        if not failures:
            failures.append(len(spans))
            raise RuntimeError("a bug in packing")
        return real_pack(spans, max_batch)

    monkeypatch.setattr(pipeline, "pack", pack_failing_once)
    memory = InMemorySpanExporter()
    exporter = OTelExporter(memory, start_markers=False, event_markers=False)
    exporter.initialize()
    try:
        lost = Span.create("lost")
        exporter.export_start(lost)
        lost.stop()
        exporter.export_stop(lost)
        assert exporter.force_flush(30), "the flush waiting on the failed cycle was never released"
        after = Span.create("after")
        exporter.export_start(after)
        after.stop()
        exporter.export_stop(after)
        assert exporter.force_flush(30), "the export worker stopped after the failed cycle"
        stats = exporter.stats
    finally:
        exporter.close()
    names = sorted(span.name for span in memory.get_finished_spans())
    assert names == ["after", "telemetry_data_error"]  # the loss is reported in the trace once delivery works
    assert failures == [1] and stats.spans_failed == 1 and stats.first_error, stats
