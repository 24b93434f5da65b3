"""What happens to a value the application passes that the library cannot record, under each strategy.

Attribute values, attribute names, attribute containers and names of spans and events come straight from the
application, often computed (``{"best_val": best}`` where ``best`` is still ``None`` in the first epoch), and
they are checked before any guarded recorder call runs (``Event.create`` runs in the application's own frame).

* Under PROPAGATE_EXCEPTIONS (and when OneLogger is not configured) a bad value raises ``OneLoggerError``, as it
  always did: the developer asked to see every mistake.
* Under DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR nothing the application passes as data raises. A bad attribute is
  left out of its span or event (a lone ``Attribute`` carries the value's text instead), a bad name is replaced
  by its text, and the first bad value of each kind is logged once (WARNING) and reported as one telemetry data
  error, so that a backend knows the run's data is incomplete. Later ones are only counted
  (``GUARD_STATE.bad_data_count``): a training loop passing ``None`` every step must not flood anything.

The check costs nothing on the hot path: validation code only comes here after it found a bad value.
"""

from __future__ import annotations

from typing import Any, Optional

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.safe_execution import GUARD_STATE

__all__ = ["MAX_REPORTED_KINDS", "bad_data", "optional_text", "required_text", "safe_text"]

_LOGGER = get_logger("nv_one_logger.bad_data")

MAX_REPORTED_KINDS = 100
"""At most this many distinct kinds of bad values are logged and reported per process (all are counted)."""


def bad_data(error: OneLoggerError, kind: str) -> None:
    """Raise ``error`` under PROPAGATE_EXCEPTIONS; otherwise count it and report its ``kind`` once.

    ``kind`` groups repeated occurrences (for example "attribute 'best_val'"), so that a value that is bad at
    every step of a loop is reported once.
    """
    state = GUARD_STATE
    if state.propagate:
        raise error
    state.bad_data_count += 1
    reported = state.bad_data_reported
    if state.disabled or kind in reported or len(reported) >= MAX_REPORTED_KINDS:
        return
    reported.add(kind)
    message = (
        f"OneLogger could not record a value the application passed and left it out or converted it: "
        f"{exception_message(error)} (reported once for {kind})"
    )
    _LOGGER.warning("%s", message)
    handler = state.bad_data_handler
    if handler is not None:
        try:
            handler(message)
        except Exception:  # the report is best effort: the application's call goes on either way
            _LOGGER.debug("Reporting a bad value to the exporters failed", exc_info=True)


def safe_text(value: Any, default: str) -> str:
    """Return ``str(value)`` stripped, or ``default`` if that is empty or fails (never raises)."""
    try:
        text = str.__str__(str(value)).strip()
    except Exception:
        return default
    return text or default


def optional_text(value: Any, field: str) -> Optional[str]:
    """Return ``value`` as a plain str (None stays None); a non-str is bad data (its text under the quiet strategy)."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    bad_data(OneLoggerError(f"{field} must be a str or None, got {type(value).__name__}."), field)
    return safe_text(value, "")


def required_text(value: Any, field: str) -> str:
    """Like :func:`optional_text`, but None is bad data too (the empty string under the quiet strategy)."""
    text = optional_text(value, field)
    if text is None:
        bad_data(OneLoggerError(f"{field} must be a str, got None."), field)
        return ""
    return text
