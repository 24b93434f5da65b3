"""Where OTLP data would go, resolved from the standard OpenTelemetry environment variables (for the doctor).

This reads the environment the way the OpenTelemetry Python SDK's OTLP span exporters do, without importing
OpenTelemetry (core never does): ``OTEL_EXPORTER_OTLP_TRACES_*`` wins over ``OTEL_EXPORTER_OTLP_*``; an unset
protocol means grpc; a generic endpoint used with an HTTP protocol gets ``/v1/traces`` appended, a
traces-specific one is used as is; the defaults are ``http://localhost:4317`` (grpc) and
``http://localhost:4318/v1/traces`` (HTTP).

Secrets never leave this module: header *values* are dropped (only names are kept), credentials embedded in an
endpoint URL are replaced by ``<redacted>``, and resource attribute values are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Mapping, Optional, Tuple
from urllib.parse import unquote

from nv_one_logger.core.internal.redaction import header_names, redact_url

GENERIC_PREFIX = "OTEL_EXPORTER_OTLP_"
TRACES_PREFIX = "OTEL_EXPORTER_OTLP_TRACES_"
HTTP_PROTOCOLS = ("http/protobuf", "http/json")


@dataclass(frozen=True)
class Setting:
    """One resolved value and where it came from (an environment variable name, or ``"default"``)."""

    value: str
    origin: str

    def __str__(self) -> str:
        return f"{self.value}  ({self.origin})"


@dataclass(frozen=True)
class OtlpTracesSettings:
    """The resolved OTLP traces exporter settings; safe to print (no secret values inside)."""

    endpoint: Setting
    protocol: Setting
    header_names: Tuple[str, ...]
    headers_origin: str
    timeout: Setting
    compression: Setting
    certificate: Setting
    client_key: Setting
    client_certificate: Setting
    insecure: Setting
    service_name: Setting
    resource_attribute_keys: Tuple[str, ...]
    sdk_disabled: bool
    endpoint_variable_set: bool


def resolve_otlp_traces_settings(env: Mapping[str, str]) -> OtlpTracesSettings:
    """Resolve the OTLP traces exporter settings from ``env`` (usually ``os.environ``)."""
    protocol = _pick(env, "PROTOCOL") or Setting("grpc", "default: protocol unset means grpc")
    endpoint = _resolve_endpoint(env, protocol.value)
    headers_var = _pick(env, "HEADERS")
    names = header_names(headers_var.value) if headers_var else ()
    return OtlpTracesSettings(
        endpoint=endpoint,
        protocol=protocol,
        header_names=names,
        headers_origin=headers_var.origin if headers_var else "",
        timeout=_pick(env, "TIMEOUT") or Setting("10", "default, seconds"),
        compression=_pick(env, "COMPRESSION") or Setting("none", "default"),
        certificate=_pick(env, "CERTIFICATE") or Setting("system trust store", "default"),
        client_key=_pick(env, "CLIENT_KEY") or Setting("none", "default"),
        client_certificate=_pick(env, "CLIENT_CERTIFICATE") or Setting("none", "default"),
        insecure=_pick(env, "INSECURE") or Setting("false", "default; grpc only"),
        service_name=_service_name(env),
        resource_attribute_keys=tuple(_pairs(env.get("OTEL_RESOURCE_ATTRIBUTES", ""))),
        sdk_disabled=env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true",
        endpoint_variable_set=bool(
            env.get(TRACES_PREFIX + "ENDPOINT", "").strip() or env.get(GENERIC_PREFIX + "ENDPOINT", "").strip()
        ),
    )


def _pick(env: Mapping[str, str], suffix: str) -> Optional[Setting]:
    for name in (TRACES_PREFIX + suffix, GENERIC_PREFIX + suffix):
        value = env.get(name, "").strip()
        if value:
            return Setting(value, name)
    return None


def _resolve_endpoint(env: Mapping[str, str], protocol: str) -> Setting:
    is_http = protocol in HTTP_PROTOCOLS
    specific = env.get(TRACES_PREFIX + "ENDPOINT", "").strip()
    if specific:
        return Setting(redact_url(specific), TRACES_PREFIX + "ENDPOINT")
    generic = env.get(GENERIC_PREFIX + "ENDPOINT", "").strip()
    if generic:
        if is_http:
            joined = generic if generic.endswith("/") else generic + "/"
            return Setting(redact_url(joined + "v1/traces"), GENERIC_PREFIX + "ENDPOINT + /v1/traces")
        return Setting(redact_url(generic), GENERIC_PREFIX + "ENDPOINT")
    if is_http:
        return Setting("http://localhost:4318/v1/traces", "default")
    return Setting("http://localhost:4317", "default")


def _pairs(raw: str) -> List[str]:
    """Keys of a ``k1=v1,k2=v2`` list (W3C baggage style, URL-encoded); values are deliberately discarded."""
    keys = []
    for item in raw.split(","):
        key, sep, _ = item.partition("=")
        key = unquote(key.strip())
        if key and sep:
            keys.append(key)
    return keys


def _service_name(env: Mapping[str, str]) -> Setting:
    name = env.get("OTEL_SERVICE_NAME", "").strip()
    if name:
        return Setting(name, "OTEL_SERVICE_NAME")
    for item in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = item.partition("=")
        if sep and unquote(key.strip()) == "service.name" and value.strip():
            return Setting(unquote(value.strip()), "OTEL_RESOURCE_ATTRIBUTES service.name")
    return Setting("the application_name of the OneLoggerConfig", "default")
