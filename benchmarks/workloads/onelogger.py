"""OneLogger workloads: ``timed_span`` start+stop and ``recorder.event`` under each exporter set-up.

Each setup configures the process-wide provider exactly as an application would (``OneLoggerConfig`` +
``DefaultRecorder`` + ``OneLoggerProvider.instance().configure``), then times the public API call. The
worker process is fresh, so nothing is shared between rows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Dict, List, Optional

from benchmarks.harness.workload import (
    EVENT_NAME,
    SPAN_NAME,
    WorkerContext,
    Workload,
    event_attributes,
    span_attributes,
)

# Markers and complete spans of the OTelExporter go through one BatchSpanProcessor; keep a batch of
# operations well under its 2048-span queue so nothing is dropped between two flushes.
_OTEL_OPS_PER_BATCH = 500


class _Setup:
    """The configured recorder plus how to flush and close what was built."""

    def __init__(self, exporters: List[object], enabled: bool = True) -> None:
        from nv_one_logger.api.config import OneLoggerConfig
        from nv_one_logger.api.one_logger_provider import OneLoggerProvider
        from nv_one_logger.recorder.default_recorder import DefaultRecorder

        config = OneLoggerConfig(
            application_name="bench",
            world_size_or_fn=1,
            session_tag_or_fn="bench",
            enable_for_current_rank=enabled,
        )
        self.exporters = exporters
        self.recorder = DefaultRecorder(exporters)  # type: ignore[arg-type]
        OneLoggerProvider.instance().configure(config, self.recorder)
        self.extra_flush: List[Callable[[], None]] = []
        self.info: Callable[[], Dict[str, object]] = dict
        self.file_path: Optional[Path] = None  # set for FileExporter rows: checked for per-call flushing

    def flush(self) -> None:
        for exporter in self.exporters:
            for method in ("force_flush", "flush"):
                fn = getattr(exporter, method, None)
                if callable(fn):
                    fn()
                    break
        for fn in self.extra_flush:
            fn()

    def close(self) -> None:
        self.recorder.close()


def _logger_exporter(ctx: WorkerContext) -> object:
    from nv_one_logger.exporter.logger_exporter import LoggerExporter

    logger = logging.getLogger("bench.onelogger")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(ctx.tmpdir / "bench.log")
    logger.addHandler(handler)
    return LoggerExporter(logger)


def _file_exporter(ctx: WorkerContext) -> object:
    from nv_one_logger.exporter.file_exporter import FileExporter

    return FileExporter(file_path=ctx.tmpdir / "bench.jsonl")


class _MemoryOTel:
    """OTelExporter on an in-memory span exporter; drains the exporter at each flush and counts spans."""

    def __init__(self) -> None:
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from nv_one_logger.otel.exporter.otel_exporter import OTelExporter

        self.memory = InMemorySpanExporter()
        self.exporter = OTelExporter(otel_span_exporter=self.memory)
        self.exported = 0

    def drain(self) -> None:
        self.exported += len(self.memory.get_finished_spans())
        self.memory.clear()


def _otlp_otel(ctx: WorkerContext) -> object:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    from nv_one_logger.otel.exporter.otel_exporter import OTelExporter

    assert ctx.otlp_endpoint, "collector endpoint missing"
    return OTelExporter(otel_span_exporter=OTLPSpanExporter(endpoint=ctx.otlp_endpoint, insecure=True))


def _with_flush_check(setup: _Setup, op: Callable[[], None]) -> Callable[[], Dict[str, object]]:
    """For a file row: is the record of one more call in the file when the call returns, without any flush?"""
    path = setup.file_path
    if path is None:
        return setup.info

    def info() -> Dict[str, object]:
        before = path.stat().st_size
        op()
        return {**setup.info(), "flushed_per_call": path.stat().st_size > before}

    return info


def _file_setup(ctx: WorkerContext) -> _Setup:
    setup = _Setup([_file_exporter(ctx)])
    setup.file_path = ctx.tmpdir / "bench.jsonl"
    return setup


def _span_workload(setup: _Setup, ops_per_batch: int = 1000) -> Workload:
    from nv_one_logger.api.timed_span import timed_span

    def op() -> None:
        with timed_span(SPAN_NAME, span_attributes=span_attributes()):  # type: ignore[arg-type]  # dicts work (README)
            pass

    return Workload(
        op=op, flush=setup.flush, close=setup.close, info=_with_flush_check(setup, op), ops_per_batch=ops_per_batch
    )


def _event_workload(setup: _Setup, ops_per_batch: int = 1000) -> Workload:
    from nv_one_logger.api.timed_span import timed_span
    from nv_one_logger.core.event import Event

    outer = timed_span("training")
    span = outer.__enter__()
    recorder = setup.recorder

    def op() -> None:
        recorder.event(span, Event.create(EVENT_NAME, event_attributes()))  # type: ignore[arg-type]

    def close() -> None:
        outer.__exit__(None, None, None)
        setup.close()

    return Workload(
        op=op, flush=setup.flush, close=close, info=_with_flush_check(setup, op), ops_per_batch=ops_per_batch
    )


def _otel_losses(exporter: object) -> Dict[str, object]:
    """The bridge's own delivery counters: a row that dropped work would look cheaper than it is."""
    stats = getattr(exporter, "stats", None)
    return {"otel_lost": getattr(stats, "lost", None)}


def _memory_otel_setup() -> _Setup:
    otel = _MemoryOTel()
    setup = _Setup([otel.exporter])
    setup.extra_flush.append(otel.drain)
    setup.info = lambda: {"otel_spans_exported": otel.exported, **_otel_losses(otel.exporter)}
    return setup


def _otlp_otel_setup(ctx: WorkerContext) -> _Setup:
    exporter = _otlp_otel(ctx)
    setup = _Setup([exporter])
    setup.info = lambda: _otel_losses(exporter)
    return setup


def span_none(ctx: WorkerContext) -> Workload:
    return _span_workload(_Setup([]))


def span_disabled(ctx: WorkerContext) -> Workload:
    return _span_workload(_Setup([_logger_exporter(ctx)], enabled=False))


def span_logger(ctx: WorkerContext) -> Workload:
    return _span_workload(_Setup([_logger_exporter(ctx)]))


def span_file(ctx: WorkerContext) -> Workload:
    return _span_workload(_file_setup(ctx))


def span_otel_memory(ctx: WorkerContext) -> Workload:
    return _span_workload(_memory_otel_setup(), _OTEL_OPS_PER_BATCH)


def span_otel_otlp(ctx: WorkerContext) -> Workload:
    return _span_workload(_otlp_otel_setup(ctx), _OTEL_OPS_PER_BATCH)


def event_none(ctx: WorkerContext) -> Workload:
    return _event_workload(_Setup([]))


def event_disabled(ctx: WorkerContext) -> Workload:
    return _event_workload(_Setup([_logger_exporter(ctx)], enabled=False))


def event_logger(ctx: WorkerContext) -> Workload:
    return _event_workload(_Setup([_logger_exporter(ctx)]))


def event_file(ctx: WorkerContext) -> Workload:
    return _event_workload(_file_setup(ctx))


def event_otel_memory(ctx: WorkerContext) -> Workload:
    return _event_workload(_memory_otel_setup(), _OTEL_OPS_PER_BATCH)


def event_otel_otlp(ctx: WorkerContext) -> Workload:
    return _event_workload(_otlp_otel_setup(ctx), _OTEL_OPS_PER_BATCH)
