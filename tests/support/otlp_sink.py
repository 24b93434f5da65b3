"""A real, minimal OTLP trace receiver for tests: gRPC and HTTP/protobuf, recording requests and headers.

Why it exists: the rotel collector (see ``tests/support/collector.py``) does not keep what it receives and does
not forward the request headers of its clients. The sink is the "backend" at the end of the pipe: rotel exports
to it over OTLP/gRPC, and a test can also point an application straight at it when it needs to see exactly what
the application sent on the wire (headers, protocol).

API (everything is thread-safe):

- ``OtlpSink()`` then ``start()`` (or use it as a context manager; ``stop()`` is idempotent).
  ``grpc_endpoint`` is ``"http://127.0.0.1:<port>"`` (OTLP/gRPC), ``http_endpoint`` is ``"http://127.0.0.1:<port>"``
  (OTLP/HTTP base URL; traces are accepted at ``/v1/traces``), ``http_traces_url`` is the full traces URL.
- ``requests()`` -> list of ``ReceivedRequest(protocol, headers, request)``: ``protocol`` is ``"grpc"`` or
  ``"http"``, ``headers`` a dict with lower-case keys, ``request`` the decoded ``ExportTraceServiceRequest``.
- ``spans()`` -> every received span flattened into ``ReceivedSpan`` (ids as hex strings, attributes as Python
  values, resource attributes attached to each span).
- ``wait_for_spans(predicate=None, count=1, timeout=10.0)`` -> the matching spans once at least ``count`` of them
  arrived; raises ``AssertionError`` listing what did arrive on timeout.
- ``wait_for_requests(predicate=None, count=1, timeout=10.0)`` -> the same for raw requests.
- ``clear()`` forgets everything received so far.
- Fault injection for reliability tests: ``set_unavailable(True)`` makes every export fail (gRPC UNAVAILABLE,
  HTTP 503), ``set_delay(seconds)`` holds every answer for that long and ``set_partial_success(n, message)``
  answers every export with an OTLP partial success that rejects ``n`` spans.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import grpc  # type: ignore[import-untyped]
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1 import common_pb2

LOOPBACK = "127.0.0.1"


class LoopbackEndpoints:
    """OTLP endpoint URLs of a server listening on loopback ``grpc_port`` / ``http_port`` (sink or collector)."""

    grpc_port: int
    http_port: int

    @property
    def grpc_endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.grpc_port}"

    @property
    def http_endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def http_traces_url(self) -> str:
        return f"{self.http_endpoint}/v1/traces"


def any_value_to_python(value: common_pb2.AnyValue) -> Any:
    """Turn an OTLP ``AnyValue`` into the plain Python value it carries (lists and dicts recursively)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value_to_python(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value_to_python(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind)


def key_values_to_dict(key_values: Any) -> dict[str, Any]:
    """Turn a repeated OTLP ``KeyValue`` field into a dict."""
    return {kv.key: any_value_to_python(kv.value) for kv in key_values}


@dataclass(frozen=True)
class ReceivedEvent:
    """A span event as it arrived."""

    name: str
    time_unix_nano: int
    attributes: dict[str, Any]


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as it arrived, flattened with its resource and scope so tests can assert on plain values."""

    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a root span
    name: str
    kind: int
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: dict[str, Any]
    events: list[ReceivedEvent]
    status_code: int  # 0 unset, 1 ok, 2 error
    status_message: str
    resource: dict[str, Any]
    scope_name: str
    dropped_events_count: int
    protocol: str
    trace_state: str = ""
    links: tuple = ()  # (trace id hex, span id hex) of each span link

    @property
    def is_marker(self) -> bool:
        """True for the liveness marker spans the OneLogger bridge sends for open spans."""
        return "one_logger.marker" in self.attributes

    def event_names(self) -> list[str]:
        return [e.name for e in self.events]


@dataclass(frozen=True)
class ReceivedRequest:
    """One export request with the headers (gRPC metadata or HTTP headers, lower-case keys) it came with."""

    protocol: str
    headers: dict[str, str]
    request: trace_service_pb2.ExportTraceServiceRequest
    received_at: float = field(default_factory=time.time)


def flatten_request(received: ReceivedRequest) -> list[ReceivedSpan]:
    """Flatten one request into ``ReceivedSpan`` objects."""
    out = []
    for resource_spans in received.request.resource_spans:
        resource = key_values_to_dict(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                out.append(
                    ReceivedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        kind=span.kind,
                        start_time_unix_nano=span.start_time_unix_nano,
                        end_time_unix_nano=span.end_time_unix_nano,
                        attributes=key_values_to_dict(span.attributes),
                        events=[
                            ReceivedEvent(e.name, e.time_unix_nano, key_values_to_dict(e.attributes))
                            for e in span.events
                        ],
                        status_code=span.status.code,
                        status_message=span.status.message,
                        resource=resource,
                        scope_name=scope_spans.scope.name,
                        dropped_events_count=span.dropped_events_count,
                        protocol=received.protocol,
                        trace_state=span.trace_state,
                        links=tuple((link.trace_id.hex(), link.span_id.hex()) for link in span.links),
                    )
                )
    return out


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, sink: OtlpSink) -> None:
        self._sink = sink

    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._sink._hold()
        if self._sink._unavailable:
            context.abort(grpc.StatusCode.UNAVAILABLE, "sink set unavailable by the test")
        headers = {k.lower(): v for k, v in context.invocation_metadata() if isinstance(v, str)}
        self._sink._record(ReceivedRequest("grpc", headers, request))
        return self._sink._response()


def _make_http_handler(sink: OtlpSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            sink._hold()
            if self.path.rstrip("/") != "/v1/traces":
                self._reply(404, b"")
                return
            if sink._unavailable:
                self._reply(503, b"")
                return
            encoding = (self.headers.get("Content-Encoding") or "").lower()
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            request = trace_service_pb2.ExportTraceServiceRequest()
            request.ParseFromString(body)
            headers = {k.lower(): v for k, v in self.headers.items()}
            sink._record(ReceivedRequest("http", headers, request))
            self._reply(200, sink._response().SerializeToString())

        def _reply(self, code: int, payload: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class OtlpSink(LoopbackEndpoints):
    """A real OTLP/gRPC + OTLP/HTTP trace receiver on free loopback ports that records what it gets."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._unavailable = False
        self._delay_s = 0.0
        self._rejected_spans = 0
        self._rejection_message = ""
        self._grpc_server: Optional[grpc.Server] = None
        self._http_server: Optional[ThreadingHTTPServer] = None
        self.grpc_port = 0
        self.http_port = 0

    # lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> OtlpSink:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(self), server)
        self.grpc_port = server.add_insecure_port(f"{LOOPBACK}:0")
        server.start()
        self._grpc_server = server
        http_server = ThreadingHTTPServer((LOOPBACK, 0), _make_http_handler(self))
        http_server.daemon_threads = True
        self.http_port = http_server.server_address[1]
        threading.Thread(target=http_server.serve_forever, name="otlp-sink-http", daemon=True).start()
        self._http_server = http_server
        return self

    def stop(self) -> None:
        if self._grpc_server is not None:
            self._grpc_server.stop(grace=None)
            self._grpc_server = None
        if self._http_server is not None:
            self._http_server.shutdown()
            self._http_server.server_close()
            self._http_server = None

    def __enter__(self) -> OtlpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # fault injection ---------------------------------------------------------------------------------------
    def set_unavailable(self, unavailable: bool) -> None:
        self._unavailable = unavailable

    def set_delay(self, seconds: float) -> None:
        self._delay_s = seconds

    def set_partial_success(self, rejected_spans: int, message: str = "") -> None:
        """Answer every later export with an OTLP partial success rejecting ``rejected_spans`` (0: full success)."""
        self._rejected_spans = rejected_spans
        self._rejection_message = message

    def _response(self) -> Any:
        response = trace_service_pb2.ExportTraceServiceResponse()
        if self._rejected_spans:
            response.partial_success.rejected_spans = self._rejected_spans
            response.partial_success.error_message = self._rejection_message
        return response

    def _hold(self) -> None:
        if self._delay_s > 0:
            time.sleep(self._delay_s)

    # reading back ------------------------------------------------------------------------------------------
    def _record(self, received: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(received)
            self._lock.notify_all()

    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def spans(self) -> list[ReceivedSpan]:
        return [span for received in self.requests() for span in flatten_request(received)]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for_requests(
        self,
        predicate: Optional[Callable[[ReceivedRequest], bool]] = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[ReceivedRequest]:
        return self._wait(self.requests, predicate, count, timeout, "requests")

    def wait_for_spans(
        self,
        predicate: Optional[Callable[[ReceivedSpan], bool]] = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[ReceivedSpan]:
        return self._wait(self.spans, predicate, count, timeout, "spans")

    def _wait(self, read: Callable[[], list[Any]], predicate: Any, count: int, timeout: float, what: str) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            matching = [item for item in read() if predicate is None or predicate(item)]
            remaining = deadline - time.monotonic()
            if len(matching) >= count or remaining <= 0:
                break
            with self._lock:
                self._lock.wait(min(remaining, 0.1))
        if len(matching) < count:
            summary = [getattr(item, "name", getattr(item, "protocol", "?")) for item in read()]
            raise AssertionError(
                f"expected {count} matching {what} within {timeout}s, got {len(matching)}; received: {summary}"
            )
        return matching
