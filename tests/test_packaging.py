"""The three distributions share the `nv_one_logger` namespace: no two may ship the same file.

pip records every installed file per distribution; when two wheels contain the same path, uninstalling one of
them deletes the file the other still needs (this happened with a `nv_one_logger/py.typed` in every wheel).
Each wheel packages `src/nv_one_logger`, so checking the source trees is enough and needs no build.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

PACKAGES_DIR = Path(__file__).resolve().parent.parent / "packages"
DISTRIBUTIONS = ("core", "file-exporter", "otel-exporter")


def _shipped_files(distribution: str) -> set[str]:
    src = PACKAGES_DIR / distribution / "src"
    return {
        path.relative_to(src).as_posix()
        for path in src.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_no_file_is_shipped_by_two_distributions() -> None:
    owners: dict[str, list[str]] = defaultdict(list)
    for distribution in DISTRIBUTIONS:
        for relative in _shipped_files(distribution):
            owners[relative].append(distribution)
    shared = {path: dists for path, dists in owners.items() if len(dists) > 1}
    assert shared == {}


def test_each_distribution_ships_its_own_py_typed_marker() -> None:
    # PEP 561: with namespace packages the marker goes into each distribution's own sub-package.
    assert "nv_one_logger/py.typed" in _shipped_files("core")
    assert "nv_one_logger/exporter/py.typed" in _shipped_files("file-exporter")
    assert "nv_one_logger/otel/py.typed" in _shipped_files("otel-exporter")


def test_each_distribution_ships_the_repository_license() -> None:
    # Copies, not symlinks: an sdist must be self-contained (a symlink out of it does not unpack).
    license_text = (PACKAGES_DIR.parent / "LICENSE").read_bytes()
    for distribution in DISTRIBUTIONS:
        copy = PACKAGES_DIR / distribution / "LICENSE"
        assert not copy.is_symlink()
        assert copy.read_bytes() == license_text
