"""OneLogger benchmark suite (``make bench``); not part of ``make test``.

``run.py`` is the entry point. Every measurement runs in a fresh interpreter started by ``run.py`` (see
``worker.py``) so the provider singleton, OpenTelemetry's global state and the heap of one workload cannot
leak into the next.
"""
