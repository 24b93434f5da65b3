"""Spans per second delivered to the real collector with zero loss (OneLogger bridge vs raw OTel SDK).

Two halves:

- the *sender* (``python -m benchmarks.workloads.throughput KIND --spans N --endpoint URL --name NAME [--rate R]``) runs
  in a fresh interpreter, sends ``N`` spans named ``NAME`` as fast as it can (or paced at ``R`` spans/s),
  closes its exporter (which flushes) and prints one JSON line with its clock readings;
- the *counter* (:func:`measure`, in ``run.py``'s process next to the sink) waits until the sink holds all
  ``N`` complete spans, or gives up after a bounded wait and reports the loss.

Delivered rate = N / (time of the last export request at the sink - time the sender started). If spans were
lost at full speed (an export queue drops when it is full), the sending pace is bisected (see
:func:`measure`) and the best zero-loss rate is reported together with what full speed delivered.
:func:`compare` repeats that for both kinds, alternating, and reports the median per-pair ratio and its spread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from benchmarks.harness.workload import span_attributes

KINDS = ("sdk", "onelogger")
_MARKER_ATTRIBUTE = "one_logger.marker"
_SETTLE_S = 2.0


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
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider
    from nv_one_logger.api.timed_span import timed_span
    from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

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
    cmd = [sys.executable, "-m", "benchmarks.workloads.throughput", kind, "--spans", str(spans)]
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
    # The sender flushed its exporter before exiting, so what is still missing is either in flight through the
    # collector (a 50 ms batch) or lost: stop waiting once the count has not grown for a while.
    deadline = time.monotonic() + wait_s
    count, last = _count(sink, name)
    stable_since = time.monotonic()
    while count < spans and time.monotonic() < deadline and time.monotonic() - stable_since < _SETTLE_S:
        time.sleep(0.2)
        new_count, last = _count(sink, name)
        if new_count != count:
            count, stable_since = new_count, time.monotonic()
    sink.clear()
    elapsed = max(1e-9, last - sender["started"]) if count else float("inf")
    offered = spans / max(1e-9, sender["sent"] - sender["started"])
    return {
        "spans": spans,
        "delivered": count,
        "lost": spans - count,
        "spans_per_second": count / elapsed,
        "offered_per_second": offered,
    }


def measure(kind: str, sink: Any, endpoint: str, spans: int, cwd: Path, steps: int = 6) -> Dict[str, Any]:
    """Highest zero-loss delivered rate found: full speed first, then a bisection on the sending pace.

    The full-speed run gives the offered rate (how fast the sender produced spans). If it lost spans, the
    pace is bisected between 0 and that rate for ``steps`` runs: a run without loss raises the lower bound,
    a run with loss lowers the upper bound. The best run without loss is reported (a lower bound of the
    true zero-loss rate, within offered / 2**steps), together with what full speed delivered.
    """
    attempts: List[Dict[str, Any]] = []
    first = _one_run(kind, sink, endpoint, spans, None, cwd, wait_s=30.0)
    first["paced_at"] = None
    attempts.append(first)
    if "error" in first:
        return {"error": first["error"], "attempts": attempts}
    full_speed = f"full speed delivered {first['delivered']:,}/{spans:,}"
    if first["lost"] == 0:
        return {**first, "note": "full speed, nothing lost", "attempts": attempts}
    low, high = 0.0, float(first["offered_per_second"])
    best: Optional[Dict[str, Any]] = None
    for _ in range(steps):
        rate = (low + high) / 2
        result = _one_run(kind, sink, endpoint, spans, rate, cwd, wait_s=30.0)
        result["paced_at"] = rate
        attempts.append(result)
        if "error" in result:
            return {"error": result["error"], "attempts": attempts}
        if result["lost"] == 0:
            low = rate
            if best is None or result["spans_per_second"] > best["spans_per_second"]:
                best = result
        else:
            high = rate
    if best is None:
        return {**attempts[-1], "note": f"loss at every pace tried; {full_speed}", "attempts": attempts}
    return {**best, "note": f"paced at {best['paced_at']:,.0f}/s; {full_speed}", "attempts": attempts}


def compare(sink: Any, endpoint: str, spans: int, cwd: Path, repeats: int = 3, steps: int = 6) -> Dict[str, Any]:
    """Measure both kinds ``repeats`` times, alternating, and compare them pair by pair.

    The machine's speed drifts (the raw SDK's own zero-loss rate moved by 2x between runs on a shared
    two-core machine), so one measurement per kind compares two different machines. Here the two kinds run
    back to back ``repeats`` times (the order flips every repeat); the ratio is the median of the per-pair
    ratios and its spread (lowest, highest pair) is reported, as is each kind's median run and its range.
    Returns ``{"throughput.sdk": row, "throughput.onelogger": row}``; a row is the median run of that kind
    plus ``runs`` (every repeat's rate); the OneLogger row also carries ``x_sdk``, ``x_sdk_min``, ``x_sdk_max``.
    """
    runs: Dict[str, List[Dict[str, Any]]] = {kind: [] for kind in KINDS}
    for index in range(repeats):
        for kind in KINDS if index % 2 == 0 else KINDS[::-1]:
            result = measure(kind, sink, endpoint, spans, cwd, steps)
            if "error" in result:
                return {f"throughput.{k}": {"error": f"{kind}: {result['error']}"} for k in KINDS}
            runs[kind].append(result)
    out: Dict[str, Any] = {}
    for kind in KINDS:
        rates = [r["spans_per_second"] for r in runs[kind]]
        middle = sorted(runs[kind], key=lambda r: r["spans_per_second"])[(len(rates) - 1) // 2]
        out[f"throughput.{kind}"] = {
            **{k: v for k, v in middle.items() if k != "attempts"},
            "spans_per_second": statistics.median(rates),
            "runs": rates,
            "attempts": [r["attempts"] for r in runs[kind]],
            "repeats": repeats,
            "steps": steps,
        }
    ratios = [o["spans_per_second"] / s["spans_per_second"] for o, s in zip(runs["onelogger"], runs["sdk"])]
    row = out["throughput.onelogger"]
    row.update(x_sdk=statistics.median(ratios), x_sdk_min=min(ratios), x_sdk_max=max(ratios), x_sdk_runs=ratios)
    return out


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
