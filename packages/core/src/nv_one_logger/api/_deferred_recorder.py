"""What ``get_recorder()`` returns before ``configure_one_logger``: a recorder that waits for the real one.

Instrumented code often fetches the recorder early (``recorder = get_recorder()`` at import time of a training
module, or in a library that cannot know whether the application configured OneLogger). Raising there would
take the application down for telemetry's sake, and a plain no-op recorder would silently record nothing for
the rest of the process even after the application configures OneLogger. This recorder forwards every call to
the configured recorder as soon as there is one; until then each call does nothing and returns ``None`` (as on a
disabled rank), and the first such call logs one WARNING for the whole process.
"""

from __future__ import annotations

import logging
from typing import Optional

from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event
from nv_one_logger.core.internal.logging import get_logger, log_once
from nv_one_logger.core.internal.singleton import SingletonMeta
from nv_one_logger.core.span import Span, SpanName
from nv_one_logger.core.time import TracingTimestamp

_LOGGER = get_logger("nv_one_logger.api.timed_span")
_SINGLETONS = SingletonMeta._instances


class UnconfiguredWarning:
    """Whether the "used before configure_one_logger" warning was logged (once per process).

    A class attribute rather than only :func:`log_once`'s registry: ``timed_span`` reads it on its fast path.
    """

    logged = False


def warn_used_before_configure(what: str) -> None:
    """Log, once per process, that ``what`` was used before ``configure_one_logger`` and recorded nothing."""
    UnconfiguredWarning.logged = True
    log_once(
        _LOGGER,
        logging.WARNING,
        "used-before-configure",
        "%s used before configure_one_logger(): nothing is recorded until OneLogger is configured "
        "(this warning is logged once per process).",
        what,
    )


def configured_recorder() -> Optional[Recorder]:
    """Return the provider's recorder, or None while OneLogger is not configured."""
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider

    provider: Optional[OneLoggerProvider] = _SINGLETONS.get(OneLoggerProvider)
    return None if provider is None else provider.configured_recorder


class DeferredRecorder(Recorder):
    """Forwards to the configured recorder; before configuration every call is a no-op returning None."""

    def _target(self, method: str) -> Optional[Recorder]:
        recorder = configured_recorder()
        if recorder is None:
            warn_used_before_configure(f"get_recorder().{method}()")
        return recorder

    def start(
        self,
        span_name: SpanName,
        span_attributes: Optional[Attributes] = None,
        start_event_attributes: Optional[Attributes] = None,
        start_time: Optional[TracingTimestamp] = None,
        parent_span: Optional[Span] = None,
    ) -> Span:
        recorder = self._target("start")
        if recorder is None:
            return None  # type: ignore[return-value]  # documented: None when nothing is recorded
        return recorder.start(span_name, span_attributes, start_event_attributes, start_time, parent_span)

    def stop(
        self,
        span: Span,
        stop_event_attributes: Optional[Attributes] = None,
        stop_time: Optional[TracingTimestamp] = None,
    ) -> None:
        recorder = self._target("stop")
        if recorder is not None:
            recorder.stop(span, stop_event_attributes, stop_time)

    def event(self, span: Span, event: Event) -> Event:
        recorder = self._target("event")
        return None if recorder is None else recorder.event(span, event)  # type: ignore[return-value]

    def error(self, span: Span, error_message: str, exception: Optional[BaseException] = None) -> ErrorEvent:
        recorder = self._target("error")
        return None if recorder is None else recorder.error(span, error_message, exception)  # type: ignore[return-value]

    def telemetry_data_error(self, error_message: str, attributes: Optional[Attributes] = None) -> None:
        recorder = self._target("telemetry_data_error")
        if recorder is not None:
            recorder.telemetry_data_error(error_message, attributes)

    def close(self) -> None:
        recorder = self._target("close")
        if recorder is not None:
            recorder.close()

    def __repr__(self) -> str:
        return "<DeferredRecorder: forwards to the recorder of configure_one_logger()>"


DEFERRED_RECORDER = DeferredRecorder()
