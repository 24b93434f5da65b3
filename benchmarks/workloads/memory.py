"""RSS growth of one open span receiving many events, measured in a fresh interpreter.

Usage: ``python -m benchmarks.workloads.memory VARIANT --events N --tmpdir DIR``; prints one JSON line.

RSS is read from ``/proc/self/status`` (``VmRSS`` now, ``VmHWM`` peak). The "before" reading is taken after
set-up and after 1,000 warm-up events, so one-time allocations (imports, caches, the first records) are not
counted as growth. The "after" reading follows a ``gc.collect()``; the peak shows transient growth too.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from benchmarks.harness.workload import EVENT_NAME, event_attributes

VARIANTS = ("sdk", "none", "file", "otel_null")
_WARMUP_EVENTS = 1000


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak reading covers the measured loop only."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def _sdk() -> Tuple[Callable[[], None], Callable[[], None]]:
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider()
    span = provider.get_tracer("bench").start_span("training")

    def op() -> None:
        span.add_event(EVENT_NAME, event_attributes())

    def close() -> None:
        span.end()
        provider.shutdown()

    return op, close


class _NullSpanExporter:
    """An OTel span exporter that drops everything: measures the bridge's own memory, not a sink's."""

    def export(self, spans: object) -> object:
        from opentelemetry.sdk.trace.export import SpanExportResult

        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _onelogger(variant: str, tmpdir: Path) -> Tuple[Callable[[], None], Callable[[], None]]:
    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider
    from nv_one_logger.api.timed_span import timed_span
    from nv_one_logger.core.event import Event
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

    exporters: List[object] = []
    if variant == "file":
        from nv_one_logger.exporter.file_exporter import FileExporter

        exporters.append(FileExporter(file_path=tmpdir / "memory.jsonl"))
    elif variant == "otel_null":
        from opentelemetry.sdk.trace.export import SpanExporter

        from nv_one_logger.otel.exporter.otel_exporter import OTelExporter

        # OTelExporter accepts only real SDK span exporters; the SDK is imported here, for this variant only.
        null_exporter = type("NullSpanExporter", (_NullSpanExporter, SpanExporter), {})()
        exporters.append(OTelExporter(otel_span_exporter=null_exporter))
    recorder = DefaultRecorder(exporters)  # type: ignore[arg-type]
    config = OneLoggerConfig(application_name="bench", world_size_or_fn=1, session_tag_or_fn="bench")
    OneLoggerProvider.instance().configure(config, recorder)
    outer = timed_span("training")
    span = outer.__enter__()

    def op() -> None:
        recorder.event(span, Event.create(EVENT_NAME, event_attributes()))  # type: ignore[arg-type]

    def close() -> None:
        outer.__exit__(None, None, None)
        recorder.close()

    return op, close


def run(variant: str, events: int, tmpdir: Path) -> Dict[str, object]:
    op, close = _sdk() if variant == "sdk" else _onelogger(variant, tmpdir)
    for _ in range(_WARMUP_EVENTS):
        op()
    gc.collect()
    _reset_peak()
    rss0 = _status_kb("VmRSS")
    start = time.perf_counter()
    for _ in range(events):
        op()
    elapsed = time.perf_counter() - start
    gc.collect()
    rss1 = _status_kb("VmRSS")
    hwm1 = _status_kb("VmHWM")
    close()
    return {
        "variant": variant,
        "events": events,
        "rss_growth_mb": (rss1 - rss0) / 1024,
        "peak_growth_mb": (max(hwm1, rss0) - rss0) / 1024,
        "rss_before_mb": rss0 / 1024,
        "seconds": elapsed,
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tmpdir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        result = run(args.variant, args.events, args.tmpdir)
    except Exception as exc:
        traceback.print_exc()
        result = {"variant": args.variant, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
