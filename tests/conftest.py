"""Suite-wide fixtures.

Every test starts and ends with an unconfigured OneLogger: the provider is a process-wide singleton, and a
test that configured it (or made the library disable itself) must not leak that state into the next test.
"""

from typing import Iterator

import pytest

from nv_one_logger.testing import reset_one_logger


@pytest.fixture(autouse=True)
def _reset_one_logger_provider() -> Iterator[None]:
    reset_one_logger()
    yield
    reset_one_logger()
