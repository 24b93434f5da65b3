"""The request size estimate (otel/request_size.py): the documented per-field rule, computed by hand."""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.trace import SpanContext, TraceFlags
from opentelemetry.trace.status import Status, StatusCode

from nv_one_logger.otel.mapping import readable_span
from nv_one_logger.otel.request_size import span_size


def test_estimate_counts_names_keys_values_and_fixed_overheads() -> None:
    attributes = {"ascii": "abc", "accent": "\u00e9t\u00e9", "n": 7, "f": 0.5, "b": True, "l": ["ab", 1], "t": ("x",)}
    events = [SdkEvent("ev", {"k": "vv", "m": 2}, 5), SdkEvent("e2", None, 6)]
    span = readable_span(
        "name",
        SpanContext(1, 2, False, TraceFlags(1)),
        None,
        Resource({}),
        attributes,
        events,
        Status(StatusCode.ERROR, "why"),
        1,
        2,
    )
    values = 3 + 4 * 3 + 10 + 10 + 10 + (4 + (2 + 2) + (10 + 2)) + (4 + (1 + 2))
    keys = sum(len(key) for key in attributes) + 12 * len(attributes)
    span_part = 200 + len("name") + values + keys + len("why")
    event_part = (40 + 2 + (1 + 2 + 12) + (1 + 10 + 12)) + (40 + 2)
    assert span_size(span) == span_part + event_part
