"""Tools for investigating a row by hand (cProfile of one workload, the hot-path cost breakdown); not run by
``make bench``."""
