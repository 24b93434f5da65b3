"""Shared fixtures for the reliability suite.

The reliability tests prove promises with numbers (exit time under a collector fault, records read back after
SIGKILL, spans arrived vs expected, fuzz examples run). Those numbers are worth keeping, so every test reports
them through the `figure` fixture, which

- prints them (visible with `pytest -rP` or `-s`),
- attaches them to the test report as user properties (so they survive pytest-xdist and land in junit XML),
- stores them in pytest's cache under `reliability/figures/<test id>` (workers share the cache directory),
  from where `python -m tests.reliability.figures` renders the table that goes into docs/reliability.md.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

FIGURES_CACHE_PREFIX = "reliability/figures/"


@pytest.fixture
def figure(request: pytest.FixtureRequest, record_property: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    """Return `figure(name, value)`: report one measured number of this test (see the module docstring)."""
    collected: dict[str, Any] = {}
    key = FIGURES_CACHE_PREFIX + request.node.nodeid.replace("/", "_").replace("::", "__")

    def record(name: str, value: Any) -> None:
        if isinstance(value, float):
            value = round(value, 3)
        collected[name] = value
        record_property(f"figure:{name}", value)
        print(f"[figure] {request.node.name}: {name} = {value}")
        cache = getattr(request.config, "cache", None)  # absent with `-p no:cacheprovider`
        if cache is not None:
            cache.set(key, {"test": request.node.nodeid, "time": time.time(), "figures": collected})

    return record
