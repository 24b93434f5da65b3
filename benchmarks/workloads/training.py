"""A real training loop: a small PyTorch CPU model, with no telemetry, the raw OTel SDK, and OneLogger.

Every iteration is one forward/backward/optimizer step of a small MLP on a random batch, then ``loss.item()``
(what a loop does to log a metric). The instrumented ways wrap the iteration in one span and add 10 metric
events to it:

- raw SDK: ``tracer.start_as_current_span`` and ``span.add_event`` (``BatchSpanProcessor`` + OTLP/gRPC);
- OneLogger: ``timed_span`` and ``recorder.event(span, Event.create(...))`` with the ``OTelExporter`` (OTLP/gRPC).

Both ship to the same real collector.

Each measured run is one way alone in its own fresh interpreter (:func:`run_one`): 300 untimed warm-up
iterations, a flush and one ``gc.collect()`` (the same for every way), then ``ITERATIONS_PER_BATCH`` timed
iterations with the garbage collector left to its own schedule, then a flush. So every full garbage collection in
a run is triggered by that way's own allocations, none by another way's, and the collector's full-collection
bookkeeping runs undisturbed, as in a long training job (a forced collection would reset it). With torch
loaded one full collection scans a few hundred thousand objects (130-170 ms on the bench machine); each run
counts and times them (``gc.callbacks``). A run reports its process CPU time per iteration (every thread, read
after the flush: the export work done for the run is counted even when the export thread had not caught up, and
waiting for the collector's reply is not) and the loop's own wall time per iteration (flush excluded).

:func:`run` does ``ROUNDS`` rounds; in each, the three ways run one after the other, in an order that rotates
from round to round. Overhead = (CPU per iteration / CPU per iteration of the no-telemetry run of the same round)
- 1, median over rounds. Dropped work would flatter a way, so it is counted: OneLogger's dropped calls (its
exporter's counters) and the raw SDK's dropped spans (spans ended minus spans handed to the exporter; the
``BatchSpanProcessor`` queue holds 2,048 spans). PyTorch runs on one thread, leaving the second core to the
export thread and the collector.

Usage: ``python -m benchmarks.workloads.training --endpoint URL --iterations N --rounds R`` (prints one JSON
line; ``--way W`` runs one way once, in that interpreter). It runs in the PyTorch training-job environment,
``.venv-torch`` (``make torch-env``, built by ``make bench`` and ``make test``; see
``tests/support/training_job.py``), not in the environment of the rest of the suite, which has no torch. Without
that environment, or in an interpreter without torch, the row reports why it did not run.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional

WAYS = ("none", "sdk", "onelogger")
EVENTS_PER_ITERATION = 10
ITERATIONS_PER_BATCH = 10_000
"""Timed iterations per run. A run must be long against the spacing of the full garbage collections a way
triggers (the raw SDK's queued spans and events: one about every 2,300 iterations; OneLogger: one about every
10,000), so that over all rounds their cost is sampled; 3 rounds of 10,000 keep the whole row near two minutes."""
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


class _Way(NamedTuple):
    step: Callable[[int], None]
    flush: Callable[[], object]
    dropped: Callable[[int], Optional[int]]
    """Given the number of iterations run: how many spans or calls the way dropped (None: the way has none)."""
    close: Callable[[], object]


def _build(endpoint: str, way: str) -> _Way:
    """The iteration function of ``way`` and its flush; only that way's telemetry is set up in this interpreter."""
    train = _model_step()
    if way == "none":

        def plain(i: int) -> None:
            train(i)

        return _Way(plain, lambda: None, lambda ran: None, lambda: None)
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    if way == "sdk":
        return _sdk_way(OTLPSpanExporter(endpoint=endpoint, insecure=True), train)

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

    def with_onelogger(i: int) -> None:
        with timed_span("train_step", span_attributes={"step": i}) as span:  # type: ignore[arg-type]
            loss = train(i)
            for k in range(EVENTS_PER_ITERATION):
                recorder.event(span, Event.create("metric", {"name": f"m{k}", "value": loss, "step": i}))  # type: ignore[arg-type]

    def calls_dropped(ran: int) -> Optional[int]:
        return getattr(getattr(exporter, "stats", None), "calls_dropped", None)

    return _Way(with_onelogger, exporter.force_flush, calls_dropped, recorder.close)


