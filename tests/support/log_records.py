"""Pick log records out of pytest's ``caplog``: the library's own, or the warnings (by message).

Many tests assert "the library logged this once" or "nothing was logged"; these helpers say which records
count, so each test does not re-state the filter.
"""

from __future__ import annotations

import logging
from typing import List

import pytest

LIBRARY_LOGGER_PREFIX = "nv_one_logger"


def library_records(caplog: pytest.LogCaptureFixture, level: int = logging.ERROR) -> List[logging.LogRecord]:
    """Records at ``level`` or above logged by the library's own loggers."""
    return [r for r in caplog.records if r.name.startswith(LIBRARY_LOGGER_PREFIX) and r.levelno >= level]


def warning_messages(caplog: pytest.LogCaptureFixture) -> List[str]:
    """The messages of every captured record at WARNING or above (any logger), in order."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
