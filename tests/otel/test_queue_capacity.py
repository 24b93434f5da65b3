"""The export queue counts its capacity in spans (``OTEL_BSP_MAX_QUEUE_SIZE`` semantics) and favours stops."""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.core.span import Span
from nv_one_logger.otel import ids
from nv_one_logger.otel.env import BatchSettings
from nv_one_logger.otel.live_calls import Call, StartCall, StopCall
from nv_one_logger.otel.live_spans import LiveSpanTranslator
from nv_one_logger.otel.pipeline import ExportWorker


def _worker(memory: InMemorySpanExporter, max_queue_size: int) -> ExportWorker[Call]:
    translator = LiveSpanTranslator(Resource({}), ids.IdScheme())
    settings = BatchSettings(schedule_delay_ms=60_000, max_queue_size=max_queue_size, max_export_batch_size=2)
    return ExportWorker(memory, translator.process, settings, on_loss_recovered=lambda stats: None)


def test_max_queue_size_spans_fit_with_start_and_stop_and_stops_have_reserved_room():
    memory = InMemorySpanExporter()
    worker = _worker(memory, max_queue_size=4)  # not started: nothing leaves the queue until start()
    spans = [Span.create(f"s{i}") for i in range(8)]
    for span in spans[:4]:  # 4 spans = 8 calls: the queue is full for starts
        worker.submit(StartCall((span, None)))
        span.stop()
        worker.submit_stop(StopCall((span,)))
    assert worker.stats.calls_dropped == 0
    for span in spans[4:]:  # starts are shed, stops still fit (up to 3 x max_queue_size calls)
        worker.submit(StartCall((span, None)))
        span.stop()
        worker.submit_stop(StopCall((span,)))
    assert worker.stats.calls_dropped == 4
    late = Span.create("late")
    late.stop()
    worker.submit_stop(StopCall((late,)))  # 12 calls wait: now stops are dropped too
    assert worker.stats.calls_dropped == 5

    worker.start()
    assert worker.shutdown(5.0)
    exported = sorted(span.name for span in memory.get_finished_spans())
    assert exported == [f"s{i}" for i in range(8)]  # a stop alone still yields the complete span
    assert worker.stats.spans_exported == 8
    assert worker.stats.lost == 5  # dropped calls stay counted as losses
