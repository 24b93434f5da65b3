"""The single exception family of the library.

Every exception OneLogger raises on purpose is a ``OneLoggerError`` (or a subclass), so that the error-handling
strategy can tell "the telemetry library refused something" apart from a bug in the application.
"""

from __future__ import annotations

from typing import Any

from nv_one_logger.core.internal.redaction import redact_text


class OneLoggerError(Exception):
    """Raised when the library is misused or given invalid data.

    Its message passes ``redact_text``: a message may quote text the library did not write (an SDK failure
    reason naming an endpoint with credentials), and exception messages end up in logs and tracebacks.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*(redact_text(arg) if isinstance(arg, str) else arg for arg in args))


def assert_that(condition: object, message: str) -> None:
    """Raise ``OneLoggerError(message)`` when ``condition`` is falsy.

    Unlike the ``assert`` statement this is never stripped by ``python -O``: the checks it guards are input
    validation, not debugging aids.
    """
    if not condition:
        raise OneLoggerError(message)
