"""The SDK span exporters of the bridge, built from ``OtlpSettings`` with explicit arguments.

Why explicit arguments: the SDK's OTLP exporters re-read the ``OTEL_*`` variables themselves, and there they
deviate from the OpenTelemetry specification in ways a user notices (``_TIMEOUT`` in seconds instead of
milliseconds; ``compression=none`` refused by the gRPC exporter; ``OTEL_EXPORTER_OTLP_INSECURE`` overriding an
``http://`` scheme). ``env.py`` resolves every value once, by the specification, and this module hands the
result to the SDK, so live export and replay send exactly what the doctor shows.

``OTEL_TRACES_EXPORTER`` may name several exporters (``otlp,console``); they are combined by ``FanOut``.
Every export runs with OpenTelemetry instrumentation suppressed (``Suppressed``), as the SDK's own span
processors do: an application that auto-instruments ``requests`` or gRPC must not get a span for each of our
export requests.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter, SpanExportResult

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.otel.env import OtlpSettings, install_header_redaction
from nv_one_logger.otel.env_endpoint import HTTP_PROTOBUF

# The key the SDK's span processors set while exporting (public in opentelemetry.context since 1.x).
_SUPPRESS = getattr(otel_context, "_SUPPRESS_INSTRUMENTATION_KEY", None) or otel_context.create_key(
    "suppress_instrumentation"
)


class Suppressed(SpanExporter):
    """Runs ``export`` of the wrapped exporter with instrumentation suppressed (module docstring)."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export ``spans`` with the suppression key set in the current context."""
        token = otel_context.attach(otel_context.set_value(_SUPPRESS, True))
        try:
            return self.inner.export(spans)
        finally:
            otel_context.detach(token)

    def shutdown(self) -> None:
        """Shut the wrapped exporter down."""
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the wrapped exporter."""
        return bool(self.inner.force_flush(timeout_millis))


class FanOut(SpanExporter):
    """Exports to several exporters; the result is a failure if any of them failed."""

    def __init__(self, exporters: Sequence[SpanExporter]) -> None:
        self.exporters = list(exporters)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export ``spans`` to every exporter, even after one failed."""
        result = SpanExportResult.SUCCESS
        for exporter in self.exporters:
            if exporter.export(spans) is not SpanExportResult.SUCCESS:
                result = SpanExportResult.FAILURE
        return result

    def shutdown(self) -> None:
        """Shut every exporter down."""
        for exporter in self.exporters:
            exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush every exporter."""
        return all([exporter.force_flush(timeout_millis) for exporter in self.exporters])


def build_span_exporter(settings: OtlpSettings) -> Optional[SpanExporter]:
    """Return the exporter(s) ``OTEL_TRACES_EXPORTER`` asks for, or None for ``none``.

    Raises ``OneLoggerError`` when the endpoint cannot be used at all (an HTTP endpoint without a scheme...).
    """
    exporters: List[SpanExporter] = []
    for name in settings.exporters:
        if name == "otlp":
            exporters.append(build_otlp_exporter(settings))
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
    if not exporters:
        return None
    return Suppressed(exporters[0] if len(exporters) == 1 else FanOut(exporters))


def build_otlp_exporter(settings: OtlpSettings) -> SpanExporter:
    """Construct the SDK's OTLP span exporter for ``settings`` (transport dependencies imported on demand)."""
    if settings.target.error:
        raise OneLoggerError(settings.target.error)
    install_header_redaction()
    if settings.protocol == HTTP_PROTOBUF:
        return _http_exporter(settings)
    return _grpc_exporter(settings)


def _http_exporter(settings: OtlpSettings) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter

    compression = HttpCompression.Gzip if settings.compression == "gzip" else HttpCompression.NoCompression
    kwargs: Any = {}
    if settings.certificate:
        kwargs["session"] = _session_keeping_its_ca()
    return HttpSpanExporter(
        endpoint=settings.target.url,
        certificate_file=settings.certificate,
        client_key_file=settings.client_key,
        client_certificate_file=settings.client_certificate,
        headers=dict(settings.headers),
        timeout=settings.timeout_s,
        compression=compression,
        **kwargs,
    )


def _grpc_exporter(settings: OtlpSettings) -> SpanExporter:
    import grpc  # type: ignore[import-untyped]
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter

    compression = grpc.Compression.Gzip if settings.compression == "gzip" else grpc.Compression.NoCompression
    credentials = None
    if not settings.target.insecure:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(settings.certificate),
            private_key=_read(settings.client_key),
            certificate_chain=_read(settings.client_certificate),
        )
    try:
        return GrpcSpanExporter(
            endpoint=settings.target.url,
            insecure=settings.target.insecure,
            credentials=credentials,
            headers=dict(settings.headers) or None,
            timeout=settings.timeout_s,
            compression=compression,
        )
    except ValueError as error:  # the SDK parses OTEL_EXPORTER_OTLP_TRACES_TIMEOUT itself, as seconds
        raise OneLoggerError(
            "The OpenTelemetry gRPC exporter could not be built from the environment "
            f"({exception_message(error)}); check "
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT (a number of milliseconds)."
        ) from error


def _read(path: Optional[str]) -> Optional[bytes]:
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise OneLoggerError(f"Cannot read the OTLP TLS file {path!r}: {error.strerror}.") from error


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
