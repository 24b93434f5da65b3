"""The SDK's OTLP gRPC exporter sends the bridge's encoded bytes as they are (otel/otlp_grpc.py).

Against real receivers (the rotel collector, the harness's OTLP sink, over TLS too): what the exporter's stub is
handed is checked (``bytes``, not a message parsed from them), and what arrives is checked field by field; the
SDK exporter's own behaviour around the call stays: headers, gzip compression (measured on the wire), the
partial-success answer, a channel re-created after UNAVAILABLE (which must get a stub of ours again), and a
batch the bridge's encoder refuses (sent as the SDK's message through the same stub).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any, Iterator, List, Tuple

import grpc  # type: ignore[import-untyped]
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import SpanContext, TraceFlags
from opentelemetry.trace.status import Status, StatusCode

from nv_one_logger.core.event import Event
from nv_one_logger.core.span import Span
from nv_one_logger.otel import partial_success
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.mapping import readable_span
from nv_one_logger.otel.otlp_grpc import EncodedRequestStub, install
from tests.support.collector import LOOPBACK, OtlpSink, ReceivedRequest
from tests.support.otlp_sink import flatten_request
from tests.support.tls import TlsOtlpSink, make_tls_material

WAIT_S = 30.0
RESOURCE = Resource({"service.name": "otlp-grpc-test"})


class _Spy:
    """Wraps a stub: records the type of every request handed to its ``Export``, then makes the call."""

    def __init__(self, stub: Any, seen: List[type]) -> None:
        self.stub = stub
        self.seen = seen

    def Export(self, request: Any, **kwargs: Any) -> Any:
        self.seen.append(type(request))
        return self.stub.Export(request=request, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stub, name)


def _spy_on(exporter: OTLPSpanExporter) -> List[type]:
    """Record the request types of ``exporter``'s current stub and of every stub it builds later."""
    seen: List[type] = []
    factory = exporter._stub
    exporter._stub = lambda channel: _Spy(factory(channel), seen)  # type: ignore[assignment,misc]
    exporter._client = _Spy(exporter._client, seen)  # type: ignore[assignment]
    return seen


def _stub_of(exporter: OTLPSpanExporter) -> Any:
    """The stub under the wrappers (this test's spy, the partial-success watcher) of ``exporter._client``."""
    stub = exporter._client
    while isinstance(stub, (_Spy, partial_success._StubWatcher)):
        stub = stub.stub if isinstance(stub, _Spy) else stub._stub
    return stub


def _installed(exporter: OTLPSpanExporter) -> OTLPSpanExporter:
    """Install as the export worker does: the bytes path, then the partial-success watcher around it."""
    assert install(exporter)
    assert partial_success.watch(exporter)
    return exporter


def _spans(count: int, value: Any = "v", name: str = "s") -> List[ReadableSpan]:
    return [
        readable_span(
            f"{name}{i}",
            SpanContext(0xABC, 0x100 + i, False, TraceFlags(1)),
            None,
            RESOURCE,
            {"i": i, "value": value},
            [],
            Status(StatusCode.UNSET),
            1_000 + i,
            2_000 + i,
        )
        for i in range(count)
    ]


def _expected(spans: List[ReadableSpan]) -> List[Any]:
    """What a receiver gets for ``spans`` encoded by the SDK's own encoder."""
    return flatten_request(ReceivedRequest("grpc", {}, encode_spans(spans), time.time()))


def _by_id(spans: List[Any]) -> List[Any]:
    return sorted(spans, key=lambda span: (span.trace_id, span.span_id))


@pytest.mark.collector
def test_spans_and_events_go_to_the_collector_as_bytes_through_the_export_worker(rotel: Any, otlp_sink: Any) -> None:
    sdk_exporter = OTLPSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True)
    exporter = OTelExporter(sdk_exporter, start_markers=False, event_markers=False)
    exporter.initialize()
    seen = _spy_on(sdk_exporter)
    try:
        spans = []
        for n in range(3):
            span = Span.create(f"step{n}")
            exporter.export_start(span)
            for i in range(50):
                exporter.export_event(Event.create("metrics", {"loss": i / 8, "step": i, "tag": f"t{n}"}), span)
            span.stop()
            exporter.export_stop(span)
            spans.append(span)
        assert exporter.force_flush(WAIT_S)
        stats = exporter.stats
        assert (stats.spans_exported, stats.lost) == (3, 0), stats
    finally:
        exporter.close()
    assert seen and set(seen) == {bytes}, seen
    received = {span.name: span for span in otlp_sink.wait_for_spans(count=3, timeout=WAIT_S)}
    for n in range(3):
        events = received[f"step{n}"].events
        assert [event.name for event in events] == ["metrics"] * 50
        assert [event.attributes for event in events] == [{"loss": i / 8, "step": i, "tag": f"t{n}"} for i in range(50)]


@pytest.mark.collector
def test_a_batch_the_encoder_refuses_goes_as_the_sdk_message_through_the_same_stub(rotel: Any, otlp_sink: Any) -> None:
    exporter = _installed(OTLPSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True))
    seen = _spy_on(exporter)
    refused = _spans(2, value=b"raw bytes", name="refused")  # only the SDK's encoder handles a bytes value
    plain = _spans(2, name="plain")
    try:
        assert exporter.export(refused) is SpanExportResult.SUCCESS
        assert exporter.export(plain) is SpanExportResult.SUCCESS
        assert isinstance(_stub_of(exporter), EncodedRequestStub)
    finally:
        exporter.shutdown()
    assert seen == [ExportTraceServiceRequest, bytes]
    received = otlp_sink.wait_for_spans(count=4, timeout=WAIT_S)
    assert _by_id(received) == _by_id(_expected(refused) + _expected(plain))


