"""A real training loop: a small PyTorch CPU model, with no telemetry, the raw OTel SDK, and OneLogger.

Every iteration is one forward/backward/optimizer step of a small MLP on a random batch, then ``loss.item()``
(what a loop does to log a metric). The instrumented ways wrap the iteration in one span and add 10 metric
events to it:

- raw SDK: ``tracer.start_as_current_span`` and ``span.add_event`` (``BatchSpanProcessor`` + OTLP/gRPC);
- OneLogger: ``timed_span`` and ``recorder.event(span, Event.create(...))`` with the ``OTelExporter`` (OTLP/gRPC).

Both ship to the same real collector. The three ways run in one process, in alternating batches of
``ITERATIONS_PER_BATCH`` iterations (the order rotates), so the comparison is between batches that ran seconds
apart. Each batch starts after ``gc.collect()``, outside the timed region, and is long enough to contain the full
garbage collections its own way triggers (with torch loaded, one scans a few hundred thousand objects: 130-170 ms
on the bench machine); the result counts them per way. The target
metric is the process CPU time (every thread) of a batch, read after its exporter has flushed: the export work
done for the batch is counted even when the export thread had not caught up (the SDK's processor exports only
every 512 spans or 5 s), and waiting for the collector's reply is not. Overhead per iteration = (CPU of the
batch / CPU of the no-telemetry batch of the same round) - 1, median over rounds; the wall time of the loop
alone (what the loop waited, flush excluded) is reported beside it. PyTorch runs on one thread, leaving the
second core to the export thread and the collector.

Usage: ``python -m benchmarks.workloads.training --endpoint URL --iterations N --rounds R`` (prints one JSON
line). It runs in the PyTorch training-job environment, ``.venv-torch`` (``make torch-env``, built by ``make bench``
and ``make test``; see ``tests/support/training_job.py``), not in the environment of the rest of the suite, which
has no torch. Without that environment, or in an interpreter without torch, the row reports why it did not run.
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
from typing import Any, Callable, Dict, List, Optional

WAYS = ("none", "sdk", "onelogger")
EVENTS_PER_ITERATION = 10
ITERATIONS_PER_BATCH = 6000
"""Long batches: the SDK's spans and events waiting for export trigger a full garbage collection about every
2,500 iterations (OneLogger's far less often), and a training loop pays for them; short batches that each start
after ``gc.collect()`` would leave them out."""
ROUNDS = 3
_BATCH, _IN, _HIDDEN, _OUT = 32, 128, 256, 10


def _model_step() -> Callable[[int], float]:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(_IN, _HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(_HIDDEN, _HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(_HIDDEN, _OUT),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    inputs = torch.randn(_BATCH, _IN)
    labels = torch.randint(0, _OUT, (_BATCH,))

    def step(i: int) -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


def _ways(endpoint: str) -> Dict[str, Any]:
    """Per way: (iteration function, flush). Built once; the OneLogger provider is configured once."""
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider
    from nv_one_logger.api.timed_span import timed_span
    from nv_one_logger.core.event import Event
    from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

    train = _model_step()

    def plain(i: int) -> None:
        train(i)

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    tracer = provider.get_tracer("bench")

    def with_sdk(i: int) -> None:
        with tracer.start_as_current_span("train_step", attributes={"step": i}) as span:
            loss = train(i)
            for k in range(EVENTS_PER_ITERATION):
                span.add_event("metric", {"name": f"m{k}", "value": loss, "step": i})

    exporter = OTelExporter(otel_span_exporter=OTLPSpanExporter(endpoint=endpoint, insecure=True))
    recorder = DefaultRecorder([exporter])
    config = OneLoggerConfig(application_name="bench", world_size_or_fn=1, session_tag_or_fn="bench")
    OneLoggerProvider.instance().configure(config, recorder)

    def with_onelogger(i: int) -> None:
        with timed_span("train_step", span_attributes={"step": i}) as span:  # type: ignore[arg-type]
            loss = train(i)
            for k in range(EVENTS_PER_ITERATION):
                recorder.event(span, Event.create("metric", {"name": f"m{k}", "value": loss, "step": i}))  # type: ignore[arg-type]

    def close() -> None:
        recorder.close()
        provider.shutdown()

    return {
        "none": (plain, lambda: None),
        "sdk": (with_sdk, provider.force_flush),
        "onelogger": (with_onelogger, exporter.force_flush),
        "close": close,
        "calls_dropped": lambda: getattr(getattr(exporter, "stats", None), "calls_dropped", None),
    }


WARM_UP_ITERATIONS = 300
"""Iterations of the discarded first round (first exports, caches)."""


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def run(endpoint: str, iterations: int, rounds: int) -> Dict[str, Any]:
    """Measure every way ``rounds`` times, ``iterations`` iterations per batch (module docstring).

    Each batch starts after ``gc.collect()`` (outside the timed region), so the garbage collections inside a batch
    are the ones that way's own allocations trigger; ``iterations`` must be long enough for the full collections
    among them to happen (see docs/performance.md: with torch loaded, one scans a few hundred thousand objects).
    """
    ways = _ways(endpoint)
    cpu: Dict[str, List[float]] = {w: [] for w in WAYS}
    wall: Dict[str, List[float]] = {w: [] for w in WAYS}
    full_gcs: Dict[str, int] = {w: 0 for w in WAYS}
    for index in range(rounds + 1):  # round 0 warms up every way and is discarded
        order = WAYS[index % 3 :] + WAYS[: index % 3]
        count = iterations if index > 0 else min(iterations, WARM_UP_ITERATIONS)
        for way in order:
            fn, flush = ways[way]
            gc.collect()
            collections0 = _full_collections()
            cpu0, wall0 = time.process_time_ns(), time.perf_counter_ns()
            for i in range(count):
                fn(i)
            wall1 = time.perf_counter_ns()
            flush()
            cpu1 = time.process_time_ns()
            if index > 0:
                cpu[way].append((cpu1 - cpu0) / count)
                wall[way].append((wall1 - wall0) / count)
                full_gcs[way] += _full_collections() - collections0
    dropped = ways["calls_dropped"]()
    ways["close"]()

    def overhead(samples: Dict[str, List[float]], way: str) -> float:
        return statistics.median(100.0 * (t / n - 1.0) for t, n in zip(samples[way], samples["none"]))

    cpu_overhead = {way: overhead(cpu, way) for way in ("sdk", "onelogger")}
    return {
        "iterations_per_batch": iterations,
        "rounds": rounds,
        "cpu_us_per_iteration": {w: statistics.median(v) / 1000 for w, v in cpu.items()},
        "wall_us_per_iteration": {w: statistics.median(v) / 1000 for w, v in wall.items()},
        "overhead_pct": cpu_overhead,
        "wall_overhead_pct": {way: overhead(wall, way) for way in ("sdk", "onelogger")},
        "x_sdk_overhead": cpu_overhead["onelogger"] / cpu_overhead["sdk"] if cpu_overhead["sdk"] > 0 else None,
        "onelogger_calls_dropped": dropped,
        "full_collections_per_1000_iterations": {w: 1000.0 * n / (iterations * rounds) for w, n in full_gcs.items()},
    }


def measure(endpoint: str, iterations: int, rounds: int, cwd: Path, python: Path) -> Dict[str, Any]:
    """Run :func:`run` in a fresh ``python`` (the training-job interpreter); a missing torch is the row's error."""
    cmd = [str(python), "-m", "benchmarks.workloads.training", "--endpoint", endpoint]
    cmd += ["--iterations", str(iterations), "--rounds", str(rounds)]
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 900 s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    result: Dict[str, Any] = json.loads(lines[-1])
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--iterations", type=int, default=ITERATIONS_PER_BATCH)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print(json.dumps({"error": f"not run: torch not installed in {sys.executable} (make torch-env builds it)"}))
        return 0
    print(json.dumps(run(args.endpoint, args.iterations, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
