"""Encode a batch of SDK ``ReadableSpan`` objects as the bytes of an OTLP ``ExportTraceServiceRequest``, fast.

Why: the SDK's OTLP encoder builds one protobuf object per span, event, attribute key/value pair and value, from
Python, and then serializes them; on the export thread that cost more CPU per event than everything else the
bridge does (docs/performance.md, "Where the time goes"). This module writes the protobuf wire format directly
(tags, varints, fixed-width numbers, length-prefixed bytes), with the encoded resource, scope and attribute keys
cached; ``otlp_grpc.install`` makes the SDK's gRPC exporter send those bytes, so that everything else the SDK
exporter does (channel, retries, timeout, compression, headers) is unchanged.

What arrives is the same as with the SDK's encoder, message for message: the same fields with the same values,
spans grouped by resource, then by instrumentation scope, in order of first appearance, and proto3's rule that a
field holding its default value (0, empty string) is not written, except inside the ``AnyValue`` one-of, where a
set member is always written. tests/otel/test_otlp_encoding.py compares the two encodings byte for byte over
every kind of span the bridge builds, and the collector tests send through it.

Anything this encoder does not handle exactly as the SDK would (a value type other than ``str``, ``bool``,
``int`` in the 64-bit range, ``float`` or a list of those; a string that UTF-8 cannot encode; a span kind the
SDK does not map) makes the whole batch go through the SDK's encoder instead: rare batches are as slow as before
and behave exactly as before.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Sequence, Tuple

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from nv_one_logger.otel.light_events import LightEvent
from nv_one_logger.otel.protobuf_wire import ONE_BYTE as _ONE_BYTE
from nv_one_logger.otel.protobuf_wire import NotEncodable, name_field
from nv_one_logger.otel.protobuf_wire import attribute_fields as _attributes
from nv_one_logger.otel.protobuf_wire import count as _count
from nv_one_logger.otel.protobuf_wire import fixed32 as _fixed32
from nv_one_logger.otel.protobuf_wire import fixed64 as _fixed64
from nv_one_logger.otel.protobuf_wire import length_delimited as _field
from nv_one_logger.otel.protobuf_wire import utf8 as _utf8
from nv_one_logger.otel.protobuf_wire import varint as _varint

_KINDS = {
    SpanKind.INTERNAL: 1,
    SpanKind.SERVER: 2,
    SpanKind.CLIENT: 3,
    SpanKind.PRODUCER: 4,
    SpanKind.CONSUMER: 5,
}
_HAS_IS_REMOTE = 0x100  # SpanFlags.SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
_IS_REMOTE = 0x200  # SpanFlags.SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK


def _event(event: Any) -> bytes:
    out: List[bytes] = []
    timestamp = event.timestamp
    if timestamp:
        out.append(b"\x09" + _fixed64(timestamp))
    name = event.name
    if name:
        out.append(name_field(name))
    _attributes(b"\x1a", event.attributes, out)
    dropped = event.dropped_attributes
    if dropped:
        out.append(b"\x20" + _count(dropped))
    return b"".join(out)


def _trace_state(context: Any) -> bytes:
    state = context.trace_state
    if state is None:
        return b""
    text = ",".join([f"{key}={value}" for key, value in state.items()])
    return _field(b"\x1a", _utf8(text)) if text else b""


def _flags(context: Any) -> int:
    return _HAS_IS_REMOTE | _IS_REMOTE if context is not None and context.is_remote else _HAS_IS_REMOTE


def _link(link: Any) -> bytes:
    context = link.context
    out = [b"\x0a\x10" + context.trace_id.to_bytes(16, "big"), b"\x12\x08" + context.span_id.to_bytes(8, "big")]
    _attributes(b"\x22", link.attributes, out)
    dropped = link.dropped_attributes
    if dropped:
        out.append(b"\x28" + _count(dropped))
    out.append(b"\x35" + _fixed32(_flags(context)))
    return b"".join(out)


def encode_span(span: ReadableSpan) -> bytes:
    """Return the ``Span`` message of ``span`` (without its field tag)."""
    context = span.context
    if context is None:
        raise NotEncodable("a span without a context")
    out = [b"\x0a\x10" + context.trace_id.to_bytes(16, "big"), b"\x12\x08" + context.span_id.to_bytes(8, "big")]
    state = _trace_state(context)
    if state:
        out.append(state)
    parent = span.parent
    if parent is not None:
        out.append(b"\x22\x08" + parent.span_id.to_bytes(8, "big"))
    name = span.name
    if name:
        out.append(_field(b"\x2a", _utf8(name)))
    kind = _KINDS.get(span.kind)
    if kind is None:
        raise NotEncodable(f"span kind {span.kind!r}")
    out.append(b"\x30" + _ONE_BYTE[kind])
    if span.start_time:
        out.append(b"\x39" + _fixed64(span.start_time))
    if span.end_time:
        out.append(b"\x41" + _fixed64(span.end_time))
    _attributes(b"\x4a", span.attributes, out)
    dropped = span.dropped_attributes
    if dropped:
        out.append(b"\x50" + _count(dropped))
    for event in span.events:
        if type(event) is LightEvent:  # encoded once, from the core event's values (``light_events``)
            wire = event.wire()
            if wire is None:
                raise NotEncodable("an event only the SDK's encoder handles as the SDK does")
            out.append(wire)
        else:
            out.append(_field(b"\x5a", _event(event)))
    dropped = span.dropped_events
    if dropped:
        out.append(b"\x60" + _count(dropped))
    for link in span.links:
        out.append(_field(b"\x6a", _link(link)))
    dropped = span.dropped_links
    if dropped:
        out.append(b"\x70" + _count(dropped))
    status = span.status
    if status is not None:
        body = _field(b"\x12", _utf8(status.description)) if status.description else b""
        code = status.status_code.value
        if code:
            body += b"\x18" + _varint(code)
        out.append(_field(b"\x7a", body))
    out.append(b"\x85\x01" + _fixed32(_flags(parent)))
    return b"".join(out)


class _Encoded:
    """Encoded resources and scopes, kept while the same objects come back (one per exporter, every batch)."""

    def __init__(self) -> None:
        self._by_id: Dict[int, Tuple[Any, bytes]] = {}

    def get(self, thing: Any, encode: Callable[[Any], bytes]) -> bytes:
        cached = self._by_id.get(id(thing))
        if cached is not None and cached[0] is thing:
            return cached[1]
        encoded = encode(thing)
        if len(self._by_id) >= 64:
            self._by_id.clear()
        self._by_id[id(thing)] = (thing, encoded)
        return encoded


def _resource(resource: Any) -> bytes:
    out: List[bytes] = []
    _attributes(b"\x0a", resource.attributes, out)
    return b"".join(out)


def _scope(scope: Any) -> bytes:
    if scope is None:
        return b""
    out: List[bytes] = []
    if scope.name:
        out.append(_field(b"\x0a", _utf8(scope.name)))
    if scope.version:
        out.append(_field(b"\x12", _utf8(scope.version)))
    _attributes(b"\x1a", scope.attributes, out)
    return b"".join(out)


_encoded_resources = _Encoded()
_encoded_scopes = _Encoded()


def _group(items: List[Tuple[Any, List[Any]]], key: Any) -> List[Any]:
    """Return the members of ``key``'s group in ``items`` (same object, else an equal one; new ones go last)."""
    for existing, members in items:
        if existing is key:
            return members
    for existing, members in items:
        if existing == key:
            return members
    members = []
    items.append((key, members))
    return members


