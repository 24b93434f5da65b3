"""Caller stall: how long one span+event step keeps the caller's thread while the exporter ships flat out.

The export thread runs under the same GIL as the application: while it encodes a batch, the caller can be
held up to the interpreter's switch interval (5 ms) at a time. A median hides that; the tail shows it. Each
sender process (``python -m benchmarks.workloads.stall KIND --endpoint URL --steps N``) runs ``N`` steps
back to back, each step being one span with one event in it, and times every step on the caller's thread
with ``perf_counter_ns``. At full speed the steps produce spans faster than OTLP/gRPC ships them to the
collector, so the export thread is busy the whole time (the exporter at its sustained maximum; what does not
fit its queue is dropped and counted). The first 10% of the steps (before the first export) are discarded.

:func:`measure` runs the raw SDK and OneLogger alternately, ``rounds`` times each, and reports per kind the
median over rounds of p50, p99 and max, and the per-round ratio p99(OneLogger) / p99(raw SDK).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from benchmarks.harness.workload import EVENT_NAME, SPAN_NAME, event_attributes, span_attributes

KINDS = ("sdk", "onelogger")
_DISCARD = 0.1


def _sdk_step(endpoint: str) -> Tuple[Callable[[], None], Callable[[], Dict[str, Any]]]:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    tracer = provider.get_tracer("bench")

    def step() -> None:
        with tracer.start_as_current_span(SPAN_NAME, attributes=span_attributes()) as span:
            span.add_event(EVENT_NAME, event_attributes())

    def close() -> Dict[str, Any]:
        provider.shutdown()
        return {}

    return step, close


def _onelogger_step(endpoint: str) -> Tuple[Callable[[], None], Callable[[], Dict[str, Any]]]:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider
    from nv_one_logger.api.timed_span import timed_span
    from nv_one_logger.core.event import Event
    from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

    exporter = OTelExporter(otel_span_exporter=OTLPSpanExporter(endpoint=endpoint, insecure=True))
    recorder = DefaultRecorder([exporter])
    config = OneLoggerConfig(application_name="bench", world_size_or_fn=1, session_tag_or_fn="bench")
    OneLoggerProvider.instance().configure(config, recorder)

    def step() -> None:
        with timed_span(SPAN_NAME, span_attributes=span_attributes()) as span:  # type: ignore[arg-type]
            recorder.event(span, Event.create(EVENT_NAME, event_attributes()))  # type: ignore[arg-type]

    def close() -> Dict[str, Any]:
        recorder.close()
        return {"calls_dropped": getattr(getattr(exporter, "stats", None), "calls_dropped", None)}

    return step, close


def _quantile(ordered: List[int], q: float) -> int:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_steps(kind: str, endpoint: str, steps: int) -> Dict[str, Any]:
    """In this process: ``steps`` timed steps at full speed; per-step latency quantiles in microseconds."""
    step, close = (_sdk_step if kind == "sdk" else _onelogger_step)(endpoint)
    gc.collect()
    clock = time.perf_counter_ns
    samples = [0] * steps
    for i in range(steps):
        t0 = clock()
        step()
        samples[i] = clock() - t0
    extra = close()
    ordered = sorted(samples[int(steps * _DISCARD) :])
    return {
        "p50_us": _quantile(ordered, 0.5) / 1000,
        "p99_us": _quantile(ordered, 0.99) / 1000,
        "max_us": ordered[-1] / 1000,
        "steps": len(ordered),
        **extra,
    }


def _one(kind: str, endpoint: str, steps: int, cwd: Path) -> Dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.workloads.stall", kind, "--endpoint", endpoint, "--steps", str(steps)]
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 300 s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    result: Dict[str, Any] = json.loads(lines[-1])
    return result


def measure(endpoint: str, steps: int, rounds: int, cwd: Path, after_run: Callable[[], None]) -> Dict[str, Any]:
    """Alternate raw SDK and OneLogger runs; medians over rounds and the median per-round p99 ratio."""
    runs: Dict[str, List[Dict[str, Any]]] = {kind: [] for kind in KINDS}
    for index in range(rounds):
        order = KINDS if index % 2 == 0 else KINDS[::-1]
        for kind in order:
            result = _one(kind, endpoint, steps, cwd)
            after_run()
            if "error" in result:
                return {"error": f"{kind}: {result['error']}"}
            runs[kind].append(result)
    out: Dict[str, Any] = {"steps": steps, "rounds": rounds, "runs": runs}
    for kind in KINDS:
        out[kind] = {m: statistics.median(r[m] for r in runs[kind]) for m in ("p50_us", "p99_us", "max_us")}
    out["x_p99"] = statistics.median(o["p99_us"] / s["p99_us"] for o, s in zip(runs["onelogger"], runs["sdk"]))
    out["x_max"] = statistics.median(o["max_us"] / s["max_us"] for o, s in zip(runs["onelogger"], runs["sdk"]))
    out["calls_dropped"] = [r.get("calls_dropped") for r in runs["onelogger"]]
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--steps", type=int, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(run_steps(args.kind, args.endpoint, args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
