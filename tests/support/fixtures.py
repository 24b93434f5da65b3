"""Pytest fixtures of the harness, registered for the whole suite by tests/conftest.py (``pytest_plugins``):

- ``otlp_sink``: a started ``OtlpSink`` (stopped after the test).
- ``rotel``: a started ``RotelCollector`` forwarding to ``otlp_sink`` (stopped after the test, also on failure;
  its log is printed when the test fails so a broken collector set-up is easy to see).
- ``black_hole``: a ``BlackHoleServer``.
- ``built_distributions`` (session): a ``BuiltDistributions`` (tests/support/wheels.py): our three wheels and
  sdists, built once per run for all xdist workers, and a wheelhouse with every dependency for ``--no-index``.
- ``fresh_venv``: a factory ``fresh_venv(name="venv", with_pip=False) -> FreshVenv`` creating venvs under the
  test's ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from tests.support.collector import BlackHoleServer, OtlpSink, RotelCollector
from tests.support.wheels import BuiltDistributions, FreshVenv, shared_build


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


@pytest.fixture(scope="session")
def built_distributions(tmp_path_factory: pytest.TempPathFactory) -> BuiltDistributions:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, shared by the workers (each has its own basetemp below it)
    return shared_build(base / "onelogger-built-distributions")


@pytest.fixture
def fresh_venv(tmp_path: Path) -> Callable[..., FreshVenv]:
    def create(name: str = "venv", with_pip: bool = False) -> FreshVenv:
        return FreshVenv.create(tmp_path / name, with_pip=with_pip)

    return create
