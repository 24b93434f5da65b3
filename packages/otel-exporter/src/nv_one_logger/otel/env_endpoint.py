"""Where spans are sent: the OpenTelemetry specification's rules for an OTLP endpoint and its protocol.

Why this module exists: the same endpoint value is checked in three places a user meets, live export (from
``OTEL_EXPORTER_OTLP_*``), ``one-logger replay --endpoint`` and ``one-logger doctor``. One function,
``resolve_endpoint``, decides for all three which URL requests go to, whether gRPC uses TLS, and what is wrong
with the value, so the doctor never approves an endpoint the exporter would then misuse. The rules
(OpenTelemetry specification, "OTLP Exporter Configuration"):

- protocol: ``grpc`` (the default) or ``http/protobuf`` (``http/json`` is not implemented by the Python SDK);
- a traces-specific endpoint is used as is; any other value is, for HTTP, a base URL to which ``/v1/traces``
  is appended; defaults ``http://localhost:4317`` (gRPC) and ``http://localhost:4318/v1/traces``;
- for gRPC, ``OTEL_EXPORTER_OTLP_INSECURE`` decides TLS only for an endpoint without ``http``/``https`` scheme.

Endpoint URLs are shown with credentials replaced by ``<redacted>`` (``Endpoint.shown``); ``Endpoint.url``
itself is handed to the SDK exporter only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from nv_one_logger.core.internal.redaction import redact_url
from nv_one_logger.otel.env_values import TRACES_PREFIX, Setting

GRPC = "grpc"
HTTP_PROTOBUF = "http/protobuf"
SUPPORTED_PROTOCOLS = (GRPC, HTTP_PROTOBUF)
TRACES_PATH = "/v1/traces"
DEFAULT_GRPC_ENDPOINT = "http://localhost:4317"
DEFAULT_HTTP_ENDPOINT = "http://localhost:4318" + TRACES_PATH
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


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
        """The URL with credentials redacted, and its origin: what may be printed."""
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
        if variable != TRACES_PREFIX + "ENDPOINT":
            base = raw.rstrip("/")
            url = base + TRACES_PATH
            origin = f"{origin} + {TRACES_PATH}"
            if base.endswith(TRACES_PATH):
                problems.append(
                    f"{variable or 'the endpoint'}={shown!r} already ends in {TRACES_PATH}, but it is a base URL "
                    f"to which {TRACES_PATH} is appended: requests would go to {redact_url(url)!r}. Drop the "
                    f"suffix, or set {TRACES_PREFIX}ENDPOINT to the full URL instead."
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
