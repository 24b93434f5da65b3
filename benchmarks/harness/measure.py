"""The timing primitive shared by every throughput workload.

One *batch* runs an operation ``ops`` times in a tight loop and reads three clocks around it:

- ``perf_counter_ns`` (wall time of the caller thread): what the training loop waits for;
- ``thread_time_ns`` (CPU of the caller thread);
- ``process_time_ns`` (CPU of every thread of the process). It is read only *after* the workload's
  ``flush`` ran, so work that a background exporter thread does for the batch (a BatchSpanProcessor
  exporting) is counted even when it finishes after the loop.

The garbage collector stays enabled during a batch, as it is in a training loop: allocation-heavy code pays
for the collections it triggers. Each batch starts after a ``gc.collect()`` so one batch does not pay for
the garbage of the previous one. The result is the median over batches (warm-up batches discarded), which
is robust to the odd scheduler hiccup on a shared two-core machine.

A row with a baseline is measured *paired* (:func:`measure_paired`): both are set up in the same process
and their batches alternate, so the ratio compares batches that ran a fraction of a second apart.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List


@dataclass
class BatchSample:
    """Per-operation nanoseconds measured over one batch."""

    wall_ns: float
    thread_cpu_ns: float
    process_cpu_ns: float


@dataclass
class Stats:
    """Medians over batches, per operation, in nanoseconds, plus the spread of the wall time."""

    wall_ns: float
    thread_cpu_ns: float
    process_cpu_ns: float
    wall_p10_ns: float
    wall_p90_ns: float
    batches: int
    ops_per_batch: int

    def to_json(self) -> Dict[str, float]:
        return asdict(self)


def run_batch(op: Callable[[], object], flush: Callable[[], None], ops: int) -> BatchSample:
    """Run ``op`` ``ops`` times, then ``flush``; return per-op times."""
    gc.collect()
    rng = range(ops)
    process0 = time.process_time_ns()
    thread0 = time.thread_time_ns()
    wall0 = time.perf_counter_ns()
    for _ in rng:
        op()
    wall1 = time.perf_counter_ns()
    thread1 = time.thread_time_ns()
    flush()
    process1 = time.process_time_ns()
    return BatchSample(
        wall_ns=(wall1 - wall0) / ops,
        thread_cpu_ns=(thread1 - thread0) / ops,
        process_cpu_ns=(process1 - process0) / ops,
    )


def _quantile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summarize(samples: List[BatchSample], ops: int) -> Stats:
    """Medians (and wall-time spread) over ``samples``."""
    walls = [s.wall_ns for s in samples]
    return Stats(
        wall_ns=statistics.median(walls),
        thread_cpu_ns=statistics.median(s.thread_cpu_ns for s in samples),
        process_cpu_ns=statistics.median(s.process_cpu_ns for s in samples),
        wall_p10_ns=_quantile(walls, 0.1),
        wall_p90_ns=_quantile(walls, 0.9),
        batches=len(samples),
        ops_per_batch=ops,
    )


def measure(op: Callable[[], object], flush: Callable[[], None], ops: int, batches: int, warmup: int = 2) -> Stats:
    """Measure ``batches`` batches of ``ops`` operations after ``warmup`` discarded batches."""
    for _ in range(warmup):
        run_batch(op, flush, ops)
    return summarize([run_batch(op, flush, ops) for _ in range(batches)], ops)


@dataclass
class Paired:
    """A row and its baseline measured batch by batch in one process, and the median per-batch ratios."""

    row: Stats
    baseline: Stats
    ratios: Dict[str, float]


def measure_paired(
    op: Callable[[], object],
    flush: Callable[[], None],
    base_op: Callable[[], object],
    base_flush: Callable[[], None],
    ops: int,
    batches: int,
    warmup: int = 2,
) -> Paired:
    """Alternate batches of a row and of its baseline; the ratio of each pair of neighbouring batches is
    taken, and the median of those ratios reported.

    Pairing batches that ran a fraction of a second apart cancels most of the drift of a shared, noisy
    machine (other processes starting, CPU frequency changes), which two measurements seconds apart would
    not. The order inside a pair alternates so neither side always runs first.
    """
    for _ in range(warmup):
        run_batch(op, flush, ops)
        run_batch(base_op, base_flush, ops)
    rows: List[BatchSample] = []
    bases: List[BatchSample] = []
    for index in range(batches):
        if index % 2 == 0:
            rows.append(run_batch(op, flush, ops))
            bases.append(run_batch(base_op, base_flush, ops))
        else:
            bases.append(run_batch(base_op, base_flush, ops))
            rows.append(run_batch(op, flush, ops))
    ratios = {
        metric: statistics.median(getattr(r, metric) / getattr(b, metric) for r, b in zip(rows, bases))
        for metric in ("wall_ns", "thread_cpu_ns", "process_cpu_ns")
    }
    return Paired(row=summarize(rows, ops), baseline=summarize(bases, ops), ratios=ratios)
