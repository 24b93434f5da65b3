"""Turning an exception into text, safely: the one helper used wherever the library describes an exception.

The exceptions the library describes are often not its own: the application's (recorded on a span when it leaves
a ``timed_span`` block), an exporter's, the OpenTelemetry SDK's, a user class named in a config file. Any of them
may have a ``__str__`` that raises or recurses for ever. If describing it failed, the library's failure
(``RuntimeError``, ``RecursionError``) would replace the application's exception in flight, which is the one
thing telemetry must never do. These functions never raise (for ``Exception``-derived failures of ``__str__``).
"""

from __future__ import annotations

import traceback

__all__ = ["describe_exception", "exception_message", "exception_traceback"]


def exception_message(exception: BaseException) -> str:
    """Return ``str(exception)``, or a placeholder naming its type when that fails."""
    try:
        text = str(exception)
        if type(text) is not str:  # a str subclass with its own methods is not trusted either
            text = str.__str__(text)
        return text
    except Exception:
        return f"<unprintable {type(exception).__name__}>"


def describe_exception(exception: BaseException) -> str:
    """Return ``"TypeName: message"`` (just the type name when the message is empty); never raises."""
    message = exception_message(exception)
    name = type(exception).__name__
    return f"{name}: {message}" if message else name


def exception_traceback(exception: BaseException) -> str:
    """Return the formatted traceback of ``exception`` (as ``traceback.format_exception``); never raises."""
    try:
        return "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
    except Exception as failure:
        return f"<traceback of {describe_exception_type(exception)} unavailable: {type(failure).__name__}>"


def describe_exception_type(exception: BaseException) -> str:
    """Return the qualified class name of ``exception`` (``module.Class``, or ``Class`` for builtins)."""
    cls = type(exception)
    module = getattr(cls, "__module__", None)
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"
