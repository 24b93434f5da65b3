"""The OneLogger release number, and installed distribution versions for ``one-logger --version`` and doctor.

``__version__`` below is the single source of the release number of all three distributions
(nv-one-logger-core, nv-one-logger-file, nv-one-logger-otel): each ``pyproject.toml`` reads it through hatch's
version source, so the three are always released together under one number. The siblings pin each other to
exactly that number (the core's ``otel``/``file`` extras, the exporters' core dependency) so pip can never mix
them with an older release of the same names; tests/test_versions.py fails when a pin drifts from it.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

__version__ = "2.4.0"

#: The distributions ``one-logger --version`` reports, in this order.
REPORTED_DISTRIBUTIONS = ("nv-one-logger-core", "nv-one-logger-file", "nv-one-logger-otel", "opentelemetry-sdk")


def get_version(pkg_name: str) -> str:
    """Return the installed version of the distribution ``pkg_name``, or ``"unknown"`` if it is not installed."""
    return installed_version(pkg_name) or "unknown"


def installed_version(pkg_name: str) -> Optional[str]:
    """Return the installed version of the distribution ``pkg_name``, or None if it is not installed."""
    # Imported here: importlib.metadata (with email parsing) costs about as much as the rest of the CLI's imports,
    # and only --version, doctor and a record file's identity header need it.
    from importlib import metadata

    try:
        return metadata.version(pkg_name)
    except metadata.PackageNotFoundError:
        return None


def installed_versions() -> List[Tuple[str, Optional[str]]]:
    """Return ``(distribution, version or None)`` for each of :data:`REPORTED_DISTRIBUTIONS`."""
    return [(name, installed_version(name)) for name in REPORTED_DISTRIBUTIONS]
