"""Drive an exporter directly, the way the recorder calls it, for the tests of one exporter on its own."""

from __future__ import annotations

from typing import Any

from nv_one_logger.core.event import Event
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import Exporter


def export_complete_span(exporter: Exporter, name: str, **span_kwargs: Any) -> Span:
    """Create the span ``name`` (``span_kwargs`` go to ``Span.create``) and hand it to ``exporter`` as the
    recorder does for a span that ends: ``export_start``, stop, ``export_stop``. Returns the stopped span."""
    span = Span.create(name, **span_kwargs)
    exporter.export_start(span)
    span.stop()
    exporter.export_stop(span)
    return span


def export_span_with_events(exporter: Exporter, events: int, name: str = "s") -> Span:
    """Hand ``exporter`` the span ``name`` with ``events`` events ``tick`` as the recorder does (start, events,
    stop); each event carries its index ``i`` and 50 characters of padding, so a few dozen fill a small file."""
    span = Span.create(name)
    exporter.export_start(span)
    for i in range(events):
        exporter.export_event(Event.create("tick", {"i": i, "pad": "x" * 50}), span)
    span.stop()
    exporter.export_stop(span)
    return span
