"""One release number for the three distributions, and exact pins between the siblings.

pip must never mix our distributions with an older release of the same names (2.3.1 is on the index): the core's
``otel``/``file`` extras and the exporters' core dependency name exactly the release in
``nv_one_logger.core.internal.version.__version__``, which every pyproject reads through hatch's version source.
These tests fail as soon as a pyproject stops reading that source or a pin differs from it.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Dict

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from nv_one_logger.core.internal.version import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the root suite runs on 3.11+; tox runs only the package suites on older versions
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "nv-one-logger-core": ROOT / "packages" / "core",
    "nv-one-logger-file": ROOT / "packages" / "file-exporter",
    "nv-one-logger-otel": ROOT / "packages" / "otel-exporter",
}
VERSION_MODULE = ROOT / "packages/core/src/nv_one_logger/core/internal/version.py"


def _pyproject(distribution: str) -> Dict[str, Any]:
    return tomllib.loads((PACKAGES[distribution] / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements(requirements: list) -> Dict[str, Requirement]:
    parsed = [Requirement(line) for line in requirements]
    return {req.name: req for req in parsed}


@pytest.mark.parametrize("distribution", sorted(PACKAGES))
def test_every_distribution_reads_its_version_from_the_core_version_module(distribution: str) -> None:
    data = _pyproject(distribution)
    assert data["project"]["name"] == distribution
    assert "version" not in data["project"], "a literal version would bypass the single source"
    assert data["project"]["dynamic"] == ["version"]
    source = (PACKAGES[distribution] / data["tool"]["hatch"]["version"]["path"]).resolve()
    assert source == VERSION_MODULE


def test_core_extras_pin_the_exporters_to_this_release() -> None:
    extras = _pyproject("nv-one-logger-core")["project"]["optional-dependencies"]
    assert str(_requirements(extras["otel"])["nv-one-logger-otel"].specifier) == f"=={__version__}"
    assert str(_requirements(extras["file"])["nv-one-logger-file"].specifier) == f"=={__version__}"


@pytest.mark.parametrize("distribution", ["nv-one-logger-file", "nv-one-logger-otel"])
def test_exporters_pin_the_core_to_this_release(distribution: str) -> None:
    dependencies = _requirements(_pyproject(distribution)["project"]["dependencies"])
    assert str(dependencies["nv-one-logger-core"].specifier) == f"=={__version__}"


def test_release_replaces_the_older_one_within_its_major_version() -> None:
    # Consumers depend on nv-one-logger-core>=2.3.1,<3: a lower number would let pip pick the older core instead.
    assert Version("2.3.1") < Version(__version__) < Version("3")


@pytest.mark.parametrize("distribution", sorted(PACKAGES))
def test_installed_metadata_matches_the_source(distribution: str) -> None:
    # A stale editable install (metadata built before a version change) shows up here: re-run `make`.
    assert metadata.version(distribution) == __version__
