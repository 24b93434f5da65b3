"""Pytest fixtures for the collector harness; import them into a conftest.py:

    from tests.support.fixtures import black_hole, otlp_sink, rotel  # noqa: F401

- ``otlp_sink``: a started ``OtlpSink`` (stopped after the test).
- ``rotel``: a started ``RotelCollector`` forwarding to ``otlp_sink`` (stopped after the test, also on failure;
  its log is printed when the test fails so a broken collector set-up is easy to see).
- ``black_hole``: a ``BlackHoleServer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.collector import BlackHoleServer, OtlpSink, RotelCollector


@pytest.fixture
def otlp_sink() -> Iterator[OtlpSink]:
    with OtlpSink() as sink:
        yield sink


@pytest.fixture
def rotel(otlp_sink: OtlpSink, tmp_path: Path) -> Iterator[RotelCollector]:
    collector = RotelCollector(otlp_sink, tmp_path / "rotel")
    try:
        yield collector.start()
    finally:
        collector.stop()
        print(f"--- rotel output ---\n{collector.log_text()[-4000:]}")


@pytest.fixture
def black_hole() -> Iterator[BlackHoleServer]:
    with BlackHoleServer() as server:
        yield server
