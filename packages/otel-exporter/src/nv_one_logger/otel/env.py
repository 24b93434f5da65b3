"""The one reader of the ``OTEL_*`` variables that say how spans are sent, for live export, replay and the doctor.

Why this module exists: operators configure telemetry with the standard variables and expect them to mean what
the OpenTelemetry specification says they mean, as in any other OpenTelemetry program. The transport settings
are resolved here, once, into ``OtlpSettings`` (and ``BatchSettings`` for the export worker); the SDK's
exporters are then built with explicit arguments (``span_exporters.py``), so that no second parser decides
differently. Rules (OpenTelemetry specification, "OTLP Exporter Configuration" and "Environment Variable
Specification"):

- how each value is read (traces-specific over generic, blank is unset): ``env_values``;
- protocol and endpoint (defaults, ``/v1/traces``, TLS for gRPC): ``env_endpoint``;
- ``_TIMEOUT`` is in **milliseconds** (default 10000). The Python SDK reads it in seconds; we follow the
  specification, so a value copied from another OpenTelemetry program means the same here;
- ``_COMPRESSION``: ``gzip`` or ``none`` (both protocols);
- an invalid value is ignored with a warning and the default applies (the specification's rule); every such
  case, and every setting under which the job would lose data, is listed in ``OtlpSettings.problems``, which
  ``one-logger doctor`` prints.

The variables that shape the traces themselves (sampler, limits, ``TRACEPARENT``) are read by ``env_trace``.

Secrets: header values are kept out of ``repr`` and never logged; endpoint URLs with credentials are shown with
``<redacted>``. ``OtlpSettings.describe()`` and ``problems`` are safe to print.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.redaction import header_names, redact_header_entry, redact_url
from nv_one_logger.otel.defaults import (
    KNOWN_TRACES_EXPORTERS,
    TRACES_EXPORTER_VARIABLE,
    otlp_endpoint_configured,
    traces_exporters,
)
from nv_one_logger.otel.env_endpoint import GRPC, SUPPORTED_PROTOCOLS, Endpoint, resolve_endpoint
from nv_one_logger.otel.env_values import TRACES_PREFIX, Setting, int_setting, is_float, pick, positive_number

__all__ = [
    "BatchSettings",
    "OtlpSettings",
    "otlp_endpoint_configured",
    "redact_url",
]

_logger = get_logger(__name__)

DEFAULT_TIMEOUT_MS = 10000.0
COMPRESSIONS = ("gzip", "none")


@dataclass(frozen=True)
class BatchSettings:
    """Batching of the export worker (``OTEL_BSP_*``, same names, units and defaults as the SDK's processor)."""

    schedule_delay_ms: int = 5000
    max_queue_size: int = 2048
    max_export_batch_size: int = 512
    export_timeout_ms: int = 30000
    problems: Tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> BatchSettings:
        """Read ``OTEL_BSP_*`` (invalid values are logged and replaced by the defaults)."""
        env = os.environ if env is None else env
        problems: List[str] = []
        queue = int_setting(env, "OTEL_BSP_MAX_QUEUE_SIZE", cls.max_queue_size, problems)
        batch = int_setting(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", cls.max_export_batch_size, problems)
        settings = cls(
            schedule_delay_ms=int_setting(env, "OTEL_BSP_SCHEDULE_DELAY", cls.schedule_delay_ms, problems),
            max_queue_size=queue,
            max_export_batch_size=min(batch, queue),
            export_timeout_ms=int_setting(env, "OTEL_BSP_EXPORT_TIMEOUT", cls.export_timeout_ms, problems),
            problems=tuple(problems),
        )
        for problem in problems:
            _logger.warning("OneLogger OTel exporter: %s", problem)
        return settings


@dataclass(frozen=True)
class OtlpSettings:
    """Everything the trace exporters will use; ``repr``, ``describe()`` and ``problems`` hold no secret."""

    exporters: Tuple[str, ...]  # "otlp" / "console", from OTEL_TRACES_EXPORTER
    protocol: str
    protocol_variable: Optional[str]
    endpoint: Optional[str]  # redacted, for display
    endpoint_variable: Optional[str]
    header_names: Tuple[str, ...]
    timeout_s: float
    compression: Optional[str]
    certificate: Optional[str]
    client_key: Optional[str]
    client_certificate: Optional[str]
    sdk_disabled: bool
    target: Endpoint = field(repr=False)
    headers: Dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    problems: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()
    origins: Dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_env(
        cls,
        env: Optional[Mapping[str, str]] = None,
        endpoint_override: Optional[str] = None,
        protocol_override: Optional[str] = None,
    ) -> OtlpSettings:
        """Resolve the settings (overrides: ``one-logger replay --endpoint/--protocol``).

        Raises ``OneLoggerError`` naming the variable for an unsupported protocol (nothing could be sent).
        """
        env = os.environ if env is None else env
        problems: List[str] = []
        protocol_setting = (
            Setting(protocol_override, "--protocol") if protocol_override else pick(env, "PROTOCOL")
        ) or Setting(GRPC, "default")
        protocol = protocol_setting.value
        if protocol not in SUPPORTED_PROTOCOLS:
            raise OneLoggerError(
                f"{protocol_setting.origin}={protocol!r} is not supported by the OpenTelemetry Python SDK's OTLP "
                f"span exporters; use one of {', '.join(SUPPORTED_PROTOCOLS)} (unset means grpc)."
            )
        if endpoint_override:
            raw_endpoint: Optional[Setting] = Setting(endpoint_override.strip(), "--endpoint")
        else:
            raw_endpoint = pick(env, "ENDPOINT")
        target = resolve_endpoint(
            raw_endpoint.value if raw_endpoint else None,
            raw_endpoint.origin if raw_endpoint else None,
            protocol,
            pick(env, "INSECURE"),
        )
        problems.extend(target.problems)
        headers_setting = pick(env, "HEADERS")
        headers = _parse_headers(headers_setting.value) if headers_setting else {}
        timeout_ms = positive_number(pick(env, "TIMEOUT"), DEFAULT_TIMEOUT_MS, "milliseconds", problems)
        traces_timeout = (env.get(TRACES_PREFIX + "TIMEOUT") or "").strip()
        if protocol == GRPC and traces_timeout and not is_float(traces_timeout):
            # The SDK's gRPC exporter parses this one variable itself, whatever it is given, and raises.
            problems.append(
                f"{TRACES_PREFIX}TIMEOUT={traces_timeout!r}: the OpenTelemetry gRPC exporter cannot be built with it "
                "(it parses this variable itself); nothing would be sent. Give a number of milliseconds."
            )
        compression_setting = pick(env, "COMPRESSION")
        compression = compression_setting.value.lower() if compression_setting else None
        if compression_setting is not None and compression not in COMPRESSIONS:
            problems.append(
                f"{compression_setting.origin}={compression_setting.value!r} is not one of "
                f"{', '.join(COMPRESSIONS)}; ignored, no compression applies."
            )
            compression = None
        exporters = traces_exporters(env)
        unknown = [name for name in exporters if name not in KNOWN_TRACES_EXPORTERS]
        if unknown:
            problems.append(
                f"{TRACES_EXPORTER_VARIABLE}: {', '.join(unknown)} not supported by OneLogger (supported: otlp, "
                "console, none); ignored."
            )
        certificate, client_key, client_certificate = (
            pick(env, "CERTIFICATE"),
            pick(env, "CLIENT_KEY"),
            pick(env, "CLIENT_CERTIFICATE"),
        )
        for setting in (certificate, client_key, client_certificate):
            if setting is not None and not os.access(setting.value, os.R_OK):
                problems.append(f"{setting.origin}={setting.value!r}: no readable file there.")
        origins = {
            "protocol": protocol_setting.origin,
            "headers": headers_setting.origin if headers_setting else "",
            "timeout": next((s.origin for s in [pick(env, "TIMEOUT")] if s), "default"),
            "compression": compression_setting.origin if compression_setting else "default",
        }
        return cls(
            exporters=tuple(name for name in exporters if name in KNOWN_TRACES_EXPORTERS),
            protocol=protocol,
            protocol_variable=None if protocol_setting.origin == "default" else protocol_setting.origin,
            endpoint=redact_url(target.url),
            endpoint_variable=raw_endpoint.origin if raw_endpoint else None,
            header_names=header_names(headers_setting.value) if headers_setting else (),
            timeout_s=timeout_ms / 1000.0,
            compression=compression,
            certificate=certificate.value if certificate else None,
            client_key=client_key.value if client_key else None,
            client_certificate=client_certificate.value if client_certificate else None,
            sdk_disabled=(env.get("OTEL_SDK_DISABLED") or "").strip().lower() == "true",
            target=target,
            headers=headers,
            problems=tuple(problems),
            notes=target.notes,
            origins=origins,
        )

    def describe(self) -> str:
        """One line for logs: exporters, protocol, endpoint, header names (never values)."""
        if "otlp" not in self.exporters:
            return "console" if self.exporters else "no trace exporter (OTEL_TRACES_EXPORTER=none)"
        return self.describe_otlp() + (" and console" if "console" in self.exporters else "")

    def describe_otlp(self) -> str:
        """Return the OTLP part of ``describe()`` (what a replay uses whatever OTEL_TRACES_EXPORTER says)."""
        headers = ", ".join(self.header_names) if self.header_names else "none"
        return f"OTLP {self.protocol} to {self.endpoint} (headers: {headers}; timeout {self.timeout_s:g} s)"

    def log_problems(self) -> None:
        """Log each problem once, as a warning (the job goes on with the specification's defaults)."""
        for problem in self.problems:
            _logger.warning("OneLogger OTel exporter: %s", problem)


def _parse_headers(raw: str) -> Dict[str, str]:
    """Parse a headers variable with the SDK's own parser (W3C baggage style, percent-decoded)."""
    from opentelemetry.util.re import parse_env_headers

    install_header_redaction()
    return dict(parse_env_headers(raw, liberal=True))


class _RedactInvalidHeaderWarnings(logging.Filter):
    """Redacts the header entry the SDK quotes when it warns about a malformed OTEL_EXPORTER_OTLP_*HEADERS entry.

    ``opentelemetry.util.re.parse_env_headers`` logs the whole malformed entry, value included (for example
    ``x-token="<token>"``), on every exporter construction, the application's own OTel exporters included.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact_header_entry(arg) if isinstance(arg, str) else arg for arg in args)
        return True


_redaction_installed = False


def install_header_redaction() -> None:
    """Install (once per process) the filter that keeps header values out of the SDK's header warnings."""
    global _redaction_installed
    if not _redaction_installed:
        logging.getLogger("opentelemetry.util.re").addFilter(_RedactInvalidHeaderWarnings())
        _redaction_installed = True
