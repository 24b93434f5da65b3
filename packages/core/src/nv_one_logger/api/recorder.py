"""The ``Recorder`` interface: the one object applications talk to when they record telemetry.

A recorder creates and stops spans, attaches events and errors to them, and hands everything to exporters.
The interface is deliberately small and free of exporter specifics so that domain libraries can be written
against it and applications can swap implementations (``DefaultRecorder`` is the one the library ships).

Return values are ``Optional``: when the library is disabled (a disabled rank, or after it disabled itself
under ``DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR``) every call returns ``None`` without doing anything, and
every method accepts ``None`` where it expects a span so that code written for the enabled case keeps working.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Optional

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event
from nv_one_logger.core.span import Span, SpanName
from nv_one_logger.core.time import TracingTimestamp


class Recorder(ABC):
    """Records spans, events and errors and forwards them to exporters."""

    @abstractmethod
    def start(
        self,
        span_name: SpanName,
        span_attributes: Optional[Attributes] = None,
        start_event_attributes: Optional[Attributes] = None,
        start_time: Optional[TracingTimestamp] = None,
        parent_span: Optional[Span] = None,
    ) -> Span:
        """Start and return a new span.

        Without ``parent_span`` the parent is the innermost open span of the current context (thread or
        asyncio task), so nested ``start`` calls build a tree without passing spans around.
        """

    @abstractmethod
    def stop(
        self,
        span: Span,
        stop_event_attributes: Optional[Attributes] = None,
        stop_time: Optional[TracingTimestamp] = None,
    ) -> None:
        """Stop ``span`` (adds its stop event and ``duration_msec``) and export it."""

    @abstractmethod
    def event(self, span: Span, event: Event) -> Event:
        """Attach ``event`` to the open ``span``, export it and return it."""

    @abstractmethod
    def error(self, span: Span, error_message: str, exception: Optional[BaseException] = None) -> ErrorEvent:
        """Record an application error (optionally with the exception) on the open ``span`` and return it."""

    @abstractmethod
    def telemetry_data_error(self, error_message: str, attributes: Optional[Attributes] = None) -> None:
        """Report that the telemetry of this run is unreliable (sent to every exporter)."""

    @abstractmethod
    def close(self) -> None:
        """Stop every open span (newest first), then close the exporters. Later calls are no-ops."""
