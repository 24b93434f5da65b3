"""Loggers of the library, where their records go, and the "once per cause" rule.

All library loggers are children of the ``nv_one_logger`` logger, so an application controls them with one
``logging.getLogger("nv_one_logger")``.

Where records go (documented in docs/quickstart.md, "Logging of the library itself"): a library that drops data
or disables itself must say so where the user looks. An application that configured logging (any handler on
the root logger) gets the library's records through propagation, like those of any library. An application
that configured nothing gets WARNING and above on stderr from :class:`StderrUnlessConfiguredHandler`, attached
to ``nv_one_logger`` when this module is imported (before ``configure_one_logger``, so that a warning about an
environment variable or a call made before configuration is not lost). This is what Python's "last resort"
handler would do, with a format that says which library is talking.

Once per cause: a cause that repeats (a full disk, a malformed environment variable read by every exporter) is
logged the first time only; :func:`log_once` and :class:`OncePerProcessFilter` count the repeats and
:func:`report_recurrences` (called when the process closes its recorder at exit) logs one line per cause that
recurred, with the count. Counting uses ``itertools.count`` (atomic under the GIL) and no lock, so it is safe
from any thread, after ``fork()`` and inside a signal handler.

Every library logger carries ``RedactingFilter``: a log line may quote text the library did not write (an SDK
failure reason naming ``user:password@host``), and a secret in a log line is a leak. Library code therefore
gets its loggers from ``get_logger`` only (a test checks that every ``nv_one_logger`` logger has the filter).
"""

from __future__ import annotations

import itertools
import logging
import sys
from typing import Any, Dict, Iterator, Tuple

from nv_one_logger.core.internal.redaction import redact_text

ROOT_LOGGER_NAME = "nv_one_logger"
DEFAULT_LOG_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


class RedactingFilter(logging.Filter):
    """Pass the message (and traceback text) of a library log record through ``redact_text``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place and keep the record (it is only changed when something was redacted)."""
        try:
            message = record.getMessage()
        except Exception:
            return True  # the handler reports the formatting error as usual (it shows no arguments)
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            redacted = redact_text(text)
            if redacted != text:
                record.exc_text = redacted
        return True


REDACTING_FILTER = RedactingFilter()


class StderrUnlessConfiguredHandler(logging.StreamHandler):
    """Writes to stderr only while the root logger has no handler (the application configured no logging)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record`` to the current ``sys.stderr``, unless the root logger has a handler."""
        if logging.getLogger().handlers:
            return
        self.stream = sys.stderr  # follow redirections of sys.stderr (pytest capture, daemonization)
        super().emit(record)


def library_stderr_handler() -> StderrUnlessConfiguredHandler:
    """Return the one stderr handler of the ``nv_one_logger`` logger (created once, kept for the process)."""
    root = get_logger(ROOT_LOGGER_NAME)
    for handler in root.handlers:
        if isinstance(handler, StderrUnlessConfiguredHandler):
            return handler
    handler = StderrUnlessConfiguredHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(DEFAULT_LOG_FORMAT))
    root.addHandler(handler)
    return handler


def get_logger(name: str) -> logging.Logger:
    """Return the logger ``nv_one_logger.<name>`` (a module ``__name__`` under ``nv_one_logger`` is used as is)."""
    if name != ROOT_LOGGER_NAME and not name.startswith(ROOT_LOGGER_NAME + "."):
        name = f"{ROOT_LOGGER_NAME}.{name}"
    logger = logging.getLogger(name)
    if REDACTING_FILTER not in logger.filters:
        logger.addFilter(REDACTING_FILTER)
    return logger


class _Cause:
    """One cause seen by :func:`log_once` or :class:`OncePerProcessFilter`: how often, and how to report it."""

    __slots__ = ("counter", "logger_name", "text")

    def __init__(self, logger_name: str, text: str) -> None:
        self.counter: Iterator[int] = itertools.count()
        self.logger_name = logger_name
        self.text = text


_causes: Dict[Tuple[str, ...], _Cause] = {}


def _seen(key: Tuple[str, ...], logger_name: str, text: str) -> bool:
    """Count one occurrence of ``key``; return True if it was seen before (then it must not be logged)."""
    cause = _causes.get(key)
    if cause is None:
        cause = _causes.setdefault(key, _Cause(logger_name, text))
    return next(cause.counter) > 0


def log_once(logger: logging.Logger, level: int, cause: str, message: str, *args: Any) -> bool:
    """Log ``message % args`` the first time ``cause`` is seen in this process; count later times.

    ``cause`` names what went wrong (e.g. ``"exit-timeout-env"``); the message may differ between occurrences of
    the same cause (the first one is kept). Returns True when the record was logged.
    """
    if _seen(("log_once", logger.name, cause), logger.name, message % args if args else message):
        return False
    logger.log(level, message, *args)
    return True


class OncePerProcessFilter(logging.Filter):
    """A filter for loggers the library does not own (the OpenTelemetry SDK's): each distinct message once.

    The SDK logs some warnings every time a helper runs (``OTEL_RESOURCE_ATTRIBUTES=garbage`` is reported on
    every ``Resource.create()``); one process should show each of them once.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Let ``record`` through if its message was not seen before in this process; count it otherwise."""
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        return not _seen(("filter", record.name, text), record.name, text)


def report_recurrences() -> None:
    """Log one line per cause that was seen more than once since the last report, with the count."""
    for key, cause in list(_causes.items()):
        seen = next(cause.counter)  # also counts this read: `seen` is the number of occurrences so far
        if seen > 1:
            get_logger(cause.logger_name if key[0] == "log_once" else ROOT_LOGGER_NAME).warning(
                "Repeated %d more time%s in this process (logged once above): %s",
                seen - 1,
                "" if seen == 2 else "s",
                cause.text,
            )
        _causes.pop(key, None)


def reset_once_registry() -> None:
    """Forget every cause (test isolation through ``nv_one_logger.testing.reset_one_logger``)."""
    _causes.clear()


library_stderr_handler()
