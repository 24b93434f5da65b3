"""A hand-built multi-rank run with one injected straggler, for the per-rank views (summary --by-rank, report).

Each rank writes ``rank{r}-{pid}.jsonl``: application > training_loop > ``iterations`` training_iteration spans
(each with a data_loading child and a ``training_metrics`` event carrying ``loss``), and a checkpoint_save.
Iterations take about 100 ms with a little deterministic jitter; on the straggler rank they take 180 ms.
Application errors: rank 3 at 0.5 s and rank 1 at 1.5 s (so time order differs from file order); a telemetry
data error on rank 0 near the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from tests.support.record_builders import RecordWriter, write_file

STRAGGLER_ITERATION = 0.18


def rank_records(rank: int, iterations: int = 12, straggler: int = 2) -> RecordWriter:
    w = RecordWriter(pid=1000 + rank)
    p = f"r{rank}-"
    w.start(p + "app", "application", 0.0)
    w.start(p + "loop", "training_loop", 0.05, parent_id=p + "app")
    t = 0.1
    loss = 2.0
    for i in range(iterations):
        sid = f"{p}it{i}"
        length = STRAGGLER_ITERATION if rank == straggler else 0.1 + 0.002 * ((i * 7 + rank) % 5)
        w.start(sid, "training_iteration", t, parent_id=p + "loop", iteration=i)
        w.complete(f"{p}dl{i}", "data_loading", t, t + 0.01, parent_id=sid)
        loss *= 0.9
        w.event(sid, "training_metrics", t + length * 0.9, loss=round(loss + 0.01 * rank, 4))
        w.stop(sid, "training_iteration", t + length)
        t += length + 0.001
    if rank == 3:
        w.error(p + "loop", "rank 3 lost a shard", 0.5)
    if rank == 1:
        w.error(p + "loop", "rank 1 retried a read", 1.5)
    w.complete(p + "ckpt", "checkpoint_save", t, t + 0.2, parent_id=p + "loop")
    t += 0.2
    if rank == 0:
        w.telemetry_data_error("exporter dropped 3 records", t)
    w.stop(p + "loop", "training_loop", t)
    w.stop(p + "app", "application", t + 0.01)
    return w


def write_run(directory: Path, ranks: int = 4, straggler: int = 2, iterations: int = 12) -> List[Path]:
    """Write one file per rank into ``directory``; returns the paths, rank order."""
    paths = []
    for rank in range(ranks):
        w = rank_records(rank, iterations, straggler)
        paths.append(write_file(directory / f"rank{rank}-{w.pid}.jsonl", w.records))
    return paths
