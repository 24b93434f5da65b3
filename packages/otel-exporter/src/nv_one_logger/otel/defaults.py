"""Package default exporter configuration (the ``nv_one_logger.exporter_configs`` entry point of this distribution).

The exporter is enabled by default when the environment asks for OpenTelemetry trace export:

- ``OTEL_TRACES_EXPORTER`` is set and names at least one exporter other than ``none`` (``otlp``, ``console``;
  with ``otlp`` and no endpoint variable, the OTLP default endpoint is used, as the specification says), or
- ``OTEL_TRACES_EXPORTER`` is unset and an OTLP traces endpoint variable is set
  (``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_ENDPOINT``, non-blank).

So installing the ``otel`` extra alone sends nothing anywhere, exporting the endpoint variable is all an operator
has to do, and ``OTEL_TRACES_EXPORTER=none`` turns the bridge off.

This module is imported while the configuration system scans entry points (and by ``one-logger doctor``), so it
imports nothing heavy (no OpenTelemetry); the environment is read when a function is called, not at import.
``doctor_report`` is the doctor's way into this package: core never imports OpenTelemetry itself.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Tuple

OTEL_EXPORTER_CLASS_NAME = "nv_one_logger.otel.exporter.otel_exporter.OTelExporter"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
TRACES_EXPORTER_VARIABLE = "OTEL_TRACES_EXPORTER"
KNOWN_TRACES_EXPORTERS = ("otlp", "console", "none")


def otlp_endpoint_configured(env: Optional[Mapping[str, str]] = None) -> bool:
    """Return True when an OTLP traces endpoint variable is set to a non-blank value."""
    env = os.environ if env is None else env
    return any((env.get(name) or "").strip() for name in ENDPOINT_VARIABLES)


def traces_exporters(env: Optional[Mapping[str, str]] = None) -> Tuple[str, ...]:
    """Return the trace exporters the environment asks for (lower case, in order, ``none`` removed).

    ``OTEL_TRACES_EXPORTER`` is a comma-separated list; unset means ``otlp`` when an endpoint variable is set and
    nothing otherwise (this bridge is opt-in). ``none`` alone means no exporter. Unknown names are kept, so that
    the caller can report them.
    """
    env = os.environ if env is None else env
    raw = (env.get(TRACES_EXPORTER_VARIABLE) or "").strip()
    if not raw:
        return ("otlp",) if otlp_endpoint_configured(env) else ()
    names = []
    for item in raw.split(","):
        name = item.strip().lower()
        if name and name != "none" and name not in names:
            names.append(name)
    return tuple(names)


def get_default_config() -> Dict[str, Any]:
    """``{"class_name", "config", "enabled"}`` as the exporter configuration system expects."""
    return {"class_name": OTEL_EXPORTER_CLASS_NAME, "config": {}, "enabled": bool(traces_exporters())}


def doctor_report(env: Optional[Mapping[str, str]] = None, probe: bool = False) -> Any:
    """Return the OpenTelemetry part of ``one-logger doctor`` (see ``nv_one_logger.otel.doctor``)."""
    from nv_one_logger.otel.doctor import report

    return report(os.environ if env is None else env, probe=probe)
