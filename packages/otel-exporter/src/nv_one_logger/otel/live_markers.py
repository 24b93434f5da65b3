"""Liveness markers: what a long-open span sends before it ends, so that it is visible while it runs.

Why this module exists: OTel exports a span only when it ends, so a days-long training span would be invisible
until the end, and lost on a crash. The live translator (``live_spans``) therefore *streams* a span that is still
open ``liveness_threshold_s`` (default 1 s) after its start, at the end of a batch cycle; it decides when, and
keeps the events still to send. This module builds the marker spans themselves, the one place that knows their
names, attributes, ids and time ranges (also described for users in docs/otel.md):

- a **start marker** is sent once: a zero-length span named ``"<name> [started]"`` at the span's start time,
  child of the (future) real span, carrying the span's current attributes, ``one_logger.span.id`` and
  ``one_logger.marker = "span_start"``;
- its events go out in **event markers**: a span named ``"<name> [events]"`` from the first to the last of the
  events since the previous cycle, child of the real span, carrying those events (at most the span event limit
  per marker) and ``one_logger.marker = "event"``.

Markers get random span ids (never the real span's, which only its one complete span carries), so a viewer or
query hides them all with the filter ``one_logger.marker`` *is not set*. Markers are rare (only spans open
longer than the threshold get any), so nothing here is on the per-span hot path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan

from nv_one_logger.otel.attributes import OTelValue
from nv_one_logger.otel.ids import random_span_id
from nv_one_logger.otel.mapping import (
    ATTR_MARKER,
    ATTR_SPAN_ID,
    error_status,
    final_span_attributes,
    lifecycle_event,
    readable_span,
    span_context,
)

if TYPE_CHECKING:
    from nv_one_logger.otel.live_spans import OpenSpan

MARKER_SPAN_START = "span_start"
MARKER_EVENT = "event"


def start_marker(state: OpenSpan, resource: Resource, legacy_fields: bool) -> ReadableSpan:
    """Return the one start marker of a span that has just started streaming."""
    attributes = final_span_attributes(state.span, legacy_fields)  # what is running, as known now
    attributes[ATTR_MARKER] = MARKER_SPAN_START
    start = lifecycle_event(state.start_event, legacy_fields)
    events = [] if start is None else [start]
    return _marker(state, resource, f"{state.name} [started]", attributes, events, state.start_ns, state.start_ns)


def event_markers(state: OpenSpan, resource: Resource, event_limit: int, out: List[ReadableSpan]) -> None:
    """Send the span's pending events in event markers (at most ``event_limit`` each); nothing stays pending."""
    pending, state.pending = state.pending, []
    name = event_marker_name(state.name)
    for i in range(0, len(pending), event_limit):
        events = pending[i : i + event_limit]
        attributes: Dict[str, OTelValue] = {ATTR_SPAN_ID: str(state.span.id), ATTR_MARKER: MARKER_EVENT}
        start_ns = events[0].timestamp or state.start_ns
        out.append(_marker(state, resource, name, attributes, events, start_ns, events[-1].timestamp or start_ns))


def event_marker_name(span_name: str) -> str:
    """Return the name of the event markers of the span ``span_name`` (a replay names its markers alike)."""
    return f"{span_name} [events]"


def _marker(
    state: OpenSpan,
    resource: Resource,
    name: str,
    attributes: Dict[str, OTelValue],
    events: List[SdkEvent],
    start_ns: int,
    end_ns: int,
) -> ReadableSpan:
    """Build a child of the span's real OTel span, with a fresh random id (never the real span's)."""
    return readable_span(
        name,
        span_context(state.context.trace_id, random_span_id(), False, state.context.trace_state),
        state.context,
        resource,
        attributes,
        events,
        error_status(None),
        start_ns,
        end_ns if end_ns > start_ns else start_ns,
    )
