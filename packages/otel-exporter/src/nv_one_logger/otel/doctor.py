"""The OpenTelemetry part of ``one-logger doctor``: the settings the job will use, their problems, and a probe.

Reached from core's doctor through this distribution's entry point (``defaults.doctor_report``), so core never
imports OpenTelemetry. The settings are read by ``env.py`` and ``env_trace.py``, the very code the exporter and
replay use, so the doctor cannot disagree with the job. Nothing secret is printed: header names only, URL
credentials redacted.

``probe=True`` sends one real export (a single span named ``one_logger.doctor.probe``) with the exporter the job
would build, and reports what happened, checking step by step so that the report names the real cause: name
resolution (DNS), TCP connection (refused / unreachable), TLS handshake (with the certificate file used), then
the export itself (HTTP status with the URL requested, gRPC status; 401/403 and UNAUTHENTICATED /
PERMISSION_DENIED are reported as "auth rejected").
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from dataclasses import dataclass, field, replace
from typing import List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.otel.env import BatchSettings, OtlpSettings
from nv_one_logger.otel.env_endpoint import GRPC
from nv_one_logger.otel.env_trace import LimitSettings, SamplerSettings

PROBE_SPAN_NAME = "one_logger.doctor.probe"
PROBE_TIMEOUT_S = 5.0


@dataclass
class DoctorReport:
    """Lines to print and problems (each one means the job would lose data or ignore a setting)."""

    lines: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)


def report(env: Mapping[str, str], probe: bool = False) -> DoctorReport:
    """Build the OTLP section of the doctor's output (see the module docstring)."""
    out = DoctorReport()
    try:
        settings = OtlpSettings.from_env(env)
    except OneLoggerError as error:
        out.lines.append("OTLP traces export: cannot be configured (see problems)")
        out.problems.append(exception_message(error))
        return out
    sampler, limits, batch = SamplerSettings.from_env(env), LimitSettings.from_env(env), BatchSettings.from_env(env)
    out.problems.extend(settings.problems + sampler.problems + limits.problems + batch.problems)
    exporters = ", ".join(settings.exporters) if settings.exporters else "none"
    headers = (
        f"{', '.join(settings.header_names)} (values not shown; {settings.origins['headers']})"
        if settings.header_names
        else "none"
    )
    out.lines += [
        "OTLP traces export (nv-one-logger-otel; resolved by the same code the exporter uses):",
        f"  trace exporters:        {exporters}  (OTEL_TRACES_EXPORTER, unset: otlp when an endpoint is set)",
        f"  endpoint:               {settings.target.shown}",
        f"  protocol:               {settings.protocol}  ({settings.origins['protocol']})",
        f"  headers:                {headers}",
        f"  timeout:                {settings.timeout_s * 1000:g} ms  ({settings.origins['timeout']})",
        f"  compression:            {settings.compression or 'none'}  ({settings.origins['compression']})",
        f"  certificate:            {settings.certificate or 'system trust store'}",
        f"  client key/certificate: {settings.client_key or 'none'} / {settings.client_certificate or 'none'}",
        f"  service name:           {_service_name()}",
        f"  sampler:                {sampler.name}" + (f" ({sampler.ratio:g})" if "ratio" in sampler.name else ""),
        f"  batching:               every {batch.schedule_delay_ms} ms, up to {batch.max_export_batch_size} spans",
        f"  summary:                {settings.describe()}",
    ]
    out.lines.extend(f"  note: {note}" for note in settings.notes)
    if settings.sdk_disabled:
        out.lines.append("  OTEL_SDK_DISABLED=true: the OpenTelemetry SDK is disabled, nothing is sent")
    if probe:
        if "otlp" not in settings.exporters or settings.sdk_disabled:
            out.lines.append("  probe:                  skipped (no OTLP export is configured)")
        else:
            ok, outcome = probe_endpoint(settings)
            out.lines.append(f"  probe:                  {outcome}")
            if not ok:
                out.problems.append(f"OTLP probe to {settings.target.shown.value}: {outcome}")
    return out


