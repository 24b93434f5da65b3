"""The environment variables of a test: exactly the ones the test chose, none inherited from the caller.

The OTel bridge, the replay and the doctor read their settings from ``OTEL_*`` variables, the exporter
configuration lookup from ``ONE_LOGGER_*`` ones, as an operator sets them; a variable left in the developer's
shell must not change what a test sees. (Child processes: ``tests.support.processes.child_env``.)
"""

from __future__ import annotations

import os
from typing import Dict, Mapping, Optional

import pytest

OTEL_PREFIX = "OTEL_"
#: Prefixes of the variables that change what the library does.
LIBRARY_ENV_PREFIXES = (OTEL_PREFIX, "ONE_LOGGER_")


def otlp_env(endpoint: str, protocol: str, **extra: str) -> Dict[str, str]:
    """Variables pointing the OTLP exporter at ``endpoint`` with ``protocol`` ("grpc" or "http"), plus ``extra``.

    The batch delay is 100 ms, so spans reach the collector soon after they end.
    """
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc" if protocol == "grpc" else "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    env.update(extra)
    return env


def set_otel_env(monkeypatch: pytest.MonkeyPatch, env: Optional[Mapping[str, str]] = None, **more: str) -> None:
    """Remove every ``OTEL_*`` variable of this process, then set ``env`` and ``more`` (undone after the test)."""
    for name in [n for n in os.environ if n.startswith(OTEL_PREFIX)]:
        monkeypatch.delenv(name)
    for name, value in {**(env or {}), **more}.items():
        monkeypatch.setenv(name, value)


def clear_library_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every ``OTEL_*`` and ``ONE_LOGGER_*`` variable of this process (restored after the test)."""
    for name in [n for n in os.environ if n.startswith(LIBRARY_ENV_PREFIXES)]:
        monkeypatch.delenv(name)
