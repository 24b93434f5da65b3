"""Fixtures of the 2.3.1 compatibility suite.

``nv-one-logger-training-telemetry==2.3.1`` is installed by ``make test`` from requirements/compat.txt with
``--no-deps`` on top of this checkout's core. Its provider is a second process-wide singleton: it is dropped
before and after every test, like the core provider (tests/conftest.py).
"""

from typing import Iterator

import pytest

try:
    from nv_one_logger.training_telemetry.api.training_telemetry_provider import TrainingTelemetryProvider
except ImportError as exc:  # pragma: no cover - a set-up problem, reported plainly
    raise ImportError(
        "tests/compat needs nv-one-logger-training-telemetry 2.3.1: run `make test` (it installs "
        "requirements/compat.txt with --no-deps)"
    ) from exc


@pytest.fixture(autouse=True)
def _fresh_training_telemetry_provider() -> Iterator[None]:
    TrainingTelemetryProvider.reset_instance()
    yield
    TrainingTelemetryProvider.reset_instance()