def _sdk_way(otlp: Any, train: Callable[[int], float]) -> _Way:
    """The raw SDK: ``BatchSpanProcessor`` over ``otlp``, behind a pass-through exporter that counts what it is
    given, so the spans the processor's full queue (2,048) dropped are the spans ended minus the spans exported
    (one addition per exported batch of up to 512 spans)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    class Counting(SpanExporter):
        exported = 0

        def export(self, spans: Any) -> Any:
            Counting.exported += len(spans)
            return otlp.export(spans)

        def shutdown(self) -> None:
            otlp.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return bool(otlp.force_flush(timeout_millis))

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Counting()))
    tracer = provider.get_tracer("bench")

    def with_sdk(i: int) -> None:
        with tracer.start_as_current_span("train_step", attributes={"step": i}) as span:
            loss = train(i)
            for k in range(EVENTS_PER_ITERATION):
                span.add_event("metric", {"name": f"m{k}", "value": loss, "step": i})

    return _Way(with_sdk, provider.force_flush, lambda ran: ran - Counting.exported, provider.shutdown)


WARM_UP_ITERATIONS = 300
"""Untimed iterations a run starts with (first exports, caches), followed by a flush and one ``gc.collect()``."""


class _FullCollections:
    """Counts and times the full (generation 2) garbage collections of this interpreter, via ``gc.callbacks``."""

    def __init__(self) -> None:
        self.count = 0
        self.ns = 0
        self._started = 0

    def __call__(self, phase: str, info: Dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter_ns()
        else:
            self.count += 1
            self.ns += time.perf_counter_ns() - self._started


def run_one(endpoint: str, way: str, iterations: int) -> Dict[str, Any]:
    """One run of one way in this (fresh) interpreter: warm up, ``gc.collect()``, then ``iterations`` timed ones.

    Nothing forces a collection inside the timed iterations, so the collector runs on its own schedule, driven by
    this way's allocations alone (the interpreter runs no other way). Process CPU (every thread) is read after the
    flush; the loop's wall time excludes it.
    """
    chosen = _build(endpoint, way)
    fn, flush = chosen.step, chosen.flush
    warm_up = min(iterations, WARM_UP_ITERATIONS)
    for i in range(warm_up):
        fn(i)
    flush()
    gc.collect()
    full = _FullCollections()
    gc.callbacks.append(full)
    cpu0, wall0 = time.process_time_ns(), time.perf_counter_ns()
    for i in range(iterations):
        fn(i)
    wall1 = time.perf_counter_ns()
    flush()
    cpu1 = time.process_time_ns()
    gc.callbacks.remove(full)
    dropped = chosen.dropped(warm_up + iterations)
    chosen.close()
    return {
        "cpu_ns_per_iteration": (cpu1 - cpu0) / iterations,
        "wall_ns_per_iteration": (wall1 - wall0) / iterations,
        "full_collections": full.count,
        "full_collection_ns": full.ns,
        "dropped": dropped,
    }


def _run_in_child(endpoint: str, way: str, iterations: int) -> Dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.workloads.training", "--endpoint", endpoint]
    cmd += ["--iterations", str(iterations), "--way", way]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"]
        raise RuntimeError(f"{way} run failed: {tail[-1]}")
    result: Dict[str, Any] = json.loads(lines[-1])
    return result


def run(endpoint: str, iterations: int, rounds: int) -> Dict[str, Any]:
    """``rounds`` rounds; in each, every way runs once in its own fresh interpreter (:func:`run_one`).

    The order of the ways rotates from round to round. Each overhead is taken against the no-telemetry run of
    the same round, so the comparison is between runs a few seconds apart; the median over rounds is reported.
    """
    cpu: Dict[str, List[float]] = {w: [] for w in WAYS}
    wall: Dict[str, List[float]] = {w: [] for w in WAYS}
    full_gcs: Dict[str, int] = {w: 0 for w in WAYS}
    gc_ns: Dict[str, int] = {w: 0 for w in WAYS}
    dropped: Dict[str, Optional[int]] = {w: None for w in WAYS}
    for index in range(rounds):
        for way in WAYS[index % 3 :] + WAYS[: index % 3]:
            one = _run_in_child(endpoint, way, iterations)
            cpu[way].append(one["cpu_ns_per_iteration"])
            wall[way].append(one["wall_ns_per_iteration"])
            full_gcs[way] += one["full_collections"]
            gc_ns[way] += one["full_collection_ns"]
            if one["dropped"] is not None:
                dropped[way] = (dropped[way] or 0) + one["dropped"]

    def overhead(samples: Dict[str, List[float]], way: str) -> float:
        return statistics.median(100.0 * (t / n - 1.0) for t, n in zip(samples[way], samples["none"]))

    timed = iterations * rounds
    cpu_overhead = {way: overhead(cpu, way) for way in ("sdk", "onelogger")}
    return {
        "iterations_per_batch": iterations,
        "rounds": rounds,
        "cpu_us_per_iteration": {w: statistics.median(v) / 1000 for w, v in cpu.items()},
        "wall_us_per_iteration": {w: statistics.median(v) / 1000 for w, v in wall.items()},
        "overhead_pct": cpu_overhead,
        "wall_overhead_pct": {way: overhead(wall, way) for way in ("sdk", "onelogger")},
        "x_sdk_overhead": cpu_overhead["onelogger"] / cpu_overhead["sdk"] if cpu_overhead["sdk"] > 0 else None,
        "onelogger_calls_dropped": dropped["onelogger"],
        "sdk_spans_dropped": dropped["sdk"],
        "full_collections": full_gcs,
        "full_collections_per_1000_iterations": {w: 1000.0 * n / timed for w, n in full_gcs.items()},
        "full_collection_us_per_iteration": {w: ns / 1000 / timed for w, ns in gc_ns.items()},
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
    parser.add_argument("--way", choices=WAYS, help="run this way once, in this interpreter (run_one)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("torch") is None:
        print(json.dumps({"error": f"not run: torch not installed in {sys.executable} (make torch-env builds it)"}))
        return 0
    if args.way is not None:
        print(json.dumps(run_one(args.endpoint, args.way, args.iterations)))
    else:
        print(json.dumps(run(args.endpoint, args.iterations, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
