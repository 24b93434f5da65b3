"""Drive an exporter directly, the way the recorder calls it, for the tests of one exporter on its own."""

from __future__ import annotations

from typing import Any

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