def test_a_channel_recreated_after_unavailable_gets_a_stub_of_ours_and_partial_success_is_read(
    otlp_sink: OtlpSink,
) -> None:
    exporter = _installed(OTLPSpanExporter(endpoint=otlp_sink.grpc_endpoint, insecure=True, timeout=2))
    seen = _spy_on(exporter)
    first_channel = exporter._channel
    try:
        otlp_sink.set_unavailable(True)  # the SDK closes its channel and builds a new one (and a new stub)
        assert exporter.export(_spans(1, name="refused")) is SpanExportResult.FAILURE
        assert exporter._channel is not first_channel
        otlp_sink.set_unavailable(False)
        otlp_sink.set_partial_success(1, "one span rejected by policy")
        partial_success.take()
        spans = _spans(3)
        assert exporter.export(spans) is SpanExportResult.SUCCESS
        assert partial_success.take() == (1, "one span rejected by policy")
        assert isinstance(_stub_of(exporter), EncodedRequestStub)
    finally:
        exporter.shutdown()
    assert seen and set(seen) == {bytes}, seen
    assert _by_id(otlp_sink.spans()) == _by_id(_expected(spans))


def test_headers_are_sent_with_the_bytes(otlp_sink: OtlpSink) -> None:
    exporter = _installed(
        OTLPSpanExporter(endpoint=otlp_sink.grpc_endpoint, insecure=True, headers={"x-team": "bytes path"})
    )
    seen = _spy_on(exporter)
    try:
        assert exporter.export(_spans(2)) is SpanExportResult.SUCCESS
    finally:
        exporter.shutdown()
    assert seen == [bytes]
    (request,) = otlp_sink.requests()
    assert request.headers["x-team"] == "bytes path"


def test_bytes_go_over_tls(tmp_path: Any) -> None:
    material = make_tls_material(tmp_path / "tls")
    with TlsOtlpSink(material) as sink:
        credentials = grpc.ssl_channel_credentials(root_certificates=material.ca_cert.read_bytes())
        exporter = _installed(OTLPSpanExporter(endpoint=sink.grpc_endpoint, credentials=credentials))
        seen = _spy_on(exporter)
        spans = _spans(3)
        try:
            assert exporter.export(spans) is SpanExportResult.SUCCESS
        finally:
            exporter.shutdown()
        assert seen == [bytes]
        assert _by_id(sink.spans()) == _by_id(_expected(spans))


class _CountingRelay:
    """A TCP relay on loopback in front of ``target_port`` that counts the bytes the client sends."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._server = socket.create_server((LOOPBACK, 0))
        self.port = self._server.getsockname()[1]
        self.client_bytes = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="relay-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection((LOOPBACK, self._target_port))
            for source, target, counted in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pipe, args=(source, target, counted), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, counted: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if counted:
                    with self._lock:
                        self.client_bytes += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def relay(otlp_sink: OtlpSink) -> Iterator[_CountingRelay]:
    relay = _CountingRelay(otlp_sink.grpc_port)
    try:
        yield relay
    finally:
        relay.close()


@pytest.mark.parametrize("compression", ["gzip", "none"])
def test_the_compression_variable_applies_to_the_bytes(
    otlp_sink: OtlpSink, relay: _CountingRelay, monkeypatch: pytest.MonkeyPatch, compression: str
) -> None:
    if compression == "gzip":
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    else:
        monkeypatch.delenv("OTEL_EXPORTER_OTLP_COMPRESSION", raising=False)
        monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", raising=False)
    exporter = _installed(OTLPSpanExporter(endpoint=f"http://{LOOPBACK}:{relay.port}", insecure=True))
    seen = _spy_on(exporter)
    spans = _spans(4, value="x" * 50_000)  # 200 KB that gzip shrinks to almost nothing
    try:
        assert exporter.export(spans) is SpanExportResult.SUCCESS
    finally:
        exporter.shutdown()
    assert seen == [bytes]
    assert _by_id(otlp_sink.spans()) == _by_id(_expected(spans))
    sent: Tuple[int, int] = (relay.client_bytes, len(encode_spans(spans).SerializeToString()))
    if compression == "gzip":
        assert sent[0] < sent[1] // 10, sent
    else:
        assert sent[0] > sent[1], sent


def test_an_exporter_whose_stub_was_replaced_before_gets_messages_it_can_send(otlp_sink: OtlpSink) -> None:
    """The stub is replaced only while it is the SDK's own: a stub wrapped before (here by the partial-success
    watcher, installed in the wrong order) keeps serializing messages, so it is handed a parsed message."""
    exporter = OTLPSpanExporter(endpoint=otlp_sink.grpc_endpoint, insecure=True)
    assert partial_success.watch(exporter)
    assert install(exporter)
    seen = _spy_on(exporter)
    spans = _spans(2)
    try:
        assert exporter.export(spans) is SpanExportResult.SUCCESS
        assert not isinstance(_stub_of(exporter), EncodedRequestStub)
    finally:
        exporter.shutdown()
    assert seen == [ExportTraceServiceRequest]
    assert _by_id(otlp_sink.spans()) == _by_id(_expected(spans))
