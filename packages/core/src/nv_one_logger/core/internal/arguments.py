"""Checks for exporter constructor arguments, shared by the exporters of every distribution.

Why: exporters are often built from a configuration file, where a typo such as ``"fsync": "yes"`` or
``"shutdown_timeout_s": "5"`` is easy to make. Accepting such a value and failing later (at the first record,
or at close) hides the mistake far from its cause, and Python's own ``TypeError`` / ``AttributeError`` does not
say which argument was wrong. These helpers refuse a bad value at construction with a ``OneLoggerError`` that
names the exporter, the argument and the value; the configuration system turns that into one warning naming
the exporter. They are cheap (an ``isinstance`` or two), so constructors stay cheap.
"""

from __future__ import annotations

import math
from typing import Optional

from nv_one_logger.core.exceptions import OneLoggerError


def _shown(value: object) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


def require_bool(owner: str, name: str, value: object) -> bool:
    """Return ``value`` if it is a bool (``True``/``False``; strings such as ``"no"`` are refused)."""
    if not isinstance(value, bool):
        raise OneLoggerError(f"{owner} {name} must be True or False, got {_shown(value)}.")
    return value


def require_number(owner: str, name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite int/float > 0 (>= 0 with ``allow_zero``); bools are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OneLoggerError(f"{owner} {name} must be a number, got {_shown(value)}.")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise OneLoggerError(f"{owner} {name} must be {bound}, got {value!r}.")
    return float(value)


def require_optional_positive_int(owner: str, name: str, value: object) -> Optional[int]:
    """Return ``value`` if it is None or an int > 0 (bools are refused)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise OneLoggerError(f"{owner} {name} must be a positive integer or None, got {_shown(value)}.")
    return value


def require_optional_str(owner: str, name: str, value: object) -> Optional[str]:
    """Return ``value`` if it is None or a non-blank string."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise OneLoggerError(f"{owner} {name} must be a non-empty string or None, got {_shown(value)}.")
    return value
