"""Replay recorded JSON-lines files to an OTLP collector, as if they had been exported live (``one-logger replay``).

Data flow, one module per step:

    record files --(records.files: RecordStream, load_stream)--> rebuilt spans, writers (records.writers)
      --(otel.replay.plan: plan_replay; events via otel.mapping.map_event; ids via otel.ids, otel.replay.ids)-->
      OTel span data with deterministic ids
      --(otel.replay.send: build_readable_span + the SDK's OTLP exporter)--> collector

``replay_files`` is the Python API; ``replay.cli.run_cli`` is what ``one-logger replay`` (``nv_one_logger.cli.replay``,
in core) calls once it knows the ``otel`` extra is installed. See docs/replay.md for the air-gapped workflow and the
exact rules (one trace per pid, deterministic ids, unclosed spans, what is not in the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, List, Optional

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export import SpanExporter

from nv_one_logger.otel.env_trace import LimitSettings
from nv_one_logger.otel.replay.plan import (
    DEFAULT_EVENT_LIMIT,
    DEFAULT_MAX_SPANS_PER_TRACE,
    ReplayPlan,
    plan_replay,
)
from nv_one_logger.otel.replay.progress import ProgressLine
from nv_one_logger.otel.replay.send import (
    SendResult,
    build_replay_span_exporter,
    replay_resource,
    replay_settings,
    send_planned_spans,
)
from nv_one_logger.records.files import LoadedFiles, ReadTotals, RecordStream, load_stream
from nv_one_logger.records.reader import PathLike, ReadReport
from nv_one_logger.records.spans import RebuildProblem


@dataclass
class ReplayReport(ReadTotals):
    """What a replay read (with the totals of ``records.files.ReadTotals``), planned and sent."""

    files: List[Path]
    plan: ReplayPlan
    reports: List[ReadReport] = field(default_factory=list)
    problems: List[RebuildProblem] = field(default_factory=list)
    unlisted_segments: List[Path] = field(default_factory=list)
    target: str = ""
    dry_run: bool = False
    sent: int = 0
    not_sent: int = 0
    error: Optional[str] = None
    sampled_out: int = 0

    @property
    def records(self) -> int:
        """Records read from all files (``record_count``)."""
        return self.record_count

    @property
    def ok(self) -> bool:
        """True when everything planned was delivered (always true for a dry run)."""
        return self.error is None and self.not_sent == 0


def _read(
    paths: Iterable[PathLike],
    strict: bool,
    on_warning: Optional[Callable[[str], None]],
    progress: Optional[ProgressLine],
) -> LoadedFiles:
    """Read and rebuild the files through ``records`` (``load_stream``), showing records read on ``progress``."""
    stream: Optional[RecordStream] = None

    def on_bytes(done: int, total: int) -> None:
        if progress is not None and stream is not None:
            progress.update(stream.record_count, done / total if total else None)

    stream = RecordStream(
        paths, strict=strict, on_warning=on_warning, on_progress=on_bytes if progress is not None else None
    )
    if progress is not None:
        progress.start("reading", "records")
    loaded = load_stream(stream)
    if progress is not None:
        progress.finish(loaded.record_count)
    return loaded


def replay_files(
    paths: Iterable[PathLike],
    *,
    span_exporter: Optional[SpanExporter] = None,
    endpoint: Optional[str] = None,
    protocol: Optional[str] = None,
    dry_run: bool = False,
    strict: bool = False,
    progress: Optional[ProgressLine] = None,
    on_warning: Optional[Callable[[str], None]] = None,
    max_spans_per_trace: int = DEFAULT_MAX_SPANS_PER_TRACE,
    legacy_fields: bool = False,
) -> ReplayReport:
    """Read, rebuild and send record files; return what happened (never raises for a failed export).

    ``max_spans_per_trace`` and ``legacy_fields`` mean what they mean for the live ``OTelExporter``; give the
    values the live run used to get the very same traces.

    ``span_exporter`` replaces the OTLP exporter built from the environment (and ``endpoint``/``protocol``), e.g.
    an ``InMemorySpanExporter`` in tests; it is shut down at the end. ``dry_run`` plans without sending.
    Raises ``ReaderError`` for corrupt input and ``OneLoggerError`` for an unusable OTLP configuration.
    """
    target = type(span_exporter).__name__ if span_exporter is not None else ""
    exporter = span_exporter
    if exporter is None:
        settings = replay_settings(endpoint, protocol)
        target = settings.describe_otlp()
        for problem in settings.problems:
            if on_warning is not None:
                on_warning(problem)
        if not dry_run:
            exporter = build_replay_span_exporter(settings)
    loaded = _read(paths, strict, on_warning, progress)
    result = loaded.result
    if progress is not None:
        progress.start("planning", "spans", total=len(result.spans) + len(result.telemetry_data_errors))
    plan = plan_replay(
        result,
        event_limit=LimitSettings.from_env().span_events or DEFAULT_EVENT_LIMIT,
        on_progress=progress.update if progress is not None else None,
        max_spans_per_trace=max_spans_per_trace,
        legacy_fields=legacy_fields,
    )
    if progress is not None:
        progress.finish(plan.span_count)
    report = ReplayReport(
        files=loaded.paths,
        plan=plan,
        reports=loaded.reports,
        problems=list(result.problems),
        unlisted_segments=loaded.unlisted_segments,
        target=target,
        dry_run=dry_run,
    )
    if dry_run or exporter is None:
        if exporter is not None:
            exporter.shutdown()
        return report
    resources: List[Resource] = [replay_resource(trace.pid, trace.trace_id, trace.identity) for trace in plan.traces]
    spans = plan.spans
    if progress is not None:
        progress.start("sending", "spans", total=len(spans))
    sent: SendResult = send_planned_spans(
        spans,
        exporter,
        lambda span: resources[span.trace_index],
        on_progress=progress.update if progress is not None else None,
    )
    if progress is not None:
        progress.finish(sent.sent, sent.sent / len(spans) if spans else 1.0)
    report.sent, report.not_sent, report.error = sent.sent, sent.not_sent, sent.error
    report.sampled_out = sent.sampled_out
    return report
