"""OTLP settings from the standard OpenTelemetry environment variables, read the way the Python SDK reads them.

Why this module exists: operators configure OTLP with the standard variables and expect them to mean exactly
what they mean for any other OpenTelemetry Python program. So we do not re-implement the SDK's parsing of
endpoints, headers, timeouts, compression or certificates: ``build_span_exporter`` constructs the SDK's own OTLP
span exporter and lets it read those variables itself. This module only decides what the SDK's auto-configuration
decides before that (which protocol: ``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL``, else ``OTEL_EXPORTER_OTLP_PROTOCOL``,
else ``grpc``), reads the ``OTEL_BSP_*`` batching variables for our own batching worker, and produces a
description that is safe to log.

Secrets: header values never leave the SDK exporter. ``OtlpSettings`` keeps only header *names*, and an endpoint
URL with credentials in it is shown with ``<redacted>`` in their place; its ``repr`` is therefore safe for logs,
exceptions and the doctor command.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from opentelemetry.sdk.trace.export import SpanExporter

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.redaction import header_names, redact_header_entry, redact_url
from nv_one_logger.otel.defaults import ENDPOINT_VARIABLES, otlp_endpoint_configured

__all__ = ["BatchSettings", "OtlpSettings", "build_span_exporter", "otlp_endpoint_configured", "redact_url"]

_logger = get_logger(__name__)

GRPC = "grpc"
HTTP_PROTOBUF = "http/protobuf"
SUPPORTED_PROTOCOLS = (GRPC, HTTP_PROTOBUF)


def _first(env: Mapping[str, str], *names: str) -> Tuple[Optional[str], Optional[str]]:
    """Return (value, variable name) of the first variable that is set to a non-blank value."""
    for name in names:
        value = env.get(name)
        if value is not None and value.strip():
            return value.strip(), name
    return None, None


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


def _int_ms(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        _logger.warning("Ignoring %s=%r: not an integer; using %s.", name, raw, default)
        return default
    if value <= 0:
        _logger.warning("Ignoring %s=%r: must be positive; using %s.", name, raw, default)
        return default
    return value


@dataclass(frozen=True)
class BatchSettings:
    """Batching of the export worker (``OTEL_BSP_*``, same names, units and defaults as the SDK's processor)."""

    schedule_delay_ms: int = 5000
    max_queue_size: int = 2048
    max_export_batch_size: int = 512
    export_timeout_ms: int = 30000

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> BatchSettings:
        """Read ``OTEL_BSP_*`` (invalid values are logged and replaced by the defaults)."""
        env = os.environ if env is None else env
        queue = _int_ms(env, "OTEL_BSP_MAX_QUEUE_SIZE", cls.max_queue_size)
        batch = _int_ms(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", cls.max_export_batch_size)
        return cls(
            schedule_delay_ms=_int_ms(env, "OTEL_BSP_SCHEDULE_DELAY", cls.schedule_delay_ms),
            max_queue_size=queue,
            max_export_batch_size=min(batch, queue),
            export_timeout_ms=_int_ms(env, "OTEL_BSP_EXPORT_TIMEOUT", cls.export_timeout_ms),
        )


@dataclass(frozen=True)
class OtlpSettings:
    """What the OTLP span exporter will use; contains no secret values, so it is safe to log or print."""

    protocol: str
    protocol_variable: Optional[str]
    endpoint: Optional[str]  # redacted; None means the SDK default for the protocol
    endpoint_variable: Optional[str]
    header_names: Tuple[str, ...]
    timeout_s: float
    compression: Optional[str]
    certificate: Optional[str]
    sdk_disabled: bool

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> OtlpSettings:
        """Resolve the settings; raises ``OneLoggerError`` naming the variable for an unsupported protocol."""
        env = os.environ if env is None else env
        protocol, protocol_variable = _first(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
        protocol = GRPC if protocol is None else protocol
        if protocol not in SUPPORTED_PROTOCOLS:
            raise OneLoggerError(
                f"{protocol_variable}={protocol!r} is not supported by the OpenTelemetry Python SDK's OTLP span "
                f"exporters; use one of {', '.join(SUPPORTED_PROTOCOLS)} (unset means grpc)."
            )
        endpoint, endpoint_variable = _first(env, *ENDPOINT_VARIABLES)
        headers, _ = _first(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")
        timeout, timeout_variable = _first(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
        try:
            # The Python SDK reads this variable in seconds (the OTel specification says milliseconds).
            timeout_s = float(timeout) if timeout is not None else 10.0
        except ValueError:
            _logger.warning("Ignoring %s=%r: not a number; the SDK default of 10 s applies.", timeout_variable, timeout)
            timeout_s = 10.0
        compression, _ = _first(env, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION")
        certificate, _ = _first(env, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE")
        return cls(
            protocol=protocol,
            protocol_variable=protocol_variable,
            endpoint=redact_url(endpoint) if endpoint is not None else None,
            endpoint_variable=endpoint_variable,
            header_names=header_names(headers or ""),
            timeout_s=timeout_s,
            compression=compression,
            certificate=certificate,
            sdk_disabled=(env.get("OTEL_SDK_DISABLED") or "").strip().lower() == "true",
        )

    def describe(self) -> str:
        """One line for logs: protocol, endpoint, header names (never values)."""
        endpoint = self.endpoint or f"SDK default for {self.protocol}"
        headers = ", ".join(self.header_names) if self.header_names else "none"
        return f"OTLP {self.protocol} to {endpoint} (headers: {headers}; timeout {self.timeout_s:g} s)"


def build_span_exporter(settings: OtlpSettings) -> SpanExporter:
    """Construct the SDK's OTLP span exporter for ``settings.protocol``; it reads every other variable itself.

    The import is deferred so that choosing one protocol never requires the other transport's dependencies.
    """
    install_header_redaction()
    if settings.protocol == HTTP_PROTOBUF:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter

        if settings.certificate:
            return HttpSpanExporter(session=_session_keeping_its_ca())
        return HttpSpanExporter()
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter

    return GrpcSpanExporter()


def _session_keeping_its_ca() -> Any:
    """Return a ``requests.Session`` whose CA file (``OTEL_EXPORTER_OTLP_CERTIFICATE``) wins over the environment.

    The SDK's HTTP exporter puts the configured CA file on its session (``session.verify``), but requests lets
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a session's ``verify`` (requests issue 3829). Many machines
    set those variables, and there the OTLP certificate setting was silently ignored: every export to a collector
    with a private CA failed.
    """
    import requests

    class _Session(requests.Session):
        def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
            merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if verify is None and isinstance(self.verify, str):
                merged["verify"] = self.verify
            return merged

    return _Session()
