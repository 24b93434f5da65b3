"""Write a large, realistic record file fast (for the memory tests and the by-hand 1 GB check).

A real FileExporter writes a few thousand records per second; a test cannot wait for a gigabyte of them, so
this writes the same JSON lines from templates: per iteration a ``training_iteration`` span (start/stop), a
``data_loading`` complete record and a ``training_metrics`` event with ``loss``, about 1.2 kB in all.

    python -m tests.support.big_record_file OUT.jsonl SIZE_MB [RANK]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List

T0 = 1_700_000_000.0


def _event(name: str, at: float, **attrs: object) -> str:
    attributes = dict(attrs, timestamp_msec=int((T0 + at) * 1000))
    stamp = {"seconds_since_epoch": T0 + at, "perf_counter_seconds": 100.0 + at}
    return json.dumps({"name": name, "timestamp": stamp, "attributes": attributes})


def _iteration(head: str, rank: int, iteration: int, at: float) -> List[str]:
    sid = f"it-{rank}-{iteration:08d}-0000-0000-000000000000"
    loss = 2.0 / (1 + iteration * 1e-3)
    return [
        head % "start"
        + f'"id": "{sid}", "name": "training_iteration", "attributes": {{"iteration": {iteration}, "rank": {rank}}}, '
        + f'"start_event": {_event("span_start", at)}, "parent_id": "app-{rank}"}}',
        head % "complete"
        + f'"id": "dl-{sid}", "name": "data_loading", "attributes": {{"duration_msec": 2}}, '
        + f'"start_event": {_event("span_start", at)}, "stop_event": {_event("span_stop", at + 0.002)}, '
        + f'"parent_id": "{sid}"}}',
        head % "event" + f'"span_id": "{sid}", "event": {_event("training_metrics", at + 0.009, loss=loss)}}}',
        head % "stop"
        + f'"id": "{sid}", "name": "training_iteration", "attributes": {{"duration_msec": 10}}, '
        + f'"stop_event": {_event("span_stop", at + 0.01)}}}',
    ]


def write_big_file(path: Path, size_bytes: int, rank: int = 0) -> int:
    """Write at least ``size_bytes`` of records for one rank into ``path``; returns the number of records."""
    head = f'{{"type": "%s", "count": @COUNT@, "pid": {5000 + rank}, '
    count = 0
    at = 0.0
    with open(path, "w", encoding="utf-8") as out:

        def put(record: str) -> None:
            nonlocal count
            count += 1
            out.write(record.replace("@COUNT@", str(count), 1) + "\n")

        put(
            head % "start"
            + f'"id": "app-{rank}", "name": "application", "attributes": {{"rank": {rank}}}, '
            + f'"start_event": {_event("span_start", at)}, "parent_id": null}}'
        )
        iteration = 0
        while out.tell() < size_bytes:
            for record in _iteration(head, rank, iteration, at):
                put(record)
            iteration += 1
            at += 0.011
        put(
            head % "stop"
            + f'"id": "app-{rank}", "name": "application", "attributes": {{}}, '
            + f'"stop_event": {_event("span_stop", at)}}}'
        )
    return count


if __name__ == "__main__":
    target, megabytes = Path(sys.argv[1]), float(sys.argv[2])
    written = write_big_file(target, int(megabytes * 1_000_000), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    print(f"{target}: {written:,} records, {target.stat().st_size / 1e6:.0f} MB")
