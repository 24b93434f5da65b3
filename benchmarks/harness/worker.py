"""Run one workload in this (fresh) interpreter and print its result as one JSON line on stdout.

Usage: ``python -m benchmarks.harness.worker NAME --ops N --batches N --warmup N --tmpdir DIR [--otlp-endpoint URL]``.
``run.py`` starts one worker per workload and per round; nothing else should need to call it. A row that
has a baseline builds the baseline in the same process too and alternates batches with it (see
``measure.measure_paired``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.harness.measure import measure, measure_paired
from benchmarks.harness.registry import WORKLOADS
from benchmarks.harness.workload import SetupFn, WorkerContext, Workload


def _build(name: str, ctx: WorkerContext) -> Workload:
    module_name, _, function_name = WORKLOADS[name].setup.partition(":")
    setup: SetupFn = getattr(importlib.import_module(module_name), function_name)
    return setup(ctx)


def run(name: str, ops: int, batches: int, warmup: int, ctx: WorkerContext) -> Dict[str, object]:
    """Measure ``name``; paired with its baseline (same process, alternating batches) when it has one."""
    spec = WORKLOADS[name]
    workload = _build(name, ctx)
    baseline = _build(spec.baseline, ctx) if spec.baseline else None
    try:
        ops = min(ops, workload.ops_per_batch or ops)
        if baseline is None:
            stats = measure(workload.op, workload.flush, ops=ops, batches=batches, warmup=warmup)
            return {"name": name, "stats": stats.to_json(), "info": workload.info()}
        ops = min(ops, baseline.ops_per_batch or ops)
        paired = measure_paired(
            workload.op, workload.flush, baseline.op, baseline.flush, ops=ops, batches=batches, warmup=warmup
        )
        return {
            "name": name,
            "stats": paired.row.to_json(),
            "baseline_stats": paired.baseline.to_json(),
            "ratios": paired.ratios,
            "info": workload.info(),
        }
    finally:
        workload.close()
        if baseline is not None:
            baseline.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(WORKLOADS))
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--tmpdir", type=Path, required=True)
    parser.add_argument("--otlp-endpoint", default=None)
    args = parser.parse_args(argv)
    ctx = WorkerContext(tmpdir=args.tmpdir, otlp_endpoint=args.otlp_endpoint)
    try:
        result = run(args.name, args.ops, args.batches, args.warmup, ctx)
    except Exception as exc:
        traceback.print_exc()
        result = {"name": args.name, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
