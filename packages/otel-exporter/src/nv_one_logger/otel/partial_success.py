"""Read the OTLP "partial success" of each export answer, which the SDK's OTLP exporters discard.

An OTLP receiver may accept a request but reject some of its spans (``partial_success.rejected_spans`` in the
``ExportTraceServiceResponse``, with an ``error_message``). The SDK's exporters return SUCCESS for such an
answer, so without this the bridge counted rejected spans as delivered. ``watch`` wraps the SDK exporter's
transport call (the gRPC stub's ``Export``, the HTTP client's request) so that the answer is also decoded
here; ``take`` returns what the last answer on the current thread said.

These are private parts of the SDK exporters; ``watch`` returns False when they are not where this version
of the SDK keeps them, and rejected spans are then not detected (documented in docs/otel.md).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional, Tuple

_answers = threading.local()


def _record(response: Any) -> None:
    partial = getattr(response, "partial_success", None)
    rejected = int(getattr(partial, "rejected_spans", 0) or 0) if partial is not None else 0
    if rejected:
        _answers.last = (rejected, str(getattr(partial, "error_message", "") or ""))


def take() -> Optional[Tuple[int, str]]:
    """Return ``(rejected_spans, error_message)`` of the last answer on this thread (then forget it), or None."""
    answer = getattr(_answers, "last", None)
    _answers.last = None
    return answer


class _StubWatcher:
    """Wraps a gRPC ``TraceServiceStub``: ``Export`` calls go through and their answers are recorded."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub

    def Export(self, *args: Any, **kwargs: Any) -> Any:
        """Call the stub's ``Export`` and record its partial success."""
        response = self._stub.Export(*args, **kwargs)
        _record(response)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stub, name)


def _watch_grpc(exporter: Any) -> bool:
    stub_factory = getattr(exporter, "_stub", None)
    if not callable(stub_factory) or not hasattr(exporter, "_client"):
        return False

    def watched_factory(channel: Any) -> Any:
        return _StubWatcher(stub_factory(channel))

    exporter._stub = watched_factory  # used again when the SDK re-creates its channel after UNAVAILABLE
    if exporter._client is not None:
        exporter._client = _StubWatcher(exporter._client)
    return True


def _watch_http(exporter: Any) -> bool:
    client = getattr(exporter, "_client", None)
    submit: Optional[Callable[..., Any]] = getattr(client, "_submit", None)
    if submit is None:
        return False
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    def watched_submit(*args: Any, **kwargs: Any) -> Any:
        result = submit(*args, **kwargs)
        try:
            if getattr(result, "status_code", None) == 200:
                content = result.content() if callable(getattr(result, "content", None)) else b""
                if content:
                    response = ExportTraceServiceResponse()
                    response.ParseFromString(content)
                    _record(response)
        except Exception:  # an answer that is not OTLP protobuf (e.g. JSON): nothing to learn from it
            pass
        return result

    client._submit = watched_submit  # type: ignore[union-attr]
    return True


def watch(exporter: Any) -> bool:
    """Start recording partial successes of ``exporter`` (an SDK OTLP span exporter); False if not possible.

    Wrappers of the bridge (``span_exporters.Suppressed``'s ``inner``, ``FanOut``'s ``exporters``) are looked
    through, so the OTLP exporter inside is watched.
    """
    inner = getattr(exporter, "inner", None)
    if inner is not None:
        return watch(inner)
    several = getattr(exporter, "exporters", None)
    if isinstance(several, list):
        return any([watch(item) for item in several])
    try:
        module = type(exporter).__module__
        if module.startswith("opentelemetry.exporter.otlp.proto.grpc"):
            return _watch_grpc(exporter)
        if module.startswith("opentelemetry.exporter.otlp.proto.http"):
            return _watch_http(exporter)
    except Exception:
        return False
    return False
