"""Make the SDK's OTLP gRPC span exporter send the bridge's own encoding (``otlp_encoding``) as it is.

The SDK exporter turns a batch into a request message (its private ``_translate_data``) and hands it to its gRPC
stub, whose ``Export`` serializes it (``SerializeToString``). Handing it the bridge's bytes parsed back into a
message would cost a parse and a serialization per batch, about as much as the gRPC call itself (docs/
performance.md). So ``install`` gives the exporter a stub of its own for the same RPC whose serializer sends
bytes as they are (and still serializes a message), and makes ``_translate_data`` return the bytes. Everything
else stays the SDK exporter's: its channel (TLS, compression, options), retries, timeout, headers, shutdown; the
answer is deserialized as the SDK's stub does, so ``partial_success`` reads it as before.

The exporter builds its stub with its ``_stub`` factory, at construction and again when it re-creates its
channel (after an UNAVAILABLE answer): ``install`` replaces that factory, so a new channel always gets a new
stub of ours, never one bound to the closed channel. Every private part relied on is checked first; where the
SDK differs, the exporter is left as it is (or, when only the stub cannot be replaced, it is handed a message
parsed from the bytes, which every stub takes). The bytes are sent only while the exporter's current stub is
one of ours (checked per batch), so a stub built some other way never receives them.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from opentelemetry.sdk.trace import ReadableSpan

from nv_one_logger.otel import otlp_encoding

_MAX_WRAPPER_DEPTH = 8  # how deep ``install`` looks through exporters wrapping exporters


def _serialize(request: Any) -> bytes:
    """Return the bridge's bytes as they are, or serialize a message (the SDK's encoding of a refused batch)."""
    if type(request) is bytes:
        return request
    return request.SerializeToString()


class EncodedRequestStub:
    """Stands in for the SDK's ``TraceServiceStub`` on the exporter's channel: same RPC, same answer type."""

    sends_encoded_bytes = True
    """Looked up (through wrappers such as ``partial_success``'s) to decide whether a batch may go as bytes."""

    def __init__(self, channel: Any, method: str, response_type: Any) -> None:
        try:  # grpcio >= 1.63 knows registered methods, as the SDK's generated stub uses them
            self.Export = channel.unary_unary(
                method,
                request_serializer=_serialize,
                response_deserializer=response_type.FromString,
                _registered_method=True,
            )
        except TypeError:
            self.Export = channel.unary_unary(
                method, request_serializer=_serialize, response_deserializer=response_type.FromString
            )


def _export_method(service_module: Any) -> Optional[str]:
    """Return the gRPC path of ``TraceService.Export`` from the generated descriptor (None if it is not there)."""
    try:
        service = service_module.DESCRIPTOR.services_by_name["TraceService"]
        return f"/{service.full_name}/{service.methods_by_name['Export'].name}"
    except (AttributeError, KeyError):
        return None


def _install_stub(exporter: Any) -> bool:
    """Replace the exporter's stub factory and current stub with ``EncodedRequestStub``; False if it differs."""
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub

    method = _export_method(trace_service_pb2)
    response_type = getattr(trace_service_pb2, "ExportTraceServiceResponse", None)
    channel = getattr(exporter, "_channel", None)
    if (
        method is None
        or response_type is None
        or getattr(exporter, "_stub", None) is not TraceServiceStub
        or type(getattr(exporter, "_client", None)) is not TraceServiceStub
        or not callable(getattr(channel, "unary_unary", None))
        or not callable(getattr(exporter, "_initialize_channel_and_stub", None))
    ):
        return False

    def stub_factory(new_channel: Any) -> EncodedRequestStub:
        return EncodedRequestStub(new_channel, method, response_type)

    client = stub_factory(channel)
    exporter._stub = stub_factory  # the SDK calls it again for each channel it creates
    exporter._client = client
    return True


def install(exporter: Any, _depth: int = 0) -> bool:
    """Make the SDK's OTLP gRPC span exporter inside ``exporter`` send ``encode_request``'s bytes; False if none.

    Only an exporter of exactly the SDK's class is changed (a subclass may encode or send its own way), and only
    its ``_translate_data`` and stub (module docstring). A batch the encoder refuses (``NotEncodable``), or any
    error of its own, goes through the SDK's encoder and is sent as the SDK's message. The wrappers of the
    bridge (``Suppressed``'s ``inner``, ``FanOut``'s ``exporters``) are looked through. The HTTP exporter
    encodes inside ``export``, with no per-exporter hook, and keeps the SDK's encoder.

    Call it before ``partial_success.watch``, which wraps whichever stub the exporter has then.
    """
    if _depth > _MAX_WRAPPER_DEPTH:  # an object that answers every attribute (a proxy) is no wrapper chain
        return False
    inner = getattr(exporter, "inner", None)
    if inner is not None:
        return install(inner, _depth + 1)
    several = getattr(exporter, "exporters", None)
    if isinstance(several, list):
        return any([install(item, _depth + 1) for item in several])
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    except ImportError:  # the gRPC exporter is not installed: nothing to change
        return False
    if type(exporter) is not OTLPSpanExporter or not otlp_encoding.sdk_matches():
        return False
    original = getattr(exporter, "_translate_data", None)
    if not callable(original):
        return False
    if getattr(original, "one_logger_encoding", False):
        return True
    _install_stub(exporter)
    parse: Callable[[bytes], Any] = ExportTraceServiceRequest.FromString

    def translate(spans: Sequence[ReadableSpan]) -> Any:
        try:
            encoded = otlp_encoding.encode_request(spans)  # looked up per batch: a test may wrap it
        except Exception:  # NotEncodable, or anything unforeseen: the SDK's encoder decides, as it always did
            return original(spans)
        if getattr(exporter._client, "sends_encoded_bytes", False):
            return encoded
        return parse(encoded)  # a stub that is not ours (module docstring) takes only a message

    translate.one_logger_encoding = True  # type: ignore[attr-defined]
    exporter._translate_data = translate  # type: ignore[method-assign,assignment]
    return True
