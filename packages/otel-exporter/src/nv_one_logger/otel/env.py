"""The one reader of the standard ``OTEL_*`` trace-export variables, for live export, replay and the doctor.

Why this module exists: operators configure telemetry with the standard variables and expect them to mean what
the OpenTelemetry specification says they mean, as in any other OpenTelemetry program. Everything is resolved
here, once, into ``OtlpSettings``; the SDK's exporters are then built with explicit arguments
(``span_exporters.py``), so that no second parser decides differently. Rules (OpenTelemetry specification,
"OTLP Exporter Configuration" and "Environment Variable Specification"):

- ``OTEL_EXPORTER_OTLP_TRACES_*`` wins over ``OTEL_EXPORTER_OTLP_*``; blank counts as unset;
- protocol: ``grpc`` (the default) or ``http/protobuf`` (``http/json`` is not implemented by the Python SDK);
- endpoint: a traces-specific endpoint is used as is; a generic one is, for HTTP, a base URL to which
  ``/v1/traces`` is appended; defaults ``http://localhost:4317`` (gRPC) and ``http://localhost:4318/v1/traces``;
  for gRPC, ``OTEL_EXPORTER_OTLP_INSECURE`` decides TLS only for an endpoint without ``http``/``https`` scheme;
- ``_TIMEOUT`` is in **milliseconds** (default 10000). The Python SDK reads it in seconds; we follow the
  specification, so a value copied from another OpenTelemetry program means the same here;
- ``_COMPRESSION``: ``gzip`` or ``none`` (both protocols);
- an invalid value is ignored with a warning and the default applies (the specification's rule); every such
  case, and every setting under which the job would lose data, is listed in ``OtlpSettings.problems``, which
  ``one-logger doctor`` prints.

Secrets: header values are kept out of ``repr`` and never logged; endpoint URLs with credentials are shown with
``<redacted>``. ``OtlpSettings.describe()`` and ``problems`` are safe to print.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Set, Tuple

from opentelemetry.trace import SpanContext, get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.redaction import header_names, redact_header_entry, redact_url
from nv_one_logger.otel.defaults import (
    KNOWN_TRACES_EXPORTERS,
    TRACES_EXPORTER_VARIABLE,
    otlp_endpoint_configured,
    traces_exporters,
)

__all__ = [
    "BatchSettings",
    "OtlpSettings",
    "Setting",
    "otlp_endpoint_configured",
    "redact_url",
    "resolve_endpoint",
]

_logger = get_logger(__name__)

GRPC = "grpc"
HTTP_PROTOBUF = "http/protobuf"
SUPPORTED_PROTOCOLS = (GRPC, HTTP_PROTOBUF)
TRACES_PATH = "/v1/traces"
DEFAULT_GRPC_ENDPOINT = "http://localhost:4317"
DEFAULT_HTTP_ENDPOINT = "http://localhost:4318" + TRACES_PATH
DEFAULT_TIMEOUT_MS = 10000.0
COMPRESSIONS = ("gzip", "none")
_TRACES = "OTEL_EXPORTER_OTLP_TRACES_"
_GENERIC = "OTEL_EXPORTER_OTLP_"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Setting:
    """One resolved value and where it came from (a variable name, ``--endpoint``, or ``"default"``)."""

    value: str
    origin: str

    def __str__(self) -> str:
        return f"{self.value}  ({self.origin})"


def _pick(env: Mapping[str, str], suffix: str) -> Optional[Setting]:
    """Return the traces-specific variable, else the generic one (non-blank), with its name."""
    for name in (_TRACES + suffix, _GENERIC + suffix):
        value = (env.get(name) or "").strip()
        if value:
            return Setting(value, name)
    return None


@dataclass(frozen=True)
class Endpoint:
    """The URL requests go to, and what the specification makes of it (``problems``: data would be lost)."""

    url: str  # unredacted: handed to the SDK exporter, never printed (use ``shown``)
    origin: str
    insecure: bool  # gRPC: plaintext channel
    problems: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()
    error: Optional[str] = None  # nothing can be sent to this value at all

    @property
    def shown(self) -> Setting:
        return Setting(redact_url(self.url), self.origin)


def resolve_endpoint(
    raw: Optional[str], variable: Optional[str], protocol: str, insecure_variable: Optional[Setting] = None
) -> Endpoint:
    """Apply the specification's endpoint rules (module docstring) to one configured value.

    ``variable`` is where ``raw`` came from: a traces-specific variable is used as is, anything else (the generic
    variable, ``one-logger replay --endpoint``) is a base URL for HTTP. The same function serves live export,
    replay and the doctor, so the three always agree on the URL and on what is wrong with it.
    """
    is_http = protocol != GRPC
    if raw is None:
        url = DEFAULT_HTTP_ENDPOINT if is_http else DEFAULT_GRPC_ENDPOINT
        return Endpoint(url, "default", insecure=True)
    problems: List[str] = []
    notes: List[str] = []
    origin = variable or "endpoint"
    shown = redact_url(raw)
    has_scheme = bool(_SCHEME.match(raw))
    scheme = raw.split("://", 1)[0].lower() if has_scheme else ""
    if is_http:
        error = None
        if not has_scheme:
            error = (
                f"{origin}={shown!r} has no scheme; OTLP/HTTP needs a URL such as http://{shown.lstrip('/')} "
                "(or https://...)."
            )
        elif scheme not in ("http", "https"):
            error = f"{origin}={shown!r}: the scheme must be http or https for {protocol}."
        if error:
            problems.append(error)
        url = raw
        if variable != _TRACES + "ENDPOINT":
            base = raw.rstrip("/")
            url = base + TRACES_PATH
            origin = f"{origin} + {TRACES_PATH}"
            if base.endswith(TRACES_PATH):
                problems.append(
                    f"{variable or 'the endpoint'}={shown!r} already ends in {TRACES_PATH}, but it is a base URL "
                    f"to which {TRACES_PATH} is appended: requests would go to {redact_url(url)!r}. Drop the "
                    f"suffix, or set {_TRACES}ENDPOINT to the full URL instead."
                )
        return Endpoint(url, origin, insecure=scheme != "https", problems=tuple(problems), error=error)
    if scheme in ("http", "https"):
        return Endpoint(raw, origin, insecure=scheme == "http")
    if has_scheme:
        error = f"{origin}={shown!r}: the scheme must be http or https (or none) for grpc."
        return Endpoint(raw, origin, insecure=False, problems=(error,), error=error)
    insecure = insecure_variable is not None and insecure_variable.value.lower() == "true"
    if insecure_variable is not None and insecure:
        notes.append(f"{origin}={shown!r} has no scheme: plaintext, because {insecure_variable.origin}=true")
    else:
        problems.append(
            f"{origin}={shown!r} has no scheme, so gRPC uses TLS (as the OpenTelemetry specification says when "
            f"OTEL_EXPORTER_OTLP_INSECURE is not true); a plaintext collector then fails the TLS handshake. Write "
            f"http://{raw} for plaintext or https://{raw} for TLS."
        )
    return Endpoint(raw, origin, insecure=insecure, problems=tuple(problems), notes=tuple(notes))


def _positive_number(setting: Optional[Setting], default: float, unit: str, problems: List[str]) -> float:
    if setting is None:
        return default
    try:
        value = float(setting.value)
        if value > 0 and value == value and value != float("inf"):
            return value
    except ValueError:
        pass
    problem = f"{setting.origin}={setting.value!r} is not a positive number of {unit}; ignored, {default:g} applies."
    problems.append(problem)
    return default


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _int_setting(env: Mapping[str, str], name: str, default: int, problems: List[str]) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        problems.append(f"{name}={raw!r} is not a positive integer; ignored, {default} applies.")
        return default
    return value


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
        queue = _int_setting(env, "OTEL_BSP_MAX_QUEUE_SIZE", cls.max_queue_size, problems)
        batch = _int_setting(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", cls.max_export_batch_size, problems)
        settings = cls(
            schedule_delay_ms=_int_setting(env, "OTEL_BSP_SCHEDULE_DELAY", cls.schedule_delay_ms, problems),
            max_queue_size=queue,
            max_export_batch_size=min(batch, queue),
            export_timeout_ms=_int_setting(env, "OTEL_BSP_EXPORT_TIMEOUT", cls.export_timeout_ms, problems),
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
            Setting(protocol_override, "--protocol") if protocol_override else _pick(env, "PROTOCOL")
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
            raw_endpoint = _pick(env, "ENDPOINT")
        target = resolve_endpoint(
            raw_endpoint.value if raw_endpoint else None,
            raw_endpoint.origin if raw_endpoint else None,
            protocol,
            _pick(env, "INSECURE"),
        )
        problems.extend(target.problems)
        headers_setting = _pick(env, "HEADERS")
        headers = _parse_headers(headers_setting.value) if headers_setting else {}
        timeout_ms = _positive_number(_pick(env, "TIMEOUT"), DEFAULT_TIMEOUT_MS, "milliseconds", problems)
        traces_timeout = (env.get(_TRACES + "TIMEOUT") or "").strip()
        if protocol == GRPC and traces_timeout and not _is_float(traces_timeout):
            # The SDK's gRPC exporter parses this one variable itself, whatever it is given, and raises.
            problems.append(
                f"{_TRACES}TIMEOUT={traces_timeout!r}: the OpenTelemetry gRPC exporter cannot be built with it "
                "(it parses this variable itself); nothing would be sent. Give a number of milliseconds."
            )
        compression_setting = _pick(env, "COMPRESSION")
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
            _pick(env, "CERTIFICATE"),
            _pick(env, "CLIENT_KEY"),
            _pick(env, "CLIENT_CERTIFICATE"),
        )
        for setting in (certificate, client_key, client_certificate):
            if setting is not None and not os.access(setting.value, os.R_OK):
                problems.append(f"{setting.origin}={setting.value!r}: no readable file there.")
        origins = {
            "protocol": protocol_setting.origin,
            "headers": headers_setting.origin if headers_setting else "",
            "timeout": next((s.origin for s in [_pick(env, "TIMEOUT")] if s), "default"),
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


SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
DEFAULT_SAMPLER = "parentbased_always_on"


@dataclass(frozen=True)
class SamplerSettings:
    """``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG`` (default ``parentbased_always_on``)."""

    name: str = DEFAULT_SAMPLER
    ratio: float = 1.0
    problems: Tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> SamplerSettings:
        env = os.environ if env is None else env
        problems: List[str] = []
        raw = (env.get("OTEL_TRACES_SAMPLER") or "").strip()
        name = raw.lower() or DEFAULT_SAMPLER
        if name not in SAMPLERS:
            problems.append(
                f"OTEL_TRACES_SAMPLER={raw!r} is not supported (supported: {', '.join(SAMPLERS)}); ignored, "
                f"{DEFAULT_SAMPLER} applies."
            )
            name = DEFAULT_SAMPLER
        ratio = 1.0
        arg = (env.get("OTEL_TRACES_SAMPLER_ARG") or "").strip()
        if name.endswith("traceidratio") and arg:
            try:
                ratio = float(arg)
            except ValueError:
                ratio = -1.0
            if not 0.0 <= ratio <= 1.0:
                problems.append(f"OTEL_TRACES_SAMPLER_ARG={arg!r} is not a ratio in [0, 1]; ignored, 1.0 applies.")
                ratio = 1.0
        return cls(name, ratio, tuple(problems))


@dataclass(frozen=True)
class LimitSettings:
    """Span and event limits, as the specification defines them.

    ``OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`` over ``OTEL_ATTRIBUTE_COUNT_LIMIT``, default 128;
    ``OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT``, same default; ``OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`` over
    ``OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT``, default unlimited; ``OTEL_SPAN_EVENT_COUNT_LIMIT``, default 128).
    """

    span_attributes: int = 128
    event_attributes: int = 128
    value_length: Optional[int] = None
    span_events: int = 128
    problems: Tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> LimitSettings:
        env = os.environ if env is None else env
        problems: List[str] = []

        def limit(names: Tuple[str, ...], default: Optional[int]) -> Optional[int]:
            for name in names:
                raw = (env.get(name) or "").strip()
                if not raw:
                    continue
                try:
                    value = int(raw)
                except ValueError:
                    value = -1
                if value < 0:
                    problems.append(f"{name}={raw!r} is not a non-negative integer; ignored.")
                    continue
                return value
            return default

        attributes = limit(("OTEL_ATTRIBUTE_COUNT_LIMIT",), 128)
        return cls(
            span_attributes=limit(("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",), attributes) or 0,
            event_attributes=limit(("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",), attributes) or 0,
            value_length=limit(("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"), None),
            span_events=limit(("OTEL_SPAN_EVENT_COUNT_LIMIT",), 128) or 0,
            problems=tuple(problems),
        )


_reported_carriers: Set[str] = set()


def _report_once(message: str) -> None:
    if message not in _reported_carriers:
        _reported_carriers.add(message)
        _logger.warning(message)


def remote_parent_from_env(env: Optional[Mapping[str, str]] = None) -> Optional[SpanContext]:
    """Return the remote parent named by ``TRACEPARENT`` / ``TRACESTATE`` (W3C Trace Context), or None.

    Batch schedulers and CI systems pass a job's place in their pipeline trace in these variables (the
    OpenTelemetry convention for environment carriers). Parsing is the SDK's W3C propagator's. An invalid
    ``TRACEPARENT`` is reported once and ignored (the job starts its own traces); an invalid ``TRACESTATE`` is
    reported once and dropped (the parent is still joined).
    """
    env = os.environ if env is None else env
    traceparent = (env.get("TRACEPARENT") or "").strip()
    if not traceparent:
        return None
    tracestate = (env.get("TRACESTATE") or "").strip()
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    context = get_current_span(TraceContextTextMapPropagator().extract(carrier)).get_span_context()
    if not context.is_valid:
        _report_once(
            f"Ignoring TRACEPARENT={traceparent!r}: not a valid W3C traceparent (version-traceid-spanid-flags, "
            "e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01); OneLogger spans start their own traces."
        )
        return None
    if tracestate and not context.trace_state:
        _report_once(f"Ignoring TRACESTATE={tracestate!r}: not a valid W3C tracestate; TRACEPARENT is still used.")
    return context