def encode_request(spans: Sequence[ReadableSpan]) -> bytes:
    """Return the bytes of the ``ExportTraceServiceRequest`` the SDK's encoder builds for ``spans``.

    Raises ``NotEncodable`` when the batch needs the SDK's encoder (see the module docstring).
    """
    resources: List[Tuple[Any, List[Any]]] = []
    last_resource: Any = None
    last_scope: Any = None
    scopes: List[Tuple[Any, List[Any]]] = []
    members: List[bytes] = []
    for span in spans:
        resource = span.resource
        scope = span.instrumentation_scope or None
        if resource is not last_resource or scope is not last_scope or not resources:
            scopes = _group(resources, resource)
            members = _group(scopes, scope)
            last_resource, last_scope = resource, scope
        members.append(_field(b"\x12", encode_span(span)))
    out: List[bytes] = []
    for resource, scope_groups in resources:
        body = [_field(b"\x0a", _encoded_resources.get(resource, _resource))]
        for scope, encoded_spans in scope_groups:
            scope_body = [_field(b"\x0a", _encoded_scopes.get(scope, _scope)), *encoded_spans]
            schema = scope.schema_url if scope is not None else None
            if schema:
                scope_body.append(_field(b"\x1a", _utf8(schema)))
            body.append(_field(b"\x12", b"".join(scope_body)))
        if resource.schema_url:
            body.append(_field(b"\x1a", _utf8(resource.schema_url)))
        out.append(_field(b"\x0a", b"".join(body)))
    return b"".join(out)


def sdk_matches() -> bool:
    """Tell whether the installed OTel packages encode what this module writes.

    Older releases (still allowed by the requirements) have no ``flags`` field in the ``Span`` and ``Link``
    messages and no attributes on ``InstrumentationScope``: their own encoder is used there, unchanged.
    """
    try:
        from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    except ImportError:
        return False
    return (
        "flags" in SpanMessage.DESCRIPTOR.fields_by_name
        and "flags" in SpanMessage.Link.DESCRIPTOR.fields_by_name
        and hasattr(InstrumentationScope("probe"), "attributes")
    )
