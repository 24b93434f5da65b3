"""Profile one workload's hot path with cProfile: ``python -m benchmarks.tools.profile NAME [--ops N] [--top N]``.

This is how the findings in docs/performance.md were produced. It builds the workload exactly as the
timed run does (same setup function from the registry), runs ``--ops`` operations under cProfile and prints
the functions with the most own time and the most cumulative time. cProfile inflates the cost of small
functions (each call pays the profiler's hook), so read it for *where* time goes, not for absolute numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import pstats
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

from benchmarks.harness.registry import WORKLOADS
from benchmarks.harness.workload import WorkerContext


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(WORKLOADS))
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--otlp-endpoint", default=None)
    args = parser.parse_args(argv)
    module_name, _, function_name = WORKLOADS[args.name].setup.partition(":")
    setup = getattr(importlib.import_module(module_name), function_name)
    with tempfile.TemporaryDirectory(prefix="onelogger-profile-") as tmp:
        workload = setup(WorkerContext(tmpdir=Path(tmp), otlp_endpoint=args.otlp_endpoint))
        batch = workload.ops_per_batch or 1000
        for _ in range(batch):  # warm-up: first-call costs (imports, caches) are not the hot path
            workload.op()
        workload.flush()
        profiler = cProfile.Profile()
        done = 0
        while done < args.ops:
            n = min(batch, args.ops - done)
            profiler.enable()
            for _ in range(n):
                workload.op()
            profiler.disable()
            workload.flush()
            done += n
        workload.close()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"==== {args.name}: {args.ops} ops, sorted by {order} ====")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
