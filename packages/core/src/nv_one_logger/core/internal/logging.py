"""Loggers of the library.

All library loggers are children of the ``nv_one_logger`` logger, so an application controls them with one
``logging.getLogger("nv_one_logger")``. A library must not print anything unless the application configured
logging: a ``NullHandler`` on ``nv_one_logger`` prevents Python's "last resort" handler from writing library
warnings to stderr when no handler is configured anywhere.

Every library logger carries ``RedactingFilter``: a log line may quote text the library did not write (an SDK
failure reason naming ``user:password@host``), and a secret in a log line is a leak. Library code therefore
gets its loggers from ``get_logger`` only (a test checks that every ``nv_one_logger`` logger has the filter).
"""

from __future__ import annotations

import logging

from nv_one_logger.core.internal.redaction import redact_text

ROOT_LOGGER_NAME = "nv_one_logger"


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


def get_logger(name: str) -> logging.Logger:
    """Return the logger ``nv_one_logger.<name>`` (a module ``__name__`` under ``nv_one_logger`` is used as is)."""
    if name != ROOT_LOGGER_NAME and not name.startswith(ROOT_LOGGER_NAME + "."):
        name = f"{ROOT_LOGGER_NAME}.{name}"
    logger = logging.getLogger(name)
    if REDACTING_FILTER not in logger.filters:
        logger.addFilter(REDACTING_FILTER)
    return logger


_root = get_logger(ROOT_LOGGER_NAME)
if not any(isinstance(handler, logging.NullHandler) for handler in _root.handlers):
    _root.addHandler(logging.NullHandler())
