"""Package default exporter configuration (the ``nv_one_logger.exporter_configs`` entry point of this distribution).

The exporter is enabled by default exactly when an OTLP traces endpoint variable is set
(``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_ENDPOINT``, non-blank): installing the ``otel``
extra alone sends nothing anywhere, and exporting the endpoint variable is all an operator has to do.

This module is imported while the configuration system scans entry points, so it imports nothing heavy (no
OpenTelemetry); the environment is read when ``get_default_config()`` is called, not at import.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional

OTEL_EXPORTER_CLASS_NAME = "nv_one_logger.otel.exporter.otel_exporter.OTelExporter"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def otlp_endpoint_configured(env: Optional[Mapping[str, str]] = None) -> bool:
    """Return True when an OTLP traces endpoint variable is set to a non-blank value."""
    env = os.environ if env is None else env
    return any((env.get(name) or "").strip() for name in ENDPOINT_VARIABLES)


def get_default_config() -> Dict[str, Any]:
    """``{"class_name", "config", "enabled"}`` as the exporter configuration system expects."""
    return {"class_name": OTEL_EXPORTER_CLASS_NAME, "config": {}, "enabled": otlp_endpoint_configured()}
