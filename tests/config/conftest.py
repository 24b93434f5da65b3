"""Fixtures for the exporter configuration tests: an isolated lookup environment and fake entry points."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Callable, Dict

import pytest

from tests.support.environment import clear_library_env


@pytest.fixture(autouse=True)
def isolated_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in its own empty working directory with no config or OTLP variables set."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    # Also the variables that select config files or switch on the sibling packages' default exporters.
    clear_library_env(monkeypatch)
    return workdir


@pytest.fixture
def fake_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Dict[str, str]], str]:
    """Register entry points in the nv_one_logger.exporter_configs group without installing anything.

    A ``*.dist-info`` directory with METADATA and entry_points.txt on sys.path is a distribution as far as
    importlib.metadata is concerned. Returns the distribution name (unique per call).
    """

    def register(entry_points: Dict[str, str]) -> str:
        dist_name = f"fake_one_logger_plugin_{uuid.uuid4().hex[:8]}"
        site = tmp_path / f"site_{dist_name}"
        dist_info = site / f"{dist_name}-1.2.3.dist-info"
        dist_info.mkdir(parents=True)
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.2.3\n")
        lines = ["[nv_one_logger.exporter_configs]"] + [f"{name} = {value}" for name, value in entry_points.items()]
        (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        monkeypatch.syspath_prepend(str(site))
        return dist_name

    return register


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write an exporter config file (dict -> JSON, str -> as is) and return its path."""

    def write(content: object, name: str = "exporters.json", directory: Path = tmp_path) -> Path:
        path = directory / name
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
        return path

    return write
