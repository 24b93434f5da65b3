"""Views of the spans an OTLP sink received (``ReceivedSpan``): what a trace viewer shows, by name, as a tree.

Used by the live-export, replay and reliability tests, which all compare what arrived with what was recorded.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from tests.support.otlp_sink import ReceivedSpan

#: Resource attribute that tells a replayed span from a live one.
REPLAYED = "one_logger.replay.replayed"


def real_spans(spans: List[ReceivedSpan]) -> List[ReceivedSpan]:
    """The spans a viewer should show: everything except liveness markers."""
    return [s for s in spans if not s.is_marker]


def by_name(spans: List[ReceivedSpan]) -> Dict[str, ReceivedSpan]:
    """Index ``spans`` by name; every name must be received once."""
    out: Dict[str, ReceivedSpan] = {}
    for span in spans:
        assert span.name not in out, f"span {span.name!r} received twice"
        out[span.name] = span
    return out


def marker_of(spans: List[ReceivedSpan], kind: str, one_logger_id: str) -> List[ReceivedSpan]:
    """The liveness markers of ``kind`` ("span_start", "event") sent for the OneLogger span ``one_logger_id``."""
    return [
        s
        for s in spans
        if s.attributes.get("one_logger.marker") == kind and s.attributes.get("one_logger.span.id") == one_logger_id
    ]


def is_replayed(span: ReceivedSpan) -> bool:
    """True for a span sent by ``one-logger replay`` (its resource says so)."""
    return bool(span.resource.get(REPLAYED))


def span_tree(spans: List[ReceivedSpan]) -> Dict[Tuple[str, ...], ReceivedSpan]:
    """Index final spans (no liveness markers) by their name path from the root; every path must be unique."""
    finals = real_spans(spans)
    by_id = {(s.trace_id, s.span_id): s for s in finals}
    out: Dict[Tuple[str, ...], ReceivedSpan] = {}
    for span in finals:
        path: List[str] = [span.name]
        node: Optional[ReceivedSpan] = span
        while node is not None and node.parent_span_id:
            node = by_id.get((node.trace_id, node.parent_span_id))
            path.insert(0, node.name if node is not None else "<missing>")
        key = tuple(path)
        assert key not in out, f"span path {key} received twice"
        out[key] = span
    return out


def comparable(span: ReceivedSpan) -> Dict[str, Any]:
    """What must be identical between a live export and a replay of the same run (everything but the resource)."""
    return {
        "name": span.name,
        "kind": span.kind,
        "start": span.start_time_unix_nano,
        "end": span.end_time_unix_nano,
        "attributes": span.attributes,
        "events": [(e.name, e.time_unix_nano, e.attributes) for e in span.events],
        "status": (span.status_code, span.status_message),
        "dropped_events": span.dropped_events_count,
    }
