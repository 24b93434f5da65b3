"""Run one workload in this (fresh) interpreter and print its result as one JSON line on stdout.

Usage: ``python -m benchmarks.worker NAME --ops N --batches N --warmup N --tmpdir DIR [--otlp-endpoint URL]``.
``run.py`` starts one worker per workload and per round; nothing else should need to call it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.measure import measure
from benchmarks.registry import WORKLOADS
from benchmarks.workload import WorkerContext


def run(name: str, ops: int, batches: int, warmup: int, ctx: WorkerContext) -> Dict[str, object]:
    spec = WORKLOADS[name]
    module_name, _, function_name = spec.setup.partition(":")
    setup = getattr(importlib.import_module(module_name), function_name)
    workload = setup(ctx)
    try:
        ops = min(ops, workload.ops_per_batch or ops)
        stats = measure(workload.op, workload.flush, ops=ops, batches=batches, warmup=warmup)
        info = workload.info()
    finally:
        workload.close()
    return {"name": name, "stats": stats.to_json(), "info": info}


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
