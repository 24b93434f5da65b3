"""Helpers shared by OneLogger and by domain libraries built on it (training-telemetry layers).

These are internal in the sense that applications should not need them, but their import paths are kept stable
because domain libraries import them.
"""
