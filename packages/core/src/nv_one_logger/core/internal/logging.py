"""Loggers of the library.

All library loggers are children of the ``nv_one_logger`` logger, so an application controls them with one
``logging.getLogger("nv_one_logger")``. A library must not print anything unless the application configured
logging: a ``NullHandler`` on ``nv_one_logger`` prevents Python's "last resort" handler from writing library
warnings to stderr when no handler is configured anywhere.
"""

from __future__ import annotations

import logging

ROOT_LOGGER_NAME = "nv_one_logger"

_root = logging.getLogger(ROOT_LOGGER_NAME)
if not any(isinstance(handler, logging.NullHandler) for handler in _root.handlers):
    _root.addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """Return the logger ``nv_one_logger.<name>`` (a module ``__name__`` under ``nv_one_logger`` is used as is)."""
    if name == ROOT_LOGGER_NAME or name.startswith(ROOT_LOGGER_NAME + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{ROOT_LOGGER_NAME}.{name}")
