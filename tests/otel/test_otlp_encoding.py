"""The bridge's own OTLP encoder (otel/otlp_encoding.py) writes exactly the request the SDK's encoder builds.

Checked byte for byte against ``encode_spans(...).SerializeToString()`` on hand-built spans covering every field
and value kind, and on the spans the bridge really builds (markers, errors, telemetry data errors, links,
remote parents, legacy fields); batches it must leave to the SDK go through the SDK's encoder; and a batch sent
through the real collector arrives exactly as the SDK's encoding of the same spans.
"""

from __future__ import annotations

import time
from typing import Any, List

import pytest
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.util import BoundedList
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.span import TraceState
from opentelemetry.trace.status import Status, StatusCode

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.mapping import readable_span
from nv_one_logger.otel.otlp_encoding import NotEncodable, encode_request
from nv_one_logger.otel.otlp_grpc import install
from nv_one_logger.otel.span_exporters import FanOut, Suppressed
from tests.support.collector import ReceivedRequest
from tests.support.otel_job import configure_job
from tests.support.otlp_sink import flatten_request

CONTEXT = SpanContext(0xABC, 0x123, False, TraceFlags(1), TraceState([("k", "v"), ("a", "b")]))
REMOTE = SpanContext(0xABD, 0x124, True, TraceFlags(1))
RESOURCE = Resource({"service.name": "svc", "n": 3, "l": ["a", "b"]}, "https://example.com/resource")
VALUES: dict = {
    "s": "text",
    "empty": "",
    "accented": "h\u00e9llo \u2603",
    "zero": 0,
    "negative": -5,
    "int64 max": 2**63 - 1,
    "int64 min": -(2**63),
    "float zero": 0.0,
    "nan": float("nan"),
    "inf": float("-inf"),
    "false": False,
    "true": True,
    "strings": ["a", ""],
    "ints": [1, -2, 300],
    "floats": [1.5],
    "bools": [True, False],
    "no items": [],
    "a tuple": ("x", "y"),
    "": "the empty key",
    "long": "x" * 5000,
}


class _Int(int):
    """An int subclass: the SDK encodes it (isinstance), the fast encoder leaves it to the SDK (exact types)."""


def _sdk_bytes(spans: List[ReadableSpan]) -> bytes:
    return encode_spans(spans).SerializeToString()


def _hand_built_spans() -> List[ReadableSpan]:
    events = [
        SdkEvent("e1", VALUES, 12345),
        SdkEvent("", {}, 0),
        SdkEvent("bounded", BoundedAttributes(1, {"a": 1, "b": 2}), 5),
    ]
    with_dropped: BoundedList = BoundedList(None)
    with_dropped.extend(events)
    with_dropped.dropped = 7
    same_resource = Resource(dict(RESOURCE.attributes), RESOURCE.schema_url)  # equal, another object: one group
    scope = InstrumentationScope("other.scope", None, "https://example.com/scope", {"scope.attr": 1})
    return [
        readable_span("plain", CONTEXT, None, RESOURCE, VALUES, events, Status(StatusCode.UNSET), 1, 2),
        readable_span(
            "",
            CONTEXT,
            REMOTE,
            same_resource,
            BoundedAttributes(2, {"a": 1, "b": 2, "c": 3}),
            with_dropped,
            Status(StatusCode.ERROR, "bad \u00e9"),
            0,
            0,
            links=[Link(REMOTE, {"link.attr": 1}), Link(CONTEXT)],
        ),
        readable_span("scoped", REMOTE, CONTEXT, Resource({"other": True}), {}, [], Status(StatusCode.OK), 5, 6, scope),
        readable_span("back to the first resource", REMOTE, CONTEXT, RESOURCE, {}, [], Status(StatusCode.OK), 5, 6),
        ReadableSpan("built by hand, no scope", CONTEXT, None, RESOURCE, kind=SpanKind.SERVER),
        ReadableSpan("client", CONTEXT, None, RESOURCE, kind=SpanKind.CLIENT, start_time=1, end_time=2**63),
    ]


def test_every_field_and_value_kind_is_encoded_byte_for_byte_as_the_sdk_does() -> None:
    spans = _hand_built_spans()
    assert encode_request(spans) == _sdk_bytes(spans)
    for span in spans:  # one at a time too (each its own resource group)
        assert encode_request([span]) == _sdk_bytes([span])
    assert encode_request([]) == _sdk_bytes([])


