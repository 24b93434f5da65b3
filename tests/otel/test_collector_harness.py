"""The OTLP collector harness itself (tests/support/collector.py): a raw OpenTelemetry SDK pipeline through rotel
to the sink, on both protocols."""

from __future__ import annotations

import socket

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.support.waiting import wait_until

pytestmark = pytest.mark.collector


def _send(exporter, name: str) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("harness").start_as_current_span(name) as span:
        span.add_event("ev", {"k": 1})
    provider.shutdown()


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_span_goes_through_rotel_to_sink(rotel, otlp_sink, protocol):
    if protocol == "grpc":
        exporter = GrpcExporter(endpoint=rotel.grpc_endpoint, insecure=True)
    else:
        exporter = HttpExporter(endpoint=rotel.http_traces_url)
    _send(exporter, f"via-{protocol}")
    (span,) = otlp_sink.wait_for_spans(lambda s: s.name == f"via-{protocol}")
    assert span.events[0].name == "ev"
    assert span.events[0].attributes == {"k": 1}
    assert span.protocol == "grpc"  # rotel -> sink is always gRPC


def test_kill_and_restart_on_same_ports(rotel, otlp_sink):
    ports = (rotel.grpc_port, rotel.http_port)
    rotel.kill()
    assert not rotel.running
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", ports[0]), timeout=1):
        pass
    rotel.restart()
    assert (rotel.grpc_port, rotel.http_port) == ports
    _send(GrpcExporter(endpoint=rotel.grpc_endpoint, insecure=True), "after-restart")
    otlp_sink.wait_for_spans(lambda s: s.name == "after-restart")


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_sink_records_headers_directly(otlp_sink, protocol):
    headers = {"x-team-token": "abc"}
    if protocol == "grpc":
        exporter = GrpcExporter(endpoint=otlp_sink.grpc_endpoint, insecure=True, headers=headers)
    else:
        exporter = HttpExporter(endpoint=otlp_sink.http_traces_url, headers=headers)
    _send(exporter, "direct")
    (request,) = otlp_sink.wait_for_requests()
    assert request.protocol == protocol
    assert request.headers["x-team-token"] == "abc"


def test_sink_unavailable_makes_exports_fail(otlp_sink):
    otlp_sink.set_unavailable(True)
    exporter = HttpExporter(endpoint=otlp_sink.http_traces_url, timeout=2)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("t").start_span("x").end()
    provider.shutdown()
    assert otlp_sink.requests() == []


def test_black_hole_accepts_and_never_answers(black_hole):
    with socket.create_connection(("127.0.0.1", black_hole.port), timeout=2) as conn:
        conn.sendall(b"POST /v1/traces HTTP/1.1\r\n\r\n")
        conn.settimeout(0.5)
        with pytest.raises(socket.timeout):
            conn.recv(1)
    wait_until(lambda: black_hole.accepted > 0, 5, interval=0.01)
    assert black_hole.accepted == 1
