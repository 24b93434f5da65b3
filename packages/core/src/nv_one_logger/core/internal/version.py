"""Installed distribution versions, for resource attributes and ``one-logger doctor``."""

from __future__ import annotations

from importlib import metadata


def get_version(pkg_name: str) -> str:
    """Return the installed version of the distribution ``pkg_name``, or ``"unknown"`` if it is not installed."""
    try:
        return metadata.version(pkg_name)
    except metadata.PackageNotFoundError:
        return "unknown"
