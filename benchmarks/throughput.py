"""Spans per second delivered to the real collector with zero loss (OneLogger bridge vs raw OTel SDK).

Two halves:

- the *sender* (``python -m benchmarks.throughput KIND --spans N --endpoint URL --name NAME [--rate R]``) runs
  in a fresh interpreter, sends ``N`` spans named ``NAME`` as fast as it can (or paced at ``R`` spans/s),
  closes its exporter (which flushes) and prints one JSON line with its clock readings;
- the *counter* (:func:`measure`, in ``run.py``'s process next to the sink) waits until the sink holds all
  ``N`` complete spans, or gives up after a bounded wait and reports the loss.

Delivered rate = N / (time of the last export request at the sink - time the sender started). If spans were
lost at full speed (a BatchSpanProcessor drops when its queue is full), the run is repeated paced at 80% of
the rate that was delivered, up to a few times, and the best zero-loss rate is reported together with how it
was obtained.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from benchmarks.workload import span_attributes

KINDS = ("sdk", "onelogger")
_MARKER_ATTRIBUTE = "one_logger.marker"


def _sdk_sender(endpoint: str) -> Tuple[Callable[[str], None], Callable[[], None]]:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    tracer = provider.get_tracer("bench")

    def send(name: str) -> None:
        with tracer.start_as_current_span(name, attributes=span_attributes()):
            pass

    return send, provider.shutdown


def _onelogger_sender(endpoint: str) -> Tuple[Callable[[str], None], Callable[[], None]]:
    from nv_one_logger.api.timed_span import timed_span
    from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
    from nv_one_logger.recorder.default_recorder import DefaultRecorder
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider

    exporter = OTelExporter(otel_span_exporter=OTLPSpanExporter(endpoint=endpoint, insecure=True))
    recorder = DefaultRecorder([exporter])
    config = OneLoggerConfig(application_name="bench", world_size_or_fn=1, session_tag_or_fn="bench")
    OneLoggerProvider.instance().configure(config, recorder)

    def send(name: str) -> None:
        with timed_span(name, span_attributes=span_attributes()):  # type: ignore[arg-type]
            pass

    return send, recorder.close


def send(kind: str, endpoint: str, name: str, spans: int, rate: Optional[float]) -> Dict[str, Any]:
    sender, close = (_sdk_sender if kind == "sdk" else _onelogger_sender)(endpoint)
    started = time.time()
    t0 = time.perf_counter()
    for i in range(spans):
        if rate and i % 50 == 0:
            ahead = t0 + i / rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        sender(name)
    sent_at = time.time()
    close()
    return {"started": started, "sent": sent_at, "closed": time.time()}


def _count(sink: Any, name: str) -> Tuple[int, float]:
    """Complete (non-marker) spans named ``name`` at the sink, and when the last request carrying one came."""
    count, last = 0, 0.0
    for received in sink.requests():
        found = 0
        for resource_spans in received.request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    if span.name == name and not any(kv.key == _MARKER_ATTRIBUTE for kv in span.attributes):
                        found += 1
        if found:
            count += found
            last = max(last, received.received_at)
    return count, last


def _one_run(
    kind: str, sink: Any, endpoint: str, spans: int, rate: Optional[float], cwd: Path, wait_s: float
) -> Dict[str, Any]:
    name = f"throughput-{kind}-{time.time_ns()}"
    cmd = [sys.executable, "-m", "benchmarks.throughput", kind, "--spans", str(spans)]
    cmd += ["--endpoint", endpoint, "--name", name]
    if rate:
        cmd += ["--rate", str(rate)]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["sender failed"])[-1]
        return {"error": tail}
    sender = json.loads(proc.stdout.strip().splitlines()[-1])
    if "error" in sender:
        return sender
    deadline = time.monotonic() + wait_s
    count, last = _count(sink, name)
    while count < spans and time.monotonic() < deadline:
        time.sleep(0.2)
        count, last = _count(sink, name)
    sink.clear()
    elapsed = max(1e-9, last - sender["started"]) if count else float("inf")
    return {"spans": spans, "delivered": count, "lost": spans - count, "spans_per_second": count / elapsed}


def measure(kind: str, sink: Any, endpoint: str, spans: int, cwd: Path, tries: int = 4) -> Dict[str, Any]:
    """Best zero-loss delivered rate: full speed first, then paced at 80% of what got through."""
    rate: Optional[float] = None
    attempts: List[Dict[str, Any]] = []
    for _ in range(tries):
        result = _one_run(kind, sink, endpoint, spans, rate, cwd, wait_s=30.0)
        result["paced_at"] = rate
        attempts.append(result)
        if "error" in result:
            return {"error": result["error"], "attempts": attempts}
        if result["lost"] == 0:
            how = "full speed" if rate is None else f"paced at {rate:,.0f}/s"
            return {**result, "note": how, "attempts": attempts}
        rate = 0.8 * result["spans_per_second"] if rate is None else 0.8 * rate
    last = attempts[-1]
    return {**last, "note": f"loss at every rate tried (down to {rate:,.0f}/s)", "attempts": attempts}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--spans", type=int, required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--rate", type=float, default=None)
    args = parser.parse_args(argv)
    try:
        result = send(args.kind, args.endpoint, args.name, args.spans, args.rate)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
