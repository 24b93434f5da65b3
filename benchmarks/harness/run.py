"""``make bench``: run every benchmark, print one table and write it as JSON.

Usage: ``python -m benchmarks [--quick] [--rounds N] [--only SUBSTRING] [--json PATH] [--no-collector]
[--update-docs]``

Each timed workload runs in its own fresh interpreter (``benchmarks.harness.worker``), once per round; rounds
interleave all workloads so a baseline and the rows divided by it see the same machine state. The rotel
collector and the OTLP sink of ``tests/support/collector.py`` run in this process for the collector rows.
Results go to ``benchmarks/results/latest.json`` (gitignored) unless ``--json`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from benchmarks.harness.registry import ORDER, WORKLOADS
from benchmarks.harness.report import aggregate_timing, render, training_loop, update_docs
from benchmarks.workloads import import_time, stall, throughput, training

ROOT = Path(__file__).resolve().parents[2]

Json = Dict[str, Any]

MEMORY_TARGET_MB = 20.0
SECTIONS = ("memory", "import", "throughput", "stall", "pytorch")
"""The untimed sections; ``--only SECTION`` runs one of them alone."""


def _machine() -> Json:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _json_line(proc: subprocess.CompletedProcess) -> Json:
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return {"error": tail}
    result: Json = json.loads(lines[-1])
    return result


def _worker(name: str, args: argparse.Namespace, tmpdir: Path, endpoint: Optional[str]) -> Json:
    workdir = Path(tempfile.mkdtemp(prefix=name.replace(".", "_") + "-", dir=tmpdir))
    cmd = [sys.executable, "-m", "benchmarks.harness.worker", name, "--tmpdir", str(workdir)]
    cmd += ["--ops", str(args.ops), "--batches", str(args.batches), "--warmup", str(args.warmup)]
    if endpoint:
        cmd += ["--otlp-endpoint", endpoint]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return {"name": name, "error": "timed out after 300 s"}
    return _json_line(proc)


def _memory(variant: str, events: int, tmpdir: Path) -> Json:
    workdir = Path(tempfile.mkdtemp(prefix=f"memory_{variant}-", dir=tmpdir))
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.workloads.memory",
        variant,
        "--events",
        str(events),
        "--tmpdir",
        str(workdir),
    ]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 600 s"}
    return _json_line(proc)


def _start_collector(stack: ExitStack, tmpdir: Path) -> Any:
    """Start the OTLP sink and rotel in front of it; returns the collector (``.sink``, ``.grpc_endpoint``)."""
    # The sink's gRPC server runs in this process, which keeps spawning workers: without this, gRPC's fork
    # handlers print a warning at every spawn (we never use gRPC in a forked child).
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
    from tests.support.collector import OtlpSink, RotelCollector

    sink = stack.enter_context(OtlpSink())
    return stack.enter_context(RotelCollector(sink, tmpdir / "rotel"))


def _training_job_python() -> Tuple[Optional[Path], str]:
    """The interpreter of the PyTorch training-job environment, or None and why it is not there."""
    from tests.support.training_job import TrainingJobMissing, missing_reason, training_job_python

    try:
        python = training_job_python()
    except TrainingJobMissing as exc:
        return None, str(exc)
    return python, "" if python is not None else missing_reason()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: tiny batches, one round")
    parser.add_argument("--rounds", type=int, default=None, help="rounds over all workloads (default 3, quick 1)")
    parser.add_argument(
        "--only",
        default=None,
        help=f"run only timed workloads whose name contains this, or only one section ({', '.join(SECTIONS)})",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--no-collector", action="store_true", help="skip every row that needs the collector")
    parser.add_argument(
        "--update-docs", action="store_true", help="also paste the table into docs/performance.md (between markers)"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    args.ops = 200 if args.quick else 1000
    args.batches = 3 if args.quick else 15
    args.warmup = 1 if args.quick else 2
    memory_events = 20_000 if args.quick else 1_000_000
    throughput_spans = 500 if args.quick else 20_000  # quick: a burst that fits the export queues
    throughput_repeats, throughput_steps = (1, 2) if args.quick else (3, 6)
    import_repeats = 1 if args.quick else 7
    stall_steps, stall_rounds = (2_000, 1) if args.quick else (20_000, 3)
    training_iterations, training_rounds = (20, 1) if args.quick else (training.ITERATIONS_PER_BATCH, training.ROUNDS)

    names = [n for n in ORDER if args.only is None or args.only in n]
    if args.only in SECTIONS:
        names = []
    # A row is useless without its baseline: run the baselines of selected rows too.
    names = [n for n in ORDER if n in names or any(WORKLOADS[m].baseline == n for m in names)]
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    doc: Json = {
        "started": started,
        "mode": "quick" if args.quick else "full",
        "machine": _machine(),
        "settings": {
            "rounds": rounds,
            "ops_per_batch": args.ops,
            "batches": args.batches,
            "warmup_batches": args.warmup,
            "memory_events": memory_events,
            "throughput_spans": throughput_spans,
            "throughput_repeats": throughput_repeats,
            "throughput_pace_steps": throughput_steps,
            "import_repeats": import_repeats,
            "stall_steps": stall_steps,
            "stall_rounds": stall_rounds,
            "training_iterations_per_batch": training_iterations,
            "training_rounds": training_rounds,
        },
        "command": "make bench" + ("  (python -m benchmarks --quick)" if args.quick else ""),
    }
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="onelogger-bench-") as tmp, ExitStack() as stack:
        tmpdir = Path(tmp)
        collector = None
        collector_error = "skipped (--no-collector)"
        if not args.no_collector:
            try:
                collector = _start_collector(stack, tmpdir)
            except Exception as exc:
                collector_error = f"collector unavailable: {type(exc).__name__}: {exc}"
        endpoint = collector.grpc_endpoint if collector is not None else None

        per_round: List[Dict[str, Json]] = []
        for round_index in range(rounds):
            results: Dict[str, Json] = {}
            for name in names:
                if WORKLOADS[name].needs_collector and collector is None:
                    results[name] = {"name": name, "error": collector_error}
                    continue
                _progress(f"[round {round_index + 1}/{rounds}] {name}")
                results[name] = _worker(name, args, tmpdir, endpoint)
                if collector is not None:
                    collector.sink.clear()
            per_round.append(results)
        doc["timing"] = aggregate_timing(per_round)
        doc["training_loop"] = training_loop(doc["timing"])

        def wanted(section: str) -> bool:
            return args.only is None or args.only == section

        if wanted("memory"):
            doc["memory"] = {}
            for variant in ("sdk", "none", "file", "otel_null"):
                _progress(f"memory: {variant} ({memory_events:,} events on one open span)")
                row = _memory(variant, memory_events, tmpdir)
                if variant != "sdk":
                    row["target"] = MEMORY_TARGET_MB
                doc["memory"][f"memory.{variant}"] = row
        if wanted("import"):
            _progress("import time")
            doc["import"] = import_time.run_all(import_repeats, ROOT)
        if wanted("throughput"):
            if collector is None:
                doc["throughput"] = {f"throughput.{kind}": {"error": collector_error} for kind in throughput.KINDS}
            else:
                _progress(
                    f"throughput to the collector: {throughput_repeats} x both kinds, {throughput_spans:,} spans, "
                    f"{throughput_steps} pace steps"
                )
                doc["throughput"] = throughput.compare(
                    collector.sink,
                    collector.grpc_endpoint,
                    throughput_spans,
                    ROOT,
                    throughput_repeats,
                    throughput_steps,
                )
        if wanted("stall"):
            if collector is None:
                doc["stall"] = {"error": collector_error}
            else:
                _progress(f"caller stall: {stall_rounds} x {stall_steps:,} span+event steps per kind")
                doc["stall"] = stall.measure(
                    collector.grpc_endpoint, stall_steps, stall_rounds, ROOT, after_run=collector.sink.clear
                )
        if wanted("pytorch"):
            torch_python, torch_missing = _training_job_python()
            if torch_python is None:
                doc["pytorch"] = {"error": f"not run: {torch_missing}"}
            elif collector is None:
                doc["pytorch"] = {"error": collector_error}
            else:
                _progress(f"PyTorch training loop: {training_rounds} rounds of {training_iterations} iterations")
                doc["pytorch"] = training.measure(
                    collector.grpc_endpoint, training_iterations, training_rounds, ROOT, torch_python
                )
                collector.sink.clear()
    doc["seconds"] = round(time.monotonic() - t_start, 1)
    table = render(doc)
    doc["table"] = table
    print(table)
    print(f"\n({doc['seconds']} s; JSON written to {args.json})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n")
    if args.update_docs:
        docs = ROOT / "docs" / "performance.md"
        print(f"docs: {'updated' if update_docs(docs, doc) else 'markers not found in'} {docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
