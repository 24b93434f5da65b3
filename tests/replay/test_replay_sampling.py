"""``OTEL_TRACES_SAMPLER`` in replay: one decision per trace, the same as the SDK's sampler for that trace id."""

from __future__ import annotations

from pathlib import Path
from typing import List

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from nv_one_logger.otel.replay import replay_files
from nv_one_logger.testing import reset_one_logger
from tests.support.environment import set_otel_env
from tests.support.reference_job import record_job

RUNS = 10


def _record_runs(tmp_path: Path) -> List[Path]:
    paths = []
    for number in range(RUNS):
        path = tmp_path / f"run{number}.jsonl"
        reset_one_logger()
        record_job(path, data_events=2)
        paths.append(path)
    reset_one_logger()
    return paths


def test_replay_keeps_or_drops_whole_traces_as_the_sdk_ratio_sampler_decides(tmp_path, monkeypatch):
    set_otel_env(monkeypatch, OTEL_TRACES_SAMPLER="traceidratio", OTEL_TRACES_SAMPLER_ARG="0.5")
    paths = _record_runs(tmp_path)
    memory = InMemorySpanExporter()
    report = replay_files(paths, span_exporter=memory, on_warning=lambda message: None)
    assert report.ok, report.error
    sent = list(memory.get_finished_spans())
    planned = {trace.trace_id: len(trace.spans) for trace in report.plan.traces}
    assert len(planned) == RUNS
    sent_per_trace = {}
    for span in sent:
        assert span.context is not None
        sent_per_trace[span.context.trace_id] = sent_per_trace.get(span.context.trace_id, 0) + 1
    reference = TraceIdRatioBased(0.5)
    for trace_id, count in planned.items():
        keep = reference.should_sample(None, trace_id, "application").decision.is_sampled()
        assert sent_per_trace.get(trace_id, 0) == (count if keep else 0)
    assert report.sampled_out == sum(planned.values()) - len(sent)


def test_replay_with_always_off_sends_nothing_and_says_why(tmp_path, monkeypatch):
    set_otel_env(monkeypatch, OTEL_TRACES_SAMPLER="always_off")
    path = tmp_path / "run.jsonl"
    reset_one_logger()
    record_job(path, data_events=2)
    reset_one_logger()
    memory = InMemorySpanExporter()
    report = replay_files([path], span_exporter=memory, on_warning=lambda message: None)
    assert report.ok and report.sent == 0 and memory.get_finished_spans() == ()
    assert report.sampled_out == report.plan.span_count
