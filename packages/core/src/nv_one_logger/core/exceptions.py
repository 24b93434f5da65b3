"""The single exception family of the library.

Every exception OneLogger raises on purpose is a ``OneLoggerError`` (or a subclass), so that the error-handling
strategy can tell "the telemetry library refused something" apart from a bug in the application.
"""

from __future__ import annotations


class OneLoggerError(Exception):
    """Raised when the library is misused or given invalid data."""


def assert_that(condition: object, message: str) -> None:
    """Raise ``OneLoggerError(message)`` when ``condition`` is falsy.

    Unlike the ``assert`` statement this is never stripped by ``python -O``: the checks it guards are input
    validation, not debugging aids.
    """
    if not condition:
        raise OneLoggerError(message)
