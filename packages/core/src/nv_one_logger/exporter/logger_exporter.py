"""An exporter that writes each record as one line to a Python logger.

Line format: the record flattened into ``[key=value | key=value | ...]``. Nested objects become dotted keys
(``start_event.attributes.timestamp_msec=1700000000123``); every value is JSON-encoded (strings are quoted,
lists stay lists, an empty object is ``{}``), so a line can be split on `` | `` and each value parsed back with
``json.loads``. Newlines in values (tracebacks) are escaped, so one record is always exactly one line. Keys are
not escaped: an attribute name that itself contains a dot reads like a nested key.

Example::

    [type="complete" | count=2 | pid=4242 | id="0b6c..." | name="load_batch" | parent_id="71d2..." |
     attributes.duration_msec=12 | start_event.name="span_start" | ...]
"""

from __future__ import annotations

import json
import json.encoder
import logging
from typing import Any, Iterator, List, Mapping, Optional, Tuple, Union

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.arguments import require_bool, require_optional_str
from nv_one_logger.core.internal.big_ints import int_text, replace_long_ints
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter, JsonRecord

_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def _encode(value: Any) -> str:
    try:
        return _encode_json(value)
    except ValueError:  # an int too long for str() somewhere in it (core.internal.big_ints)
        return _encode_json(replace_long_ints(value))


"""One encoder for every value: ``json.dumps`` with non-default arguments builds a new encoder per call."""
_encode_str = json.encoder.encode_basestring  # what _encode does for a str, without its per-call overhead


def flatten_record(record: Mapping[str, Any], prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """Yield ``(dotted_key, value)`` for every leaf of ``record``; lists and empty objects are leaves."""
    for key, value in record.items():
        full_key = f"{prefix}.{key}" if prefix else str(key)
        if (type(value) is dict or isinstance(value, Mapping)) and value:
            yield from flatten_record(value, full_key)
        else:
            yield full_key, value


def _append_parts(parts: List[str], record: Mapping[str, Any], prefix: str) -> None:
    """Append ``key=value`` for every leaf, like :func:`flatten_record` (without a generator per level)."""
    for key, value in record.items():
        full_key = prefix + key if type(key) is str else prefix + str(key)
        value_type = type(value)
        if value_type is str:
            parts.append(f"{full_key}={_encode_str(value)}")
        elif value_type is int:
            parts.append(f"{full_key}={int_text(value)}")
        elif value_type is dict or (value_type is not list and isinstance(value, Mapping)):
            if value:
                _append_parts(parts, value, full_key + ".")
            else:
                parts.append(f"{full_key}={_encode(value)}")
        else:
            parts.append(f"{full_key}={_encode(value)}")


def format_record(record: Mapping[str, Any]) -> str:
    """Return the one-line ``[key=value | parent.child=value]`` form of ``record``."""
    parts: List[str] = []
    _append_parts(parts, record, "")
    return "[" + " | ".join(parts) + "]"


class LoggerExporter(BaseJsonExporter):
    """Writes one INFO line per record (see the module docstring for the format).

    No ``identity`` record: a log line already carries its host and process, and the first line of a process is
    rarely at the top of a log anyway.

    Args:
        logger: where to write: a ``logging.Logger`` or the name of one. When None, the logger named
            ``logger_name`` is used, so that the exporter can also be built from a configuration file (which
            cannot hold a Logger object).
        logger_name: name of the logger to use when ``logger`` is None (default ``nv_one_logger.records``,
            which the exporter sets to INFO if it has no level of its own, so that the library's diagnostic
            ``LoggerConfig.log_level`` does not gate telemetry output; a level set by the application is kept).
        merge_start_stop: see :class:`BaseJsonExporter`.
    """

    writes_identity_record = False

    DEFAULT_LOGGER_NAME = "nv_one_logger.records"

    def __init__(
        self,
        logger: Optional[Union[logging.Logger, str]] = None,
        *,
        logger_name: Optional[str] = None,
        merge_start_stop: bool = True,
    ) -> None:
        super().__init__(merge_start_stop=require_bool("LoggerExporter", "merge_start_stop", merge_start_stop))
        name = require_optional_str("LoggerExporter", "logger_name", logger_name)
        if isinstance(logger, str):  # a logger name, as 2.3.1 accepted
            if name is not None:
                raise OneLoggerError("LoggerExporter takes logger or logger_name, not both.")
            name = require_optional_str("LoggerExporter", "logger", logger)
            logger = None
        if logger is None:
            logger = logging.getLogger(name or self.DEFAULT_LOGGER_NAME)
            if name is None and logger.level == logging.NOTSET:
                # The default logger is a child of the library's own ``nv_one_logger`` logger, whose level is
                # ``LoggerConfig.log_level``: without a level of its own, log_level="WARNING" (meant for the
                # library's diagnostics) would silently drop every telemetry line. Records still propagate to
                # the handlers of ``nv_one_logger`` and the root logger; a level set by the application wins.
                logger.setLevel(logging.INFO)
        elif not isinstance(logger, logging.Logger):
            raise OneLoggerError(
                "LoggerExporter logger must be a logging.Logger, a logger name or None, "
                f"got {type(logger).__name__} {logger!r}."
            )
        elif name is not None:
            raise OneLoggerError("LoggerExporter takes logger or logger_name, not both.")
        self._logger = logger

    @property
    def logger(self) -> logging.Logger:
        """The logger records are written to."""
        return self._logger

    def _write(self, json_dict: JsonRecord) -> None:
        if self._logger.isEnabledFor(logging.INFO):
            self._logger.info(format_record(json_dict))
