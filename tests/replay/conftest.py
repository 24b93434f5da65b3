"""Fixtures of the replay tests: the collector harness and ``recorded``, a record file of the reference job."""

from pathlib import Path

import pytest

from tests.support.environment import set_otel_env
from tests.support.reference_job import record_job


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``run.jsonl`` written by ``record_job`` with no OTEL_* variables set (a replay then sees only its own)."""
    set_otel_env(monkeypatch)
    path = tmp_path / "run.jsonl"
    record_job(path)
    return path
