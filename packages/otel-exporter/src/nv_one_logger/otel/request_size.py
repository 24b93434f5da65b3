"""Keep every OTLP request under the receiver's message size limit, so one huge span costs only itself.

A gRPC receiver refuses a request larger than its message limit (4 MiB by default, in the OpenTelemetry
Collector and in rotel alike): one span with a 5 MB attribute made the whole batch fail, and every other span in
it was lost. Before export, the worker packs spans into batches whose estimated encoded size stays under
``MAX_REQUEST_BYTES``; a span that alone is larger is shrunk (its longest string values cut, marked and
counted) or, if that is not enough, dropped alone and counted.

The estimate is deliberately cheap (lengths of names, keys and string values, a constant per number, per
attribute, per event and per span) and errs on the large side for text (non-ASCII counts four bytes per
character), because it runs for every span on the export thread; encoding each span twice to measure it would
double the export cost. The exception are the events the live translator builds for the gRPC exporter
(``light_events``): they are encoded exactly once anyway, and encoding them here (the first reader) gives their
exact size and the bytes the request encoder appends.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple, cast

from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext

from nv_one_logger.otel.attributes import OTelValue
from nv_one_logger.otel.light_events import LightEvent
from nv_one_logger.otel.mapping import readable_span

MAX_REQUEST_BYTES = 3_500_000
"""Budget of one export request: below gRPC's default 4 MiB receive limit, with room for resource and framing."""

TRUNCATED_VALUES_ATTRIBUTE = "nv_one_logger.truncated_values"
"""Set on a span whose string values were cut to fit a request: how many values were cut."""

_SPAN_OVERHEAD = 200  # ids, times, kind, status, scope reference, framing
_EVENT_OVERHEAD = 40
_VALUE_OVERHEAD = 12  # key/value framing of one attribute
_MIN_VALUE_CHARS = 256


def _value_size(value: object) -> int:
    if type(value) is str:  # ``type() is`` rather than isinstance: cheaper for the numbers most values are
        return len(value) if value.isascii() else 4 * len(value)
    if type(value) is list or type(value) is tuple:
        items: Sequence[object] = value
        return 4 + sum(_value_size(item) + 2 for item in items)
    return 10


def _attributes_size(attributes: Optional[Mapping[str, object]]) -> int:
    """``sum(len(key) + _value_size(value) + _VALUE_OVERHEAD)``, with strings and numbers inlined (once per event)."""
    if not attributes:
        return 0
    size = 0
    for key, value in attributes.items():
        kind = type(value)
        if kind is str:
            text: str = value  # type: ignore[assignment]
            size += len(text) if text.isascii() else 4 * len(text)
        elif kind is list or kind is tuple:
            size += _value_size(value)
        else:
            size += 10
        size += len(key) + _VALUE_OVERHEAD
    return size


def span_size(span: ReadableSpan) -> int:
    """Estimated encoded size of ``span`` in bytes (see the module docstring)."""
    size = _SPAN_OVERHEAD + _value_size(span.name) + _attributes_size(span.attributes)
    description = span.status.description
    if description:
        size += _value_size(description)
    for event in span.events:
        if type(event) is LightEvent:  # encoded once, here, for the request too: its exact size
            wire = event.wire()
            if wire is not None:
                size += len(wire)
                continue
        size += _EVENT_OVERHEAD + _value_size(event.name) + _attributes_size(event.attributes)
    return size


def pack(
    spans: Sequence[ReadableSpan], max_batch: int, max_bytes: int = MAX_REQUEST_BYTES
) -> Tuple[List[List[ReadableSpan]], List[ReadableSpan]]:
    """Split ``spans`` (in order) into batches of at most ``max_batch`` spans and ``max_bytes`` each.

    Also returns the spans larger than ``max_bytes`` on their own (they are in none of the batches).
    """
    batches: List[List[ReadableSpan]] = []
    oversized: List[ReadableSpan] = []
    current: List[ReadableSpan] = []
    current_size = 0
    for span in spans:
        size = span_size(span)
        if size > max_bytes:
            oversized.append(span)
            continue
        if current and (len(current) >= max_batch or current_size + size > max_bytes):
            batches.append(current)
            current, current_size = [], 0
        current.append(span)
        current_size += size
    if current:
        batches.append(current)
    return batches, oversized


class _Cutter:
    """Cuts strings longer than ``limit`` characters, counting the cuts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cuts = 0

    def text(self, value: str) -> str:
        if len(value) <= self.limit:
            return value
        self.cuts += 1
        return f"{value[: self.limit]}...(truncated from {len(value):,} characters)"

    def value(self, value: object) -> object:
        if type(value) is str:
            return self.text(value)
        if type(value) is list or type(value) is tuple:
            items: Sequence[object] = value
            return [self.text(item) if type(item) is str else item for item in items]
        return value

    def attributes(self, attributes: Optional[Mapping[str, object]]) -> Dict[str, OTelValue]:
        cut = {self.text(key): self.value(value) for key, value in (attributes or {}).items()}
        return cast(Dict[str, OTelValue], cut)  # OTel values cut stay OTel values (a string list stays one)


def shrink(span: ReadableSpan, max_bytes: int = MAX_REQUEST_BYTES) -> Optional[ReadableSpan]:
    """Return a copy of ``span`` with its longest string values cut so that it fits ``max_bytes``, or None.

    The copy carries ``TRUNCATED_VALUES_ATTRIBUTE`` (how many values were cut). None when even cutting every
    string to a few hundred characters does not make it fit (say, a million attributes): the caller drops it.
    """
    limit = max_bytes // 8
    while limit >= _MIN_VALUE_CHARS:
        cutter = _Cutter(limit)
        attributes = cutter.attributes(span.attributes)
        events = [
            SdkEvent(cutter.text(event.name), cutter.attributes(event.attributes), event.timestamp)
            for event in span.events
        ]
        name = cutter.text(span.name)
        status = span.status
        if status.description and len(status.description) > limit:
            status = type(status)(status.status_code, cutter.text(status.description))
        attributes[TRUNCATED_VALUES_ATTRIBUTE] = cutter.cuts
        context: Optional[SpanContext] = span.context  # the property is not annotated in every SDK version
        assert context is not None  # every span this bridge builds has one
        copy = readable_span(
            name,
            context,
            span.parent,
            span.resource,
            attributes,
            events,
            status,
            span.start_time or 0,
            span.end_time or 0,
            span.instrumentation_scope,  # type: ignore[arg-type,unused-ignore]
        )
        if span_size(copy) <= max_bytes:
            return copy
        limit //= 4
    return None