def _service_name() -> str:
    """``service.name`` as the SDK's resource detector reads it (``OTEL_SERVICE_NAME`` over the attributes)."""
    import os

    from opentelemetry.sdk.resources import OTELResourceDetector

    if (os.environ.get("OTEL_SERVICE_NAME") or "").strip():
        return f"{os.environ['OTEL_SERVICE_NAME'].strip()}  (OTEL_SERVICE_NAME)"
    name = OTELResourceDetector().detect().attributes.get("service.name")
    if name:
        return f"{name}  (OTEL_RESOURCE_ATTRIBUTES)"
    return "the application_name of the OneLoggerConfig  (default)"


def probe_endpoint(settings: OtlpSettings) -> Tuple[bool, str]:
    """Send one span the way the job would; return (delivered, what happened in words)."""
    if settings.target.error:
        return False, settings.target.error
    host, port, tls = _address(settings)
    if not host:
        return False, f"cannot tell the host from {settings.target.shown.value!r}"
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return False, f"DNS: the host name {host!r} does not resolve ({error.strerror})"
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S) as connection:
            if tls:
                failure = _tls_failure(connection, host, settings)
                if failure:
                    return False, failure
    except ConnectionRefusedError:
        return False, f"connection refused by {host}:{port} (is the collector running and listening there?)"
    except OSError as error:
        return False, f"cannot connect to {host}:{port}: {error.strerror or error}"
    return _export_one_span(settings)


def _address(settings: OtlpSettings) -> Tuple[str, int, bool]:
    url = settings.target.url
    parts = urlsplit(url if "://" in url else "//" + url)
    tls = not settings.target.insecure if settings.protocol == GRPC else parts.scheme == "https"
    default_port = 443 if tls else (4317 if settings.protocol == GRPC else 4318)
    try:
        port = parts.port or default_port
    except ValueError:
        port = default_port
    return parts.hostname or "", port, tls


def _tls_failure(connection: socket.socket, host: str, settings: OtlpSettings) -> Optional[str]:
    ca = settings.certificate
    context = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
    if settings.client_certificate and settings.client_key:
        context.load_cert_chain(settings.client_certificate, settings.client_key)
    trust = f"the CA file {ca}" if ca else "the system trust store"
    try:
        with context.wrap_socket(connection, server_hostname=host):
            return None
    except ssl.SSLCertVerificationError as error:
        return f"TLS: the server certificate is not trusted by {trust} ({error.verify_message})"
    except (ssl.SSLError, OSError) as error:
        reason = exception_message(error)
        return f"TLS handshake with {host} failed ({reason}); is the collector serving TLS? (trust: {trust})"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:
            self.messages.append(str(record.msg))


def _export_one_span(settings: OtlpSettings) -> Tuple[bool, str]:
    from opentelemetry.sdk.resources import Resource

    from nv_one_logger.otel.ids import random_span_id, random_trace_id
    from nv_one_logger.otel.mapping import OTelSpanData, build_readable_span
    from nv_one_logger.otel.span_exporters import build_otlp_exporter

    bounded = replace(settings, timeout_s=min(settings.timeout_s, PROBE_TIMEOUT_S))
    exporter = build_otlp_exporter(bounded)
    now = time.time_ns()
    span = build_readable_span(
        OTelSpanData(PROBE_SPAN_NAME, random_trace_id(), random_span_id(), now, now), Resource.create({})
    )
    capture = _Capture()
    sdk_logger = logging.getLogger("opentelemetry.exporter")
    sdk_logger.addHandler(capture)
    try:
        result = exporter.export([span])
    finally:
        sdk_logger.removeHandler(capture)
        exporter.shutdown()
    url = settings.target.shown.value
    if result.name == "SUCCESS":
        return True, f"connected: one span delivered to {url}"
    detail = " ".join(capture.messages[-2:]) or "the exporter reported a failure"
    lowered = detail.lower()
    if any(word in lowered for word in ("401", "403", "unauthenticated", "permission_denied", "unauthorized")):
        return False, f"auth rejected by {url}: {detail}"
    return False, f"export to {url} failed: {detail}"
