"""The final line of a replay says what was sent and what was not (no "sent 0 spans (25 events, ...)")."""

from __future__ import annotations

from typing import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.otel.replay import replay_files
from nv_one_logger.otel.replay.cli import format_counts
from tests.support.reference_job import JOB_SPAN_NAMES

TOTAL = len(JOB_SPAN_NAMES)


class _FailingSpanExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        return None


def test_failed_replay_line_says_how_many_of_the_spans_were_not_sent(recorded):
    report = replay_files([recorded], span_exporter=_FailingSpanExporter())
    assert not report.ok and report.sent == 0 and report.not_sent == TOTAL
    line = format_counts(report)
    assert line.startswith(f"sent 0 of {TOTAL} spans to _FailingSpanExporter; {TOTAL} NOT sent (the whole replay: ")
    assert not line.startswith("sent 0 spans (")


def test_successful_and_dry_run_lines_are_unchanged(recorded):
    report = replay_files([recorded], span_exporter=InMemorySpanExporter())
    assert report.ok
    assert format_counts(report).startswith(f"sent {TOTAL} spans (17 events, 1 application errors, ")
    dry = replay_files([recorded], dry_run=True)
    assert format_counts(dry).startswith(f"would send {TOTAL} spans (17 events, ")
