"""OneLogger benchmark suite (``make bench`` = ``python -m benchmarks``); not part of ``make test``.

``harness`` runs and reports (every measurement in a fresh interpreter, so the provider singleton,
OpenTelemetry's global state and the heap of one workload cannot leak into the next); ``workloads`` says what is
measured; ``tools`` holds the profiling helpers used by hand.
"""
