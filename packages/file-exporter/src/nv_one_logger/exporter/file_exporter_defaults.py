"""Package default exporter configuration (the ``nv_one_logger.exporter_configs`` entry point of this distribution).

Installing nv-one-logger-file does not, by itself, make every program write a file into its working directory:
the default is enabled only when ``ONE_LOGGER_FILE_EXPORTER_PATH`` is set, and its value is the path template
(e.g. ``/scratch/run42/rank{rank}-{pid}.jsonl``).

This module is imported while the configuration system scans entry points (and by ``one-logger doctor``), so it
imports nothing (not even the exporter it names); the environment is read when a function is called, not at
import. It is the same shape as the otel distribution's ``nv_one_logger.otel.defaults``.
"""

from __future__ import annotations

import os
from typing import Any, Dict

FILE_EXPORTER_CLASS_NAME = "nv_one_logger.exporter.file_exporter.FileExporter"
PATH_ENV_VAR = "ONE_LOGGER_FILE_EXPORTER_PATH"
"""Setting this variable enables the FileExporter's entry point default (its value is the path template)."""


def get_default_config() -> Dict[str, Any]:
    """``{"class_name", "config", "enabled"}`` as the exporter configuration system expects."""
    path = os.environ.get(PATH_ENV_VAR, "").strip()
    return {
        "class_name": FILE_EXPORTER_CLASS_NAME,
        "config": {"file_path": path} if path else {},
        "enabled": bool(path),
    }


class FileExporterDefaults:
    """The entry point object of earlier releases (``nv_one_logger.exporter.file_exporter:FileExporterDefaults``).

    Kept, and still importable from ``nv_one_logger.exporter.file_exporter``, for code that calls it directly;
    the entry point now names this module, whose :func:`get_default_config` it shares.
    """

    get_default_config = staticmethod(get_default_config)
