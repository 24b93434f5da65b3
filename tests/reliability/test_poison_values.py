"""One poison value costs one value (converted, counted), one huge span costs only itself; nothing else is lost.

Poison: an int attribute of 5,000 digits, beyond Python's int-to-str limit (4,300 digits), which makes ``str``,
``json`` and the OTLP encoder raise. Huge: one span larger than a gRPC receiver's 4 MiB message limit (rotel
refuses the request). Both go through the real exporters; the OTel cases through the real rotel collector.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pytest

from nv_one_logger.core.event import Event
from nv_one_logger.core.internal.big_ints import converted_count
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.request_size import TRUNCATED_VALUES_ATTRIBUTE
from tests.support.collector import RotelCollector
from tests.support.environment import otlp_env, set_otel_env
from tests.support.exporter_calls import export_complete_span
from tests.support.jsonl import telemetry_records
from tests.support.otlp_sink import OtlpSink
from tests.support.processes import REPO_ROOT, run_command

POISON = 10**4999 + 12345  # 5,000 digits
POISON_TEXT = hex(POISON)
WAIT_S = 60.0


def _otel_exporter(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> OTelExporter:
    # One batch cycle (5 s): everything in the same batch.
    set_otel_env(monkeypatch, otlp_env(endpoint, "grpc", OTEL_BSP_SCHEDULE_DELAY="5000"))
    exporter = OTelExporter(start_markers=False, event_markers=False, max_queue_size=4096)
    exporter.initialize()
    return exporter


def test_the_file_exporter_keeps_a_record_with_an_int_too_long_for_str(tmp_path: Path, figure: Callable) -> None:
    path = tmp_path / "run.jsonl"
    before = converted_count()
    exporter = FileExporter(path)
    exporter.initialize()
    span = Span.create("poisoned", span_attributes={"big": POISON, "ok": 1})
    exporter.export_start(span)
    exporter.export_event(Event.create("ev", {"neg": -POISON, "nested": [POISON, 2]}), span)
    exporter.export_event(Event.create("after", {"fine": 3}), span)
    span.stop()
    exporter.export_stop(span)
    exporter.close()
    records = telemetry_records(path, strict=True)  # without the count-0 identity header
    assert [r.count for r in records] == list(range(1, len(records) + 1)) and len(records) == 4
    lines = path.read_text()
    assert f'"big":"{POISON_TEXT}"' in lines and f'"neg":"-{POISON_TEXT}"' in lines
    assert f'"nested":["{POISON_TEXT}",2]' in lines
    converted = converted_count() - before
    assert converted == lines.count(POISON_TEXT) >= 3  # every conversion written is counted
    figure("records written / read back", f"{len(records)} / 4; {converted} values converted and counted")


@pytest.mark.collector
def test_the_otel_bridge_delivers_a_cycle_with_a_poison_int(
    rotel: RotelCollector, otlp_sink: OtlpSink, monkeypatch: pytest.MonkeyPatch, figure: Callable
) -> None:
    exporter = _otel_exporter(rotel.grpc_endpoint, monkeypatch)
    try:
        for i in range(101):
            attributes = {"big": POISON} if i == 50 else {"i": i}
            export_complete_span(exporter, f"step-{i}", span_attributes=attributes)
        assert exporter.force_flush(WAIT_S)
        spans = otlp_sink.wait_for_spans(lambda s: s.name.startswith("step-"), count=101, timeout=WAIT_S)
        stats = exporter.stats
    finally:
        exporter.close()
    poisoned = next(s for s in spans if s.name == "step-50")
    assert poisoned.attributes["big"] == POISON_TEXT
    assert stats.lost == 0 and stats.spans_exported == 101, stats
    figure("spans delivered", f"{len(spans)} of 101 (the poison value converted)")


@pytest.mark.collector
def test_a_span_larger_than_the_grpc_message_limit_costs_only_itself(
    rotel: RotelCollector, otlp_sink: OtlpSink, monkeypatch: pytest.MonkeyPatch, figure: Callable
) -> None:
    exporter = _otel_exporter(rotel.grpc_endpoint, monkeypatch)
    try:
        for i in range(301):
            attributes = {"blob": "x" * 5_000_000} if i == 150 else {"i": i}
            export_complete_span(exporter, f"step-{i}", span_attributes=attributes)
        assert exporter.force_flush(WAIT_S)
        # and the next batch too:
        for i in range(301, 311):
            export_complete_span(exporter, f"step-{i}")
        assert exporter.force_flush(WAIT_S)
        spans = otlp_sink.wait_for_spans(lambda s: s.name.startswith("step-"), count=311, timeout=WAIT_S)
        stats = exporter.stats
    finally:
        exporter.close()
    huge = next(s for s in spans if s.name == "step-150")
    assert huge.attributes[TRUNCATED_VALUES_ATTRIBUTE] == 1
    assert (
        huge.attributes["blob"].startswith("xxxx") and "truncated from 5,000,000 characters" in huge.attributes["blob"]
    )
    assert (stats.spans_exported, stats.spans_truncated, stats.lost) == (311, 1, 0), stats
    figure("spans delivered", f"{len(spans)} of 311; the 5 MB span shrunk to {len(huge.attributes['blob']):,} chars")


@pytest.mark.parametrize("command", [["summary"], ["chrome-trace", "-o", "out.json"], ["replay", "--dry-run"]])
def test_reader_clis_report_path_and_line_without_a_traceback(tmp_path: Path, command: list) -> None:
    path = tmp_path / "poison.jsonl"
    good = (
        '{"type":"complete","count":1,"pid":1,"id":"00000000-0000-4000-8000-000000000001","name":"a",'
        '"parent_id":null,"attributes":{},"start_event":{"name":"start","timestamp":{"seconds_since_epoch":1.0,'
        '"perf_counter_seconds":1.0},"attributes":{}},"stop_event":{"name":"stop","timestamp":'
        '{"seconds_since_epoch":2.0,"perf_counter_seconds":2.0},"attributes":{}}}'
    )
    path.write_text(
        good + "\n" + good.replace('"count":1', '"count":2').replace("{}", '{"big":' + "7" * 5000 + "}", 1) + "\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = run_command(
        [sys.executable, "-m", "nv_one_logger.cli", *command, str(path)],
        timeout=120,
        check=False,  # the test reads the exit status
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert f"error: {path}:2:" in result.stderr, result.stderr[-2000:]
