"""Applies ``LoggerConfig`` to the library's own ``nv_one_logger`` logger.

Choices (documented in docs/quickstart.md, "Logging of the library itself"):

* ``log_level`` is set on the ``nv_one_logger`` logger; the library's records keep propagating to the
  application's handlers, so an application that configured logging sees them where it sees everything else.
* Log files are created only for the paths the caller set explicitly (``log_file_path_for_info`` receives
  records at ``log_level`` and above, ``log_file_path_for_err`` ERROR and above). The defaults
  ("onelogger.log"/"onelogger.err") are not created unasked: files appearing in the working directory of
  every rank would surprise users and collide between jobs. Files are opened lazily, on the first record.
* WARNING and above reach stderr while the application has not configured any root handler: that handler is
  attached when the library is imported (see :mod:`nv_one_logger.core.internal.logging`); here it only gets
  ``log_format``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, List, Optional

from nv_one_logger.core.internal.logging import DEFAULT_LOG_FORMAT, ROOT_LOGGER_NAME, library_stderr_handler

if TYPE_CHECKING:  # the config models (pydantic) load when a configuration is built, not with the API
    from nv_one_logger.api.config import LoggerConfig

_installed: List[logging.Handler] = []
# Messages quote user-provided names, and a Python str may hold lone surrogates that strict UTF-8 cannot encode:
# the record would be lost with a "--- Logging error ---" traceback on stderr instead.
_ENCODING = {"encoding": "utf-8", "errors": "backslashreplace"}
_saved_level: Optional[int] = None


def apply_logger_config(logger_config: LoggerConfig) -> None:
    """Set the level and (re)install the handlers of the ``nv_one_logger`` logger for ``logger_config``."""
    global _saved_level
    logger = logging.getLogger(ROOT_LOGGER_NAME)
    remove_library_handlers()
    if _saved_level is None:
        _saved_level = logger.level
    logger.setLevel(logger_config.log_level)
    formatter = logging.Formatter(logger_config.log_format)
    handlers: List[logging.Handler] = []
    explicit = logger_config.model_fields_set
    if "log_file_path_for_info" in explicit:
        info = logging.FileHandler(logger_config.log_file_path_for_info, delay=True, **_ENCODING)
        info.setLevel(logger_config.log_level)
        handlers.append(info)
    if "log_file_path_for_err" in explicit:
        err = logging.FileHandler(logger_config.log_file_path_for_err, delay=True, **_ENCODING)
        err.setLevel(logging.ERROR)
        handlers.append(err)
    library_stderr_handler().setFormatter(formatter)
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        _installed.append(handler)


def remove_library_handlers() -> None:
    """Remove and close the handlers installed by :func:`apply_logger_config` (keeps the level)."""
    logger = logging.getLogger(ROOT_LOGGER_NAME)
    while _installed:
        handler = _installed.pop()
        logger.removeHandler(handler)
        handler.close()


def reset_library_logging() -> None:
    """Undo :func:`apply_logger_config`: remove its handlers and restore the previous level."""
    global _saved_level
    remove_library_handlers()
    library_stderr_handler().setFormatter(logging.Formatter(DEFAULT_LOG_FORMAT))
    if _saved_level is not None:
        logging.getLogger(ROOT_LOGGER_NAME).setLevel(_saved_level)
        _saved_level = None
