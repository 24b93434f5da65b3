"""The calls the OTel exporter queues for its export worker: one small typed record per kind of call.

The application's thread builds one record per exporter call (``OTelExporter.export_*``) and appends it to the
worker's queue; the export thread turns the records into spans (``live_spans.LiveSpanTranslator.process``).

Why ``tuple`` subclasses built from a tuple (``StopCall((span,))``): building one is a single C call (no Python
``__init__``, no instance dict), about 70 ns more than a bare tuple, where a ``NamedTuple`` costs about 200 ns
more (its ``__new__`` is Python code) - and it runs for every span start, event and stop. mypy still knows every
record exactly: the fields come from the ``Tuple[...]`` base (checked where a record is built, typed where it is
unpacked: ``span, app_parent = call``), and ``type(call) is StopCall`` narrows a ``Call`` to one kind (the records
are ``final``: the worker dispatches on the exact type).

The one exception is the event, the call a training loop makes most: ``EventCall`` is a bare ``(span, event)``
tuple, those 70 ns saved on every event, and told apart by ``type(call) is tuple`` (every other record is a
subclass).
"""

from __future__ import annotations

from typing import Optional, Tuple, Union, final

from opentelemetry.trace import SpanContext

from nv_one_logger.core.event import Event, TelemetryDataError
from nv_one_logger.core.span import Span

__all__ = ["Call", "DataErrorCall", "EventCall", "LossReport", "StartCall", "StopCall"]


@final
class StartCall(Tuple[Span, Optional[SpanContext]]):
    """``(span, app_parent)``: ``span`` started; ``app_parent`` is the application's current OTel span context.

    ``app_parent`` is only read for a root span with ``parent_from_current_otel_span=True``, else None.
    """

    __slots__ = ()


@final
class StopCall(Tuple[Span]):
    """``(span,)``: ``span`` stopped; the span object carries all its final OTel span needs (start, attributes)."""

    __slots__ = ()


@final
class DataErrorCall(Tuple[TelemetryDataError]):
    """``(error,)``: a telemetry data error the application reported (``export_telemetry_data_error``)."""

    __slots__ = ()


@final
class LossReport(Tuple[str, str]):
    """``(error_type, message)``: the exporter's own report that it lost data, queued by the worker itself.

    ``error_type`` is a ``TelemetryDataError.ErrorType`` value. It becomes a telemetry data error span like a
    ``DataErrorCall``, stamped when the worker builds it (the first moment delivery works again).
    """

    __slots__ = ()


EventCall = Tuple[Span, Event]
"""``(span, event)``: an event on ``span``; an ``ErrorEvent`` is an application error. A bare tuple (docstring)."""

Call = Union[StartCall, EventCall, StopCall, DataErrorCall, LossReport]
"""One queued exporter call."""
