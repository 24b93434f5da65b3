"""Suite-wide fixtures.

The harness fixtures of tests/support/fixtures.py (``otlp_sink``, ``rotel``, ``black_hole``,
``built_distributions``, ``fresh_venv``) are registered here once, for every directory of the suite.

Every test starts and ends with an unconfigured OneLogger: the provider is a process-wide singleton, and a
test that configured it (or made the library disable itself) must not leak that state into the next test.
"""

from typing import Iterator

import pytest

from nv_one_logger.testing import reset_one_logger

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(autouse=True)
def _reset_one_logger_provider() -> Iterator[None]:
    reset_one_logger()
    yield
    reset_one_logger()