def _bridge_spans(monkeypatch: pytest.MonkeyPatch, legacy_fields: bool) -> List[ReadableSpan]:
    """The spans the bridge builds for a small job (every kind: markers, errors, data errors, remote parent)."""
    monkeypatch.setenv("TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    memory = InMemorySpanExporter()
    otel = OTelExporter(
        otel_span_exporter=memory, liveness_threshold_s=0, legacy_fields=legacy_fields, max_spans_per_trace=3
    )
    configure_job(otel)
    recorder = get_recorder()
    with timed_span("application", span_attributes=Attributes({"job.kind": "pretrain", "huge": 2**70})):
        train = recorder.start("train", start_event_attributes=Attributes({"phase": "begin"}))
        for step in range(3):
            recorder.event(train, Event.create("metrics", Attributes({"step": step, "loss": 0.25, "tags": ["a"]})))
            otel.force_flush()
        with timed_span("step", span_attributes={"accented": "\u00e9t\u00e9"}):
            pass
        recorder.error(train, "it broke", ValueError("bad value"))
        recorder.event(train, ErrorEvent.create("plain error"))
        recorder.stop(train, stop_event_attributes=Attributes({"result": "ok"}))
        for _ in range(4):  # beyond max_spans_per_trace: a continuation trace with a span link
            with timed_span("more"):
                pass
        recorder.telemetry_data_error("lost a shard")
    recorder.close()
    spans = list(memory.get_finished_spans())
    assert any(span.links for span in spans) and any(span.parent and span.parent.is_remote for span in spans)
    assert any("one_logger.marker" in (span.attributes or {}) for span in spans)
    return spans


@pytest.mark.parametrize("legacy_fields", [False, True])
def test_the_spans_the_bridge_builds_are_encoded_as_the_sdk_does(
    monkeypatch: pytest.MonkeyPatch, legacy_fields: bool
) -> None:
    spans = _bridge_spans(monkeypatch, legacy_fields)
    assert encode_request(spans) == _sdk_bytes(spans)


@pytest.mark.parametrize(
    "value",
    [2**64, b"bytes", {"a": 1}, [1, "mixed", None], "lone surrogate \udc80", _Int(3)],
    ids=["beyond int64", "bytes", "dict", "list with None", "surrogate", "int subclass"],
)
def test_values_only_the_sdk_handles_are_refused_and_left_to_the_sdk(value: Any) -> None:
    span = readable_span("s", CONTEXT, None, RESOURCE, {"v": value}, [], Status(StatusCode.UNSET), 1, 2)
    with pytest.raises(NotEncodable):
        encode_request([span])
    exporter = OTLPSpanExporter(endpoint="http://127.0.0.1:1", insecure=True)
    try:
        assert install(exporter)
        # The installed hook falls back to the SDK's encoder: the SDK's own result, including how it treats the
        # value (it logs and skips what it cannot encode; a surrogate fails its own encoding as it always did).
        try:
            expected: Any = _sdk_bytes([span])
        except Exception as error:  # the SDK raises for this value: so must the hook
            with pytest.raises(type(error)):
                exporter._translate_data([span])
        else:
            assert exporter._translate_data([span]).SerializeToString() == expected
    finally:
        exporter.shutdown()


@pytest.mark.parametrize("dropped", [-1, 2**32 + 5], ids=["negative", "beyond uint32"])
def test_counts_out_of_range_are_refused_not_written_as_another_number(dropped: int) -> None:
    events: BoundedList = BoundedList(None)
    events.extend([SdkEvent("e", {}, 1)])
    events.dropped = dropped
    span = readable_span("s", CONTEXT, None, RESOURCE, {}, events, Status(StatusCode.UNSET), 1, 2)
    with pytest.raises(NotEncodable):
        encode_request([span])


def test_install_gives_up_on_an_object_that_answers_every_attribute() -> None:
    class Proxy:
        def __getattr__(self, name: str) -> Proxy:
            return Proxy()

    assert install(Proxy()) is False


def test_install_changes_only_the_sdk_grpc_exporter_itself_and_is_idempotent() -> None:
    class OwnEncoding(OTLPSpanExporter):
        pass

    exporter = OTLPSpanExporter(endpoint="http://127.0.0.1:1", insecure=True)
    subclass = OwnEncoding(endpoint="http://127.0.0.1:1", insecure=True)
    try:
        assert install(Suppressed(FanOut([InMemorySpanExporter(), exporter])))
        hook = exporter._translate_data
        assert install(exporter) and exporter._translate_data is hook
        assert not install(subclass) and "_translate_data" not in vars(subclass)
        assert not install(InMemorySpanExporter())
        spans = _hand_built_spans()
        assert hook(spans) == _sdk_bytes(spans)  # the bytes themselves, sent as they are (test_otlp_grpc.py)
    finally:
        exporter.shutdown()
        subclass.shutdown()


@pytest.mark.collector
def test_what_the_collector_receives_is_the_sdk_encoding_of_the_same_spans(
    rotel: Any, otlp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans = _bridge_spans(monkeypatch, legacy_fields=False)
    exporter = OTLPSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True)
    try:
        assert install(exporter)
        assert exporter.export(spans) is SpanExportResult.SUCCESS
    finally:
        exporter.shutdown()
    received = otlp_sink.wait_for_spans(count=len(spans), timeout=30.0)
    reference = ReceivedRequest(protocol="grpc", headers={}, request=encode_spans(spans), received_at=time.time())
    expected = flatten_request(reference)

    def key(span: Any) -> Any:
        return (span.trace_id, span.span_id)

    assert sorted(received, key=key) == sorted(expected, key=key)
