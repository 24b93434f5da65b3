"""How a benchmark is run and reported: worker processes, paired batches, the registry of rows, the table.

Nothing here knows what a workload does; the workloads live in ``benchmarks.workloads``.
"""
